"""A notebook handed in for a module (`vae.ipynb`): the definitions of its code cells, as a module to grade.

The code cells are read with nbformat.  IPython magics and shell lines (`%...`, `%%...`,
`!...`, `x = !ls`) are dropped; of the rest only what defines things is kept, in order:
imports (each in `try/except ImportError`, so a missing plotting library stops nothing
that does not need it; `from __future__` ones first), function and class definitions, and assignments of constants
(literals, and calls of torch, numpy or math functions on literals).  Everything else,
training loops, plotting, printing, is not run, so a notebook that trains for an hour
grades in seconds.  Outputs (images, logs) are never looked at.
"""
from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass

CELL_MAGICS_THAT_RUN_PYTHON = ("time", "timeit", "capture", "prun")
LIBRARIES = ("torch", "np", "numpy", "math", "F", "nn")
_SHELL_ASSIGNMENT = re.compile(r"^\s*[\w.,\s]+=\s*[!%]")


@dataclass
class Extract:
    """The module's source, and how much of the notebook it left out."""

    source: str
    cells: int = 0
    imports: int = 0
    definitions: int = 0
    constants: int = 0
    skipped: int = 0
    magics: int = 0
    unreadable_cells: int = 0

    def note(self, name: str) -> str:
        kept = f"kept {self.imports} imports, {self.definitions} functions and classes, {self.constants} constants"
        dropped = f"skipped {self.skipped} other statements (training, plotting, printing: not run)"
        extra = f", {self.magics} magic or shell lines" if self.magics else ""
        broken = f"; {self.unreadable_cells} cells with syntax errors were left out" if self.unreadable_cells else ""
        return f"{name}: read {self.cells} code cells; {kept}; {dropped}{extra}{broken}."


def _is_constant(node: ast.AST) -> bool:
    """A literal, a name, or arithmetic, containers and torch/numpy/math calls built from them."""
    if isinstance(node, (ast.Constant, ast.Name)):
        return True
    if isinstance(node, ast.Attribute):
        return _is_constant(node.value)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_constant(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is None or _is_constant(k) for k in node.keys) and all(_is_constant(v) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        return _is_constant(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_constant(node.left) and _is_constant(node.right)
    if isinstance(node, ast.Call):
        root = node.func
        while isinstance(root, ast.Attribute):
            root = root.value
        return (isinstance(node.func, ast.Attribute) and isinstance(root, ast.Name) and root.id in LIBRARIES
                and all(_is_constant(a) for a in node.args) and all(_is_constant(k.value) for k in node.keywords))
    return False


def _kind(node: ast.stmt) -> str | None:
    """Which kind of definition a top-level statement is, or None for one that is not kept."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return "imports"
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return "definitions"
    if isinstance(node, ast.Assign) and _is_constant(node.value):
        return "constants"
    if isinstance(node, ast.AnnAssign) and node.value is not None and _is_constant(node.value):
        return "constants"
    return None


def _python_lines(source: str, extract: Extract) -> list[str] | None:
    """The cell's lines with magics and shell lines replaced by `pass`; None for a cell that is not Python."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        extract.magics += 1
        magic = (lines[0].lstrip()[2:].split() or [""])[0]
        if magic not in CELL_MAGICS_THAT_RUN_PYTHON:
            return None
        lines = lines[1:]
    out = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) or _SHELL_ASSIGNMENT.match(line):
            extract.magics += 1
            out.append(line[: len(line) - len(stripped)] + "pass")
        else:
            out.append(line)
    return out


def extract(text: str) -> Extract:
    """The definitions of a notebook's code cells (raises ValueError for what is not a notebook)."""
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")                   # nbformat warns about old notebooks it reads fine
            notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - not JSON, not a notebook, nested past the parser's limit
        raise ValueError(f"not a notebook nbformat can read ({type(exc).__name__})") from None
    result, parts, future = Extract(""), [], []
    for number, cell in enumerate(notebook.cells, 1):
        if cell.get("cell_type") != "code":
            continue
        result.cells += 1
        lines = _python_lines(str(cell.get("source", "")), result)
        if lines is None:
            continue
        try:
            tree = ast.parse("\n".join(lines))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            result.unreadable_cells += 1
            continue
        for node in tree.body:
            kind = _kind(node)
            if kind is None:
                result.skipped += not isinstance(node, ast.Pass)          # a magic line's stand-in is not a statement
                continue
            setattr(result, kind, getattr(result, kind) + 1)
            first = node.decorator_list[0].lineno if getattr(node, "decorator_list", None) else node.lineno
            code = "\n".join(lines[first - 1: node.end_lineno])
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                future.append(code)                     # valid in any cell, but only first in a module
                continue
            if kind == "imports":
                code = "try:\n" + "\n".join("    " + line for line in code.splitlines()) + "\nexcept ImportError:\n    pass"
            parts.append(f"# cell {number}\n{code}")
    result.source = "\n\n".join([*dict.fromkeys(future), *parts]) + "\n"
    return result
