"""What a course's Python tests import: the student's functions, the reference, and assertions that read like ours.

    from gradescope_utils.autograder_utils.decorators import number, visibility, weight
    from autograder.instructor import assert_close, reference, student

    @weight(2)
    @number("2.1")
    @visibility("after_due_date")
    def test_dsm_loss_vanishes_at_the_true_score():
        eps = torch.randn(8, 3, dtype=torch.float64)
        got = student.score.dsm_loss(eps, 0.5, -eps / 0.5)      # runs in the sandboxed worker
        assert_close(got, reference.score.dsm_loss(eps, 0.5, -eps / 0.5), name="loss")

`student.<module>.<function>(...)` calls the student's code in the confined worker: the
arguments cross the wire, the result comes back as a plain value (a call that times out,
crashes or raises ends the test with the same message a rubric item would give).  Expected
values are computed here, in the grader, with `reference` (the course's reference, or the
product's for built-in modules); student code can read neither this file nor the reference.
`assert_close` fails with got, expected, where and the tolerance, as built-in items do.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import torch

from autograder.grading.compare import Mismatch, compare_tensor
from autograder.grading.sides import StudentFailed
from autograder.specs.base import Tolerance

_side: ContextVar[Any] = ContextVar("student side")     # set by grading/course_tests.py while a test runs


class CheckFailed(AssertionError):
    """An assertion of this module that failed: its Mismatch says how."""

    def __init__(self, mismatch: Mismatch):
        super().__init__(mismatch.detail or mismatch.summary)
        self.mismatch = mismatch


class _Functions:
    def __init__(self, module: str, find: Any):
        self._module, self._find = module, find

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._find(f"{self._module}.{name}")


class _Modules:
    def __init__(self, find: Any):
        self._find = find

    def __getattr__(self, module: str) -> _Functions:
        if module.startswith("__"):
            raise AttributeError(module)
        return _Functions(module, self._find)


def _student_function(qualname: str) -> Any:
    side = _side.get(None)
    if side is None:
        raise RuntimeError("student functions can be called only while the grader runs a test")
    return side.function(qualname)


def _reference_function(qualname: str) -> Any:
    from autograder.grading.sides import ReferenceSide

    return ReferenceSide().function(qualname)


student = _Modules(_student_function)
reference = _Modules(_reference_function)


def assert_close(got: Any, expected: Any, *, name: str = "result", rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """|got - expected| <= atol + rtol * |expected| elementwise, same shape, a floating tensor (CheckFailed otherwise)."""
    if isinstance(expected, (int, float)):
        expected = torch.tensor(float(expected), dtype=torch.float64)
    problem = compare_tensor(got, expected, Tolerance(rtol=rtol, atol=atol), name)
    if problem is not None:
        raise CheckFailed(problem)


def check(condition: bool, message: str) -> None:
    """Fail the test with `message` (the instructor's words) unless `condition` holds."""
    if not condition:
        raise CheckFailed(Mismatch("check failed", message))


def assert_raises_value_error(function: Any, *args: Any, **kwargs: Any) -> None:
    """`function(*args, **kwargs)` (a student's function) raises ValueError, as invalid input must (CheckFailed if it
    returns; any other failure ends the test as a rubric item's would)."""
    try:
        function(*args, **kwargs)
    except StudentFailed as failed:
        if failed.outcome.status == "error" and failed.outcome.value_error:
            return
        raise
    raise CheckFailed(Mismatch("returned a value instead of raising ValueError on invalid input", ""))
