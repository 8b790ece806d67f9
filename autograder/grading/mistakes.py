"""Known wrong answers (each spec's `mistakes`: reference/misconceptions.py's, or a course's) that explain a
failing value with a targeted hint.

For a case, every known mistake of every function the check runs is computed on the
grader's copy of the inputs: the check's `run` on the reference with that one function
replaced by the wrong one.  A failing value that matches one of them gets its hint.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

from autograder.grading.compare import compare_value
from autograder.grading.sides import ReferenceSide
from autograder.specs.base import Call, Check
from autograder.specs.registry import registry


def copies(call: Call) -> Call:
    """A deep copy of a call's arguments, so nothing the grader runs can change the case."""
    return Call(tuple(copy.deepcopy(list(call.args))), copy.deepcopy(call.kwargs))


def wrong_answers(check: Check, call: Call) -> list[tuple[str, Any]]:
    """(hint, value) for every known mistake that applies to this case: of any function the check runs."""
    if check.raises or check.expected:
        return []                                   # nothing is computed, so no formula to be wrong about
    out, specs = [], registry()
    for qualname in check.run.uses(call):
        for known in specs[qualname].mistakes:
            try:
                wrong = check.run(ReferenceSide({qualname: known.wrong}), copies(call))
            except Exception:  # noqa: BLE001 - a wrong formula may be undefined on this case
                continue
            out.append((known.hint, wrong))
    return out


def explain(got: Any, call: Call, comparison: Any, candidates: Callable[[], list[tuple[str, Any]]]) -> str | None:
    """The hint of the first known mistake whose value `got` matches (within the item's comparison)."""
    for hint, wrong in candidates():
        if compare_value(got, wrong, call, comparison) is None:
            return hint
    return None
