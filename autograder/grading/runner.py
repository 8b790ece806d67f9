"""Run one rubric item against a submission: build each case, call the worker, judge, score.

The grader builds the inputs from the case's seed, computes the expected value on its own
copy (the item's check run on the reference), sends the inputs to the worker, and judges
what comes back with the check: a `raises` check passes when the call raises ValueError;
every other check passes when the inputs are unchanged, the result depends on no global
random generator, and its judge accepts the value (by default: it matches the expected
value within tolerance).  A failing value is compared with every known wrong answer
(`mistakes.py`); a match turns the generic hint into a targeted one.  The item's feedback
is written by `render.py`.
"""
from __future__ import annotations

import functools
import math
import time
from typing import Any, Callable

import torch

from autograder.grading import mistakes
from autograder.grading.compare import Mismatch, describe_bad
from autograder.grading.probes import ProbeError
from autograder.grading.render import render
from autograder.grading.rubric import GradedItem
from autograder.grading.sides import ReferenceSide, StudentFailed, StudentSide
from autograder.grading.verdicts import MODULE_LEVEL, CaseResult, ItemResult
from autograder.safe_text import fence
from autograder.sandbox import wire
from autograder.sandbox.client import CallOutcome, WorkerClient
from autograder.specs.base import Call
from autograder.specs.registry import registry

_GENERATORS = {"torch": "torch's global generator (torch.randn, torch.rand_like, ...)",
               "numpy": "numpy's global generator (np.random.*)", "random": "Python's `random` module"}
OUT_OF_TIME = "not run: grading stopped when its time budget ran out (the code before it was too slow)"


class ReferenceValues:
    """Where a case's expected value and known wrong answers come from: the reference, computed on the grader's copy.

    A student handout has no reference; it grades with `recording.RecordedValues` instead, which has the same two methods.
    """

    def expected(self, graded: GradedItem, index: int, params: Any, call: Call) -> Any:
        return expected_value(graded, params, call)

    def wrong_answers(self, graded: GradedItem, index: int, call: Call) -> list[tuple[str, Any]]:
        return mistakes.wrong_answers(graded.check, call)


def functions_used(items: list[GradedItem]) -> dict[str, set[str]]:
    """The student functions the items' checks call, by module (a probe may call functions besides its item's)."""
    used: dict[str, set[str]] = {}
    for g in items:
        for qualname in g.check.run.uses(build_call(g, *g.cases[0])):
            module, function = qualname.split(".")
            used.setdefault(module, set()).add(function)
    return used


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
    """A module-level problem in the grader's own words: what it knows from its facts, never text from the worker."""
    module, function = qualname.split(".")
    file = "`answers.yaml`" if module == "answers" else f"`{module}.py`"
    if module == "answers" and outcome.kind == "missing_function":
        return f"answers.yaml has no key {outcome.message}: add it to `answers.yaml`."
    return {
        "missing_module": f"{file} was not found in your submission" + ("." if module == "answers" else f"; it must define `{function}`."),
        "missing_function": f"{file} does not define a function `{function}` (check the spelling and that it is at top level).",
        "not_implemented": f"`{qualname}` is not implemented yet (it raises NotImplementedError).",
        "syntax_error": f"{file} is not valid YAML." if module == "answers" else f"{file} has a syntax error.",
        "import_error": f"reading {file} failed." if module == "answers" else f"importing {file} raised an exception.",
        "import_timeout": f"importing {file} did not finish within {outcome.message} s (code at module level runs on import: "
                          "move slow work into functions).",
        "import_crashed": f"the process importing {file} died (os._exit, a crash, or too much memory).",
        "import_protocol": f"importing {file} interfered with the grader's channel.",
        "import_disk": f"importing {file} wrote more than {outcome.message} MiB of files.",
        "import_unavailable": outcome.message,                   # the grader's own sentence (engine.py)
    }[outcome.kind]


def _outcome_failure(limit_s: float, outcome: CallOutcome, timeout_s: float, qualname: str,
                     raised: str = "raised an exception") -> CaseResult | None:
    """The verdict where the call (of `qualname`, allowed `limit_s` seconds, run under `timeout_s`) gave no value to
    judge: a timeout, a crash, a bad channel, a disk overrun, an error (None if it returned).  `raised` is the summary
    of an exception the check did not ask for.

    Summaries are the grader's own words; what the student's code wrote (an exception, a traceback) goes into
    the fenced `block`, which only a visible test shows.
    """
    if outcome.status == "timeout":
        return CaseResult(False, f"timed out (each call may take at most {limit_s:g} s)" if timeout_s >= limit_s
                          else "timed out when the grading time budget ran out", public=True)
    if outcome.status == "crashed":
        return CaseResult(False, "the process running your code died during the call (os._exit, a crash, or too much memory)",
                          public=True)
    if outcome.status == "protocol":
        return CaseResult(False, "your code interfered with the grader's channel; the result could not be read", public=True)
    if outcome.status == "disk":
        return CaseResult(False, f"your code wrote more than {outcome.message} MiB of files (in its folder and the temporary folders); "
                                 "the call was stopped and the files deleted", public=True)
    if outcome.status == "error" and outcome.kind in MODULE_LEVEL:
        text = outcome.traceback or (outcome.message if outcome.kind in wire.IMPORT_ERRORS else "")
        return CaseResult(False, _module_message(outcome, qualname),
                          block=fence(text, tail=True) if text else "")
    if outcome.status == "error":
        return CaseResult(False, raised, block=fence(outcome.traceback or outcome.message, tail=True))
    return None


def _raises_verdict(graded: GradedItem, outcome: CallOutcome, timeout_s: float, qualname: str) -> CaseResult:
    """A raises check passes on ValueError; a value, another exception, a timeout or a crash fails it."""
    if outcome.status == "error" and outcome.kind == "exception" and outcome.value_error:
        return CaseResult(True)
    if outcome.status == "ok":
        return CaseResult(False, "returned a value instead of raising ValueError on invalid input")
    return _outcome_failure(graded.timeout_s, outcome, timeout_s, qualname, raised="raised an exception other than ValueError")


def _value_verdict(graded: GradedItem, call: Call, expected: Any, got: Any,
                   wrong_answers: Callable[[], list[tuple[str, Any]]]) -> CaseResult:
    """A returned value, judged by the check (by default: compared with the expected value)."""
    mismatch: Mismatch | None = graded.check.judge(got, expected, call, graded.comparison)
    if mismatch is None:
        return CaseResult(True)
    return CaseResult(False, mismatch.summary, detail=mismatch.detail, block=_shown(graded, got, expected),
                      public=mismatch.public, misconception=mistakes.explain(got, call, graded.comparison, wrong_answers))


def describe_failure(failed: StudentFailed, timeout_s: float, named: bool = True) -> CaseResult:
    """What a call that gave no usable value comes to, in the grader's words (a rubric item's, or a course test's);
    `named`: say which function (not needed where it is the item's own)."""
    outcome, qualname = failed.outcome, failed.qualname
    who = f"`{qualname.split('.')[1]}` " if named else ""
    if failed.changed:
        args = ", ".join(f"`{name}`" for name in failed.changed)
        return CaseResult(False, f"{who}modified its input {args} in place; functions must not change their arguments "
                                 "(use out-of-place operations)", public=True)
    if outcome.status == "ok" and outcome.drew:
        names = " and ".join(_GENERATORS[name] for name in outcome.drew)
        return CaseResult(False, f"{who}returned a result that depends on random numbers drawn from {names}; functions "
                                 "draw no hidden randomness: the noise comes in as an argument (eps, z0, ...)", public=True)
    if outcome.status == "ok":
        return CaseResult(False, f"{who}returned {describe_bad(outcome.result)}, expected torch.Tensor output")
    return _outcome_failure(timeout_s, outcome, timeout_s, qualname)


def _student_run(graded: GradedItem, call: Call, client: WorkerClient,
                 timeout_s: float) -> tuple[CallOutcome, str, CaseResult | None]:
    """Run the item's check on the student's side (each function it calls is a call into the worker).

    (the outcome, the function it concerns, a verdict already reached): the outcome of the failing call, or an
    "ok" outcome with the check's value; a verdict for an input modified in place, a value that cannot be
    graded, or one a probe cannot use.
    """
    specs = registry()
    side = StudentSide(client, time.monotonic() + timeout_s, lambda q: specs[q].arg_names if q in specs else [])
    try:
        value = graded.check.run(side, call)
    except StudentFailed as failed:
        failed.outcome.stdout = side.stdout
        named = failed.qualname != graded.spec.qualname
        verdict = describe_failure(failed, timeout_s, named) if failed.changed or failed.outcome.status == "ok" else None
        return failed.outcome, failed.qualname, verdict
    except ProbeError as exc:
        return (CallOutcome("ok", stdout=side.stdout), graded.spec.qualname,
                CaseResult(False, "returned a value the check cannot use", detail=str(exc)))
    return CallOutcome("ok", result=value, stdout=side.stdout), graded.spec.qualname, None


def _judge_outcome(graded: GradedItem, call: Call, expected: Any, outcome: CallOutcome, timeout_s: float, qualname: str,
                   wrong_answers: Callable[[], list[tuple[str, Any]]]) -> CaseResult:
    """The verdict on one case's outcome (of a call of `qualname`); `timeout_s` is the limit it ran under (below the
    item's when the run's budget ran out).  `wrong_answers` is called only when a value is wrong, to look for a
    known mistake that explains it.
    """
    if graded.check.raises:
        return _raises_verdict(graded, outcome, timeout_s, qualname)
    return (_outcome_failure(graded.timeout_s, outcome, timeout_s, qualname)
            or _value_verdict(graded, call, expected, outcome.result, wrong_answers))


def _shown(graded: GradedItem, got: Any, expected: Any) -> str:
    """A picture of a failing value where the output knows how to draw itself (visible detail only)."""
    out = graded.outputs[0]
    if len(graded.outputs) == 1 and out.show and isinstance(got, torch.Tensor) and got.shape == expected.shape:
        return out.show(got, expected)
    return ""


def run_item(graded: GradedItem, client: WorkerClient, deadline: float = math.inf,
             values: ReferenceValues = ReferenceValues()) -> ItemResult:
    """Grade one item; no call runs past `deadline` (time.monotonic()), the run's total time budget."""
    item = graded.item
    cases: list[CaseResult] = []
    for index, (params, seed) in enumerate(graded.cases):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            cases.append(CaseResult(False, summary=OUT_OF_TIME, public=True))
            break
        call = build_call(graded, params, seed)
        expected = values.expected(graded, index, params, call)
        timeout = min(graded.timeout_s, remaining)
        outcome, qualname, verdict = _student_run(graded, call, client, timeout)
        if verdict is None:
            wrong = functools.partial(values.wrong_answers, graded, index, call)
            verdict = _judge_outcome(graded, call, expected, outcome, timeout, qualname, wrong)
        verdict.call, verdict.expected, verdict.outcome = call, expected, outcome
        cases.append(verdict)
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
