"""Which branches of a graded reference function the rubric's cases reach: coverage.py branch coverage.

Every case of the items that depend on the function (visible and hidden alike, raises
items' invalid inputs included) is run on the reference in this process under
`coverage.Coverage(branch=True)`, limited to the function's reference module.  A line of the
function that never ran, or a branch of it never taken (an `if` whose body, or whose
skipping, no case reaches; a loop never entered or never left early), is a regime no case
exercises: a mistake hidden there costs no points.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from autograder import course
from autograder.grading.mistakes import copies
from autograder.grading.runner import build_call
from autograder.grading.sides import ReferenceSide


@dataclass
class Coverage:
    """What the cases left unreached in one function: lines never run, branches never taken (line -> lines)."""

    function: str
    lines: list[int] = field(default_factory=list)
    branches: list[tuple[int, int]] = field(default_factory=list)     # (from line, to line); to < 0: leaving the function

    def describe(self) -> list[str]:
        out = [f"{self.function}:{line} never runs" for line in self.lines]
        out += [f"{self.function}:{a} never " + ("returns from there" if b < 0 else f"goes on to line {b}")
                for a, b in self.branches]
        return out


def _span(source: str, name: str) -> range:
    function = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
    return range(function.body[0].lineno, function.end_lineno + 1)


def uncovered(qualname: str, items: list) -> Coverage:
    """The lines and branches of the reference function `qualname` that no case of `items` reaches."""
    import coverage

    module, name = qualname.split(".")
    path = course.active().reference_path(module)
    span = _span(path.read_text(), name)
    cov = coverage.Coverage(branch=True, data_file=None, include=[str(path)], config_file=False)
    cov.start()
    try:
        for graded in items:
            for params, seed in graded.cases:
                try:
                    graded.check.run(ReferenceSide(), copies(build_call(graded, params, seed)))
                except Exception:  # noqa: BLE001 - the invalid cases raise, as they should
                    pass
    finally:
        cov.stop()
    analysis = cov._analyze(str(path))          # coverage.py's own per-file analysis (what `coverage report -m` prints)
    docstring_free = set(span) & set(analysis.statements)
    result = Coverage(qualname, sorted(set(analysis.missing) & docstring_free))
    for line, targets in sorted(analysis.missing_branch_arcs().items()):
        if line in docstring_free and line not in result.lines:
            result.branches += [(line, target) for target in sorted(targets)]
    return result
