"""Run one rubric item against a submission: build each case, call the worker, judge, score.

The grader builds the inputs from the case's seed, computes the expected value on its own
copy (the item's check run on the reference), sends the inputs to the worker, and judges
what comes back with the check: a `raises` check passes when the call raises ValueError;
every other check passes when the inputs are unchanged and its judge accepts the value
(by default: it matches the expected value within tolerance).  A failing value is compared
with every known wrong answer (`mistakes.py`); a match turns the generic hint into a
targeted one.  The item's feedback is written by `render.py`.
"""
from __future__ import annotations

import functools
import math
import time
from typing import Any, Callable

import torch

from autograder.grading import feedback, mistakes
from autograder.grading.compare import Mismatch, mutated
from autograder.grading.render import render
from autograder.grading.rubric import GradedItem
from autograder.grading.sides import ReferenceSide
from autograder.grading.verdicts import MODULE_LEVEL, CaseResult, ItemResult
from autograder.sandbox.client import CallOutcome, WorkerClient
from autograder.specs.base import Call

OUT_OF_TIME = "not run: grading stopped when its time budget ran out (the code before it was too slow)"


class ReferenceValues:
    """Where a case's expected value and known wrong answers come from: the reference, computed on the grader's copy.

    A student handout has no reference; it grades with `recording.RecordedValues` instead, which has the same two methods.
    """

    def expected(self, graded: GradedItem, index: int, params: Any, call: Call) -> Any:
        return expected_value(graded, params, call)

    def wrong_answers(self, graded: GradedItem, index: int, call: Call) -> list[tuple[str, Any]]:
        return mistakes.wrong_answers(graded.check, call)


def build_call(graded: GradedItem, params: Any, seed: int) -> Call:
    """The inputs of one case, drawn from its seed."""
    return graded.check.build(params, torch.Generator().manual_seed(seed))


def expected_value(graded: GradedItem, params: Any, call: Call) -> Any:
    """What a correct submission gives on this case (None for raises checks)."""
    check = graded.check
    if check.raises:
        return None
    if check.expected:
        return check.expected(params, call)
    return check.run(ReferenceSide(), mistakes.copies(call))


def _module_message(outcome: CallOutcome, qualname: str) -> str:
    module, function = qualname.split(".")
    if module == "answers":
        return {"missing_module": "`answers.yaml` was not found in your submission.",
                "missing_function": f"{outcome.message}: add it to `answers.yaml`.",
                "syntax_error": f"{outcome.message}.", "import_error": f"{outcome.message}."}.get(outcome.kind, outcome.message)
    return {
        "missing_module": f"`{module}.py` was not found in your submission; it must define `{function}`.",
        "missing_function": f"`{module}.py` does not define a function `{function}` (check the spelling and that it is at top level).",
        "syntax_error": f"`{module}.py` has a syntax error: {outcome.message}.",
        "import_error": f"importing `{module}.py` failed: {outcome.message}.",
        "not_implemented": f"`{qualname}` is not implemented yet (it raises NotImplementedError).",
    }[outcome.kind]


def _outcome_failure(graded: GradedItem, outcome: CallOutcome, timeout_s: float, raised: str = "raised an exception") -> CaseResult | None:
    """The verdict where the call gave no value to judge: a timeout, a crash, a bad channel, an error (None if it returned).

    `raised` is the summary of an exception the check did not ask for.
    """
    if outcome.status == "timeout":
        return CaseResult(False, f"timed out (each call may take at most {graded.timeout_s:g} s)" if timeout_s >= graded.timeout_s
                          else "timed out when the grading time budget ran out", public=True)
    if outcome.status == "crashed":
        return CaseResult(False, "the process running your code died during the call (os._exit, a crash, or too much memory)",
                          public=True)
    if outcome.status == "protocol":
        return CaseResult(False, "your code interfered with the grader's channel; the result could not be read")
    if outcome.status == "error" and outcome.kind in MODULE_LEVEL:
        trace = outcome.traceback and outcome.kind == "import_error"
        return CaseResult(False, _module_message(outcome, graded.spec.qualname), block=feedback.fence(outcome.traceback) if trace else "")
    if outcome.status == "error":
        return CaseResult(False, raised, block=f"raised {outcome.message}\n\n" + feedback.fence(outcome.traceback))
    return None


def _raises_verdict(graded: GradedItem, outcome: CallOutcome, timeout_s: float) -> CaseResult:
    """A raises check passes on ValueError; a value, another exception, a timeout or a crash fails it."""
    if outcome.status == "error" and "ValueError" in outcome.exception_types:
        return CaseResult(True)
    if outcome.status == "ok":
        return CaseResult(False, "returned a value instead of raising ValueError on invalid input")
    return _outcome_failure(graded, outcome, timeout_s, raised="raised an exception other than ValueError")


def _value_verdict(graded: GradedItem, call: Call, expected: Any, outcome: CallOutcome,
                   wrong_answers: Callable[[], list[tuple[str, Any]]]) -> CaseResult:
    """A returned value: a plain value, the inputs unchanged, and the check's judge satisfied."""
    if isinstance(outcome.result, dict) and "_bad" in outcome.result:
        return CaseResult(False, f"returned {outcome.result['_bad']}, expected torch.Tensor output")
    changed = mutated(list(call.args) + list(call.kwargs.values()), list(outcome.args_after) + list(outcome.kwargs_after.values()))
    if changed:
        names = graded.spec.arg_names
        args = ", ".join(f"`{names[i] if i < len(call.args) else list(call.kwargs)[i - len(call.args)]}`" for i in changed)
        return CaseResult(False, f"modified its input {args} in place; functions must not change their arguments "
                                 "(use out-of-place operations)", public=True)
    mismatch: Mismatch | None = graded.check.judge(outcome.result, expected, call, graded.comparison)
    if mismatch is None:
        return CaseResult(True)
    return CaseResult(False, mismatch.summary, detail=mismatch.detail, block=_shown(graded, outcome.result, expected),
                      public=mismatch.public, misconception=mistakes.explain(outcome.result, call, graded.comparison, wrong_answers))


def _judge_outcome(graded: GradedItem, call: Call, expected: Any, outcome: CallOutcome, timeout_s: float,
                   wrong_answers: Callable[[], list[tuple[str, Any]]]) -> CaseResult:
    """The verdict on one call; `timeout_s` is the limit it ran under (below the item's when the run's budget ran out).

    `wrong_answers` is called only when a value is wrong, to look for a known mistake that explains it.
    """
    if graded.check.raises:
        verdict = _raises_verdict(graded, outcome, timeout_s)
    else:
        verdict = _outcome_failure(graded, outcome, timeout_s) or _value_verdict(graded, call, expected, outcome, wrong_answers)
    verdict.call, verdict.expected, verdict.outcome = call, expected, outcome
    return verdict


def _shown(graded: GradedItem, got: Any, expected: Any) -> str:
    """A picture of a failing value where the output knows how to draw itself (visible detail only)."""
    out = graded.outputs[0]
    if len(graded.outputs) == 1 and out.show and isinstance(got, torch.Tensor) and got.shape == expected.shape:
        return out.show(got, expected)
    return ""


def run_item(graded: GradedItem, client: WorkerClient, deadline: float = math.inf,
             values: ReferenceValues = ReferenceValues()) -> ItemResult:
    """Grade one item; no call runs past `deadline` (time.monotonic()), the run's total time budget."""
    item, spec = graded.item, graded.spec
    cases: list[CaseResult] = []
    for index, (params, seed) in enumerate(graded.cases):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            cases.append(CaseResult(False, summary=OUT_OF_TIME, public=True))
            break
        call = build_call(graded, params, seed)
        expected = values.expected(graded, index, params, call)
        timeout = min(graded.timeout_s, remaining)
        outcome = client.call(spec.module, spec.function, call.args, call.kwargs, timeout, probe=graded.check.run.probe)
        wrong = functools.partial(values.wrong_answers, graded, index, call)
        cases.append(_judge_outcome(graded, call, expected, outcome, timeout, wrong))
        if cases[-1].module_level:
            break                       # every other case would fail the same way
    passed = sum(c.passed for c in cases)
    total = len(graded.cases)
    if graded.partial_credit == "fraction":
        score = item.points * passed / total
    else:
        score = item.points if passed == total else 0.0
    result = ItemResult(graded, round(min(max(score, 0.0), item.points), 6), cases)
    result.output = render(result)
    return result
