"""Mutants of a reference function, made on its AST.

One-change mutants change one node of the function's body: an operator or comparison
swapped, a minus dropped, a term dropped, the first two call arguments swapped, an integer
off by one, a float constant changed.  Student-like mutants (student_mistakes.py) make the
mistakes students make: an abs or a detach dropped, the naive formula for a stable one,
sum <-> mean, the wrong reduction, a transposed operand, log2, an epsilon, a clamp, float32,
an input updated in place, a sequential update.  Docstrings, raise statements and
f-strings (error messages) are left alone.  A mutant is the whole reference module with
that one change.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterator

from autograder import course
from autograder.commands.audit import student_mistakes

_OPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult, ast.FloorDiv: ast.Div}
_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}


@dataclass(frozen=True)
class Mutant:
    function: str                 # "module.function"
    line: int                     # in the reference module
    change: str                   # what was changed, e.g. "+ -> -"
    source: str                   # the whole mutated module
    tolerated: bool = False       # the contract allows it (student_mistakes.TOLERATED): equivalent when every case passes


def _variants(node: ast.AST, params: set[str]) -> Iterator[tuple[str, ast.AST]]:
    """(description, replacement) for every mutation of `node` itself: one-change, then student-like."""
    yield from _one_change(node)
    yield from student_mistakes.variants(node, params)


def _one_change(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    if isinstance(node, ast.BinOp):
        if type(node.op) in _OPS:
            new = _OPS[type(node.op)]()
            yield f"{_sym(node.op)} -> {_sym(new)}", ast.BinOp(node.left, new, node.right)
        yield "right operand dropped", node.left
        yield "left operand dropped", node.right
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield "minus dropped", node.operand
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP:
        new = _CMP[type(node.ops[0])]()
        yield f"{_sym(node.ops[0])} -> {_sym(new)}", ast.Compare(node.left, [new], node.comparators)
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        if isinstance(node.value, int):
            yield f"{node.value} -> {node.value + 1}", ast.Constant(node.value + 1)
            if node.value != 0:
                yield f"{node.value} -> {node.value - 1}", ast.Constant(node.value - 1)
        else:
            yield f"{node.value!r} -> {node.value * 2 or 1.0!r}", ast.Constant(node.value * 2 or 1.0)
    elif isinstance(node, ast.Call) and len(node.args) >= 2 and not any(isinstance(a, ast.Starred) for a in node.args[:2]):
        yield "first two arguments swapped", ast.Call(node.func, [node.args[1], node.args[0], *node.args[2:]], node.keywords)


def _sym(op: ast.AST) -> str:
    return {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.FloorDiv: "//", ast.Lt: "<",
            ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}[type(op)]


def _mutable_nodes(function: ast.FunctionDef) -> list[ast.AST]:
    """Nodes of the function body worth mutating: not the docstring, error messages or f-strings."""
    body = function.body[1:] if function.body and isinstance(function.body[0], ast.Expr) and \
        isinstance(function.body[0].value, ast.Constant) else function.body
    skip: set[int] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, (ast.JoinedStr, ast.Raise)):
                skip |= {id(n) for n in ast.walk(node)}
    return [n for stmt in body for n in ast.walk(stmt) if id(n) not in skip]


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, replacement: ast.AST):
        self.target, self.replacement = target, replacement

    def visit(self, node: ast.AST) -> ast.AST:
        return self.replacement if node is self.target else self.generic_visit(node)


def _function(tree: ast.Module, name: str) -> ast.FunctionDef:
    return next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)


def _blocks(function: ast.FunctionDef) -> list[list[ast.stmt]]:
    """The statement lists of the function's body (itself, then nested loops and branches), in walk order."""
    return [getattr(n, f) for n in ast.walk(function) if isinstance(n, (ast.FunctionDef, ast.For, ast.While, ast.If, ast.With))
            for f in ("body", "orelse") if getattr(n, f, None)]


def mutants(qualname: str) -> list[Mutant]:
    """Every distinct mutant of the reference function `qualname`."""
    module, name = qualname.split(".")
    source = course.active().reference_path(module).read_text()
    pristine = _function(ast.parse(source), name)
    out, seen = [], {ast.unparse(pristine)}

    def keep(tree: ast.Module, function: ast.FunctionDef, line: int, change: str, extra: str = "") -> None:
        key = ast.unparse(function)
        if key not in seen:
            seen.add(key)
            out.append(Mutant(qualname, line, change, ast.unparse(ast.fix_missing_locations(tree)) + extra,
                              change in student_mistakes.TOLERATED))

    params = student_mistakes.tensor_arguments(pristine)
    for index, node in enumerate(_mutable_nodes(pristine)):
        for change, _ in _variants(node, params):
            tree = ast.parse(source)                       # a fresh tree per mutant: replacements share nodes
            function = _function(tree, name)
            target = _mutable_nodes(function)[index]
            _Replace(target, next(r for d, r in _variants(target, params) if d == change)).visit(function)   # edits in place
            keep(tree, function, getattr(node, "lineno", 0), change)
    for b, block in enumerate(_blocks(pristine)):
        for i in student_mistakes.statement_swaps(block):
            tree = ast.parse(source)
            function = _function(tree, name)
            fresh = _blocks(function)[b]
            fresh[i], fresh[i + 1] = fresh[i + 1], fresh[i]
            keep(tree, function, block[i].lineno, f"lines {block[i].lineno} and {block[i + 1].lineno} swapped (sequential update)")
    tree = ast.parse(source)
    function = _function(tree, name)
    student_mistakes.float32(function)
    keep(tree, function, pristine.lineno, "computed in float32", student_mistakes.FLOAT32_HELPER)
    return out
