"""`audit ID`: does the rubric's suite catch wrong code?  Calibration, then mutation testing.

Calibration grades the reference (full marks expected), the stubs (zero), and each known
mistake of `reference/misconceptions.py` for a graded function, pasted over the reference:
it must lose points, and only on items that depend on that function.

Mutation testing makes one-change mutants of every graded reference function (AST level:
an operator or comparison swapped, a minus dropped, a term dropped, two call arguments
swapped, an integer off by one, a constant changed), grades each as a submission (the
reference with that one function mutated) on the items that depend on the function, and
calls a mutant killed when some item loses points.  A survivor is then run beside the
reference, in this process, on 24 fresh seeds of every case that any shipped rubric gives
those items' functions: if no output differs it is counted as equivalent (listed, for a
human to confirm), otherwise it is a real survivor, reported per item.  The score is
killed / non-equivalent mutants.
"""
from __future__ import annotations

import ast
import copy
import inspect
import math
import shutil
import signal
import tempfile
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

import torch

from autograder import rubric as rubric_mod

ROOT = Path(__file__).resolve().parent.parent
EXTRA_SEEDS = 24
_OPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult, ast.FloorDiv: ast.Div}
_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}


# -- mutants ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mutant:
    function: str                 # "module.function"
    line: int                     # in the reference module
    change: str                   # what was changed, e.g. "+ -> -"
    source: str                   # the whole mutated module


def _variants(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """(description, replacement) for every one-change mutation of `node` itself."""
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


def mutants(qualname: str) -> list[Mutant]:
    """Every distinct one-change mutant of the reference function `qualname`."""
    module, name = qualname.split(".")
    source = (ROOT / "reference" / f"{module}.py").read_text()
    pristine = _function(ast.parse(source), name)
    out, seen = [], {ast.unparse(pristine)}
    for index, node in enumerate(_mutable_nodes(pristine)):
        for change, _ in _variants(node):
            tree = ast.parse(source)                       # a fresh tree per mutant: replacements share nodes
            function = _function(tree, name)
            target = _mutable_nodes(function)[index]
            _Replace(target, next(r for d, r in _variants(target) if d == change)).visit(function)   # edits in place
            key = ast.unparse(function)
            if key not in seen:
                seen.add(key)
                out.append(Mutant(qualname, getattr(node, "lineno", 0), change, ast.unparse(ast.fix_missing_locations(tree))))
    return out


# -- what depends on what -------------------------------------------------------------------------
def _calls(module: str) -> dict[str, set[str]]:
    """function -> names of the module's functions it uses, transitively (the reference's own call graph)."""
    tree = ast.parse((ROOT / "reference" / f"{module}.py").read_text())
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    direct = {name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in functions} - {name}
              for name, node in functions.items()}
    closure = {}
    for name in functions:
        seen, stack = set(), list(direct[name])
        while stack:
            callee = stack.pop()
            if callee not in seen:
                seen.add(callee)
                stack.extend(direct[callee])
        closure[name] = seen
    return closure


def dependents(items: list, qualname: str) -> list:
    """Items whose result depends on `qualname`: its own, those of functions calling it, and probes using it."""
    from autograder.checks import build_call, functions_used

    module, name = qualname.split(".")
    calls = _calls(module)
    out = []
    for graded in items:
        spec = graded.spec
        if spec.module == "answers":
            continue
        uses = spec.qualname == qualname or (spec.module == module and name in calls.get(spec.function, set()))
        named = graded.named_check
        if not uses and named and named.probe:
            used = functions_used(graded, build_call(graded, *graded.cases[0]))
            uses = qualname in used or any(q.split(".")[0] == module and name in calls.get(q.split(".")[1], set())
                                           for q in used)
        if uses:
            out.append(graded)
    return out


# -- equivalence ------------------------------------------------------------------------------------
class _Slow(Exception):
    pass


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.shape == b.shape and a.dtype == b.dtype and torch.allclose(a.double(), b.double(), rtol=1e-9, atol=1e-12,
                                                                            equal_nan=True)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))
    return type(a) is type(b) and a == b


def shipped_items() -> list:
    """Every item of every rubric in rubrics/."""
    return [g for path in sorted(rubric_mod.rubric_dir().glob("*.yaml")) for g in rubric_mod.load(path)[1]]


def broader(items: list, others: list) -> list:
    """`items`, each with the cases of the `others` (shipped_items()) grading the same function the same way.

    Equivalence is judged on this wider set, not on the audited rubric's own cases: a mutant
    that only a case the rubric lacks could expose is a survivor, not an equivalent.
    """
    pooled = []
    for graded in items:
        cases = list(graded.cases) + [c for g in others if (g.spec.qualname, g.item.check) == (graded.spec.qualname, graded.item.check)
                                      for c in g.cases]
        pooled.append(graded.model_copy(update={"cases": cases}))
    return pooled


def equivalent(mutant: Mutant, items: list) -> bool:
    """No output of the mutated module differs from the reference's on fresh cases of `items` (run here, trusted code)."""
    import importlib
    import types

    from autograder.checks import ReferenceSide, build_call

    module_name, name = mutant.function.split(".")
    mutated = types.ModuleType(f"reference.{module_name}")
    mutated.__file__ = str(ROOT / "reference" / f"{module_name}.py")
    exec(compile(mutant.source, mutated.__file__, "exec"), mutated.__dict__)  # noqa: S102 - our own reference, mutated
    reference = importlib.import_module(f"reference.{module_name}")

    def run(graded, module, call):
        named = graded.named_check
        args, kwargs = copy.deepcopy(list(call.args)), copy.deepcopy(call.kwargs)
        try:
            if named and named.probe:
                swapped = {f"{module_name}.{f}": getattr(module, f) for f in dir(module) if callable(getattr(module, f))}
                return "ok", named.probe(ReferenceSide(swapped), *args, **kwargs)
            return "ok", getattr(module, graded.spec.function)(*args, **kwargs)
        except _Slow:
            raise
        except Exception as exc:  # noqa: BLE001 - a mutant may raise where the reference does not
            return "raised", type(exc).__name__

    previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(_Slow()))
    try:
        for graded in items:
            for params, _ in graded.cases:
                for seed in range(10_000, 10_000 + EXTRA_SEEDS):
                    call = build_call(graded, params, seed)
                    signal.alarm(5)
                    try:
                        ours, theirs = run(graded, reference, call), run(graded, mutated, call)
                    finally:
                        signal.alarm(0)
                    if ours[0] != theirs[0] or not _same(ours[1], theirs[1]):
                        return False
    except _Slow:
        return False
    finally:
        signal.signal(signal.SIGALRM, previous)
    return True


# -- the audit ---------------------------------------------------------------------------------------
@dataclass
class Survivor:
    function: str
    line: int
    change: str


@dataclass
class Report:
    assignment: str
    reference_score: float = 0.0
    stub_score: float = 0.0
    total: float = 0.0
    mistakes: list[dict] = field(default_factory=list)
    mutants: int = 0
    killed: int = 0
    equivalent: int = 0
    equivalents: list[Survivor] = field(default_factory=list)               # for a human to confirm
    survivors: dict[str, list[Survivor]] = field(default_factory=dict)     # item id -> survivors

    @property
    def kill_rate(self) -> float:
        real = self.mutants - self.equivalent
        return self.killed / real if real else 1.0

    def to_json(self) -> dict:
        return asdict(self) | {"kill_rate": round(self.kill_rate, 4)}


def audit(assignment: str, rubric_path: Path | None = None, functions: set[str] | None = None, progress: bool = True,
          sandbox_user: str | None = None) -> Report:
    from tqdm import tqdm

    from autograder import engine
    from reference.misconceptions import MISCONCEPTIONS

    path = rubric_path or rubric_mod.find(assignment)
    zygote = engine.start(sandbox_user or engine.DEFAULT_SANDBOX_USER)
    _, items = rubric_mod.load(path)
    report = Report(assignment, total=sum(g.item.points for g in items))
    graded_functions = sorted({g.spec.qualname for g in items if g.spec.module != "answers"})
    if functions:
        graded_functions = [f for f in graded_functions if f in functions]
    others = shipped_items()
    work = Path(tempfile.mkdtemp(prefix="gm-audit-"))
    with zygote:
        report.reference_score = engine.grade(zygote, _copy_reference(work / "reference", items), path).score
        report.stub_score = engine.grade(zygote, shutil.copytree(ROOT / "student_template", work / "stubs"), path).score
        sub = _copy_reference(work / "mutant", items)
        for qualname in graded_functions:
            module, name = qualname.split(".")
            affected = dependents(items, qualname)
            only = {g.id for g in affected}
            reference = (ROOT / "reference" / f"{module}.py").read_text()
            for known in MISCONCEPTIONS.get(qualname, ()):
                result = _grade_variant(zygote, sub, module, reference + _pasted(known.wrong, name), path)
                lost = sorted(i for i, r in result.results.items() if r.score < r.graded.item.points)
                report.mistakes.append({"function": qualname, "mistake": known.name, "lost": lost,
                                        "ok": bool(lost) and set(lost) <= only})
            wider = broader(affected, others)
            for mutant in tqdm(mutants(qualname), desc=qualname, unit="mutant", disable=not progress, leave=False):
                result = _grade_variant(zygote, sub, module, mutant.source, path, only)
                report.mutants += 1
                if any(r.score < r.graded.item.points for r in result.results.values()):
                    report.killed += 1
                elif equivalent(mutant, wider):
                    report.equivalent += 1
                    report.equivalents.append(Survivor(qualname, mutant.line, mutant.change))
                else:
                    for graded in affected:
                        report.survivors.setdefault(graded.id, []).append(Survivor(qualname, mutant.line, mutant.change))
    shutil.rmtree(work, ignore_errors=True)
    return report


def _grade_variant(zygote: Any, sub: Path, module: str, source: str, path: Path, only: set[str] | None = None) -> Any:
    """Grade the reference submission `sub` with `module`.py replaced by `source`, then put the reference back."""
    from autograder import engine

    target = sub / f"{module}.py"
    target.write_text(source)
    try:
        return engine.grade(zygote, sub, path, only=only)
    finally:
        shutil.copy(ROOT / "reference" / f"{module}.py", target)


def _copy_reference(dest: Path, items: list) -> Path:
    """The reference as a submission, with an answers.yaml holding the rubric's own keys."""
    import yaml

    dest.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "reference").glob("*.py"):
        if path.stem not in ("__init__", "misconceptions"):
            shutil.copy(path, dest / path.name)
    keys = {g.cases[0][0].key: g.cases[0][0].accept[0] for g in items if g.spec.module == "answers"}
    (dest / "answers.yaml").write_text(yaml.safe_dump(keys))
    return dest


def _pasted(wrong: Any, name: str) -> str:
    """A known wrong function's source, renamed to the graded function, with the imports it relies on."""
    source = textwrap.dedent(inspect.getsource(wrong))
    tree = ast.parse(source)
    tree.body[0].name = name
    prelude = ("import math\nimport torch\nimport torch.nn.functional as F\nfrom torch import Tensor\n"
               "import autoregressive, diffusion, flows, gan, priors, simsiam\n")
    return "\n\n" + prelude + ast.unparse(tree) + "\n"
