"""Which regimes of a graded reference function the rubric's cases reach: branches, operation sites, declared regimes.

Every case of the items that depend on the function (visible and hidden alike, raises items'
invalid inputs included) is run on the reference in this process, and three things are
recorded:
- branches: coverage.py branch coverage, limited to the function's reference module.  A line
  of the function that never ran, or a branch never taken (an `if` whose body, or whose
  skipping, no case reaches; a loop never entered or never left early);
- operation sites (`sites.py`): for each abs, clamp, where, logsumexp, log1p, ... the function
  (or a helper it calls) runs, whether its arguments fell in each of its regimes (both signs,
  both sides, moderate and overflowing magnitudes);
- declared regimes (`FunctionSpec.regimes`, `specs/regimes.py`): t = 1 and T, D = 0 and 1, one
  sample, a non-square matrix, each accepted form of an argument, judged on the arguments of
  every call of the function that returned.
What none reached is listed: a mistake hidden there costs no points.
"""
from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from autograder import course
from autograder.commands.audit.sites import Sites
from autograder.grading.mistakes import copies
from autograder.grading.runner import build_call
from autograder.grading.sides import ReferenceSide
from autograder.specs.registry import registry


@dataclass
class Unreached:
    """What the cases left unreached in one function."""

    function: str
    lines: list[int] = field(default_factory=list)
    branches: list[tuple[int, int]] = field(default_factory=list)     # (from line, to line); to < 0: leaving the function
    sites: list[str] = field(default_factory=list)                    # "module.function[ -> helper]:line op: never ..."
    regimes: list[str] = field(default_factory=list)                  # declared regimes no call reached

    def describe(self) -> list[str]:
        out = [f"{self.function}:{line} never runs" for line in self.lines]
        out += [f"{self.function}:{a} never " + ("returns from there" if b < 0 else f"goes on to line {b}")
                for a, b in self.branches]
        return out + self.sites + [f"{self.function}: no case with {regime}" for regime in self.regimes]


def _span(source: str, name: str) -> range:
    function = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
    return range(function.body[0].lineno, function.end_lineno + 1)


class Recorder:
    """A reference function that records, for every call that returned, its arguments (by name, defaults filled in)
    and its result."""

    def __init__(self, reference: Callable[..., Any]):
        self.reference, self.calls, self.results = reference, [], []
        self.signature = inspect.signature(reference)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        result = self.reference(*args, **kwargs)
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        self.calls.append(dict(bound.arguments))
        self.results.append(result)
        return result


def unreached(qualname: str, items: list) -> Unreached:
    """The lines, branches, operation regimes and declared regimes of the reference function `qualname` that no case
    of `items` reaches."""
    import coverage

    module, name = qualname.split(".")
    path = course.active().reference_path(module)
    span = _span(path.read_text(), name)
    spec = registry().get(qualname)
    recorder = Recorder(spec.reference) if spec is not None and spec.reference is not None else None
    side = ReferenceSide({qualname: recorder} if recorder else None)
    cov = coverage.Coverage(branch=True, data_file=None, include=[str(path)], config_file=False)
    sites = Sites(str(path), module, name)
    cov.start()
    try:
        with sites:
            for graded in items:
                for params, seed in graded.cases:
                    try:
                        graded.check.run(side, copies(build_call(graded, params, seed)))
                    except Exception:  # noqa: BLE001 - the invalid cases raise, as they should
                        pass
    finally:
        cov.stop()
    analysis = cov._analyze(str(path))          # coverage.py's own per-file analysis (what `coverage report -m` prints)
    docstring_free = set(span) & set(analysis.statements)
    result = Unreached(qualname, sorted(set(analysis.missing) & docstring_free), sites=sites.unreached())
    for line, targets in sorted(analysis.missing_branch_arcs().items()):
        if line in docstring_free and line not in result.lines:
            result.branches += [(line, target) for target in sorted(targets)]
    if recorder is not None:
        result.regimes = [r.name for r in spec.regimes if not any(r.reached(call) for call in recorder.calls)]
    return result
