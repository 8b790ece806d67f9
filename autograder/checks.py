"""Run one rubric item against a submission: build each case, call the worker, judge, score.

The grader builds the inputs from the case's seed, computes the reference on its own
copy, sends the inputs to the worker, and judges what comes back.  A `values` check
passes a case when the output matches the reference within tolerance and the inputs are
unchanged; a `raises` check passes when the call raises ValueError; a named check
(`functions.Check`) runs a probe in the worker and/or judges a property of the output.
A failing output is compared with every known wrong answer (`reference/misconceptions.py`);
a match turns the generic hint into a targeted one.
"""
from __future__ import annotations

import copy
import functools
import importlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

from autograder import feedback
from autograder.compare import Mismatch, compare, mutated
from autograder.functions import Call
from autograder.rubric import GradedItem
from autograder.session import CallOutcome, WorkerSession
from reference.misconceptions import MISCONCEPTIONS

MODULE_LEVEL = ("missing_module", "missing_function", "syntax_error", "import_error", "not_implemented")


@dataclass
class CaseResult:
    passed: bool
    summary: str = ""          # safe in hidden tests (no inputs, no values)
    detail: str = ""           # visible tests only
    call: Call | None = None
    expected: Any = None
    outcome: CallOutcome | None = None
    misconception: str | None = None
    public: bool = False       # the summary depends on the submission alone: shown in hidden tests too


@dataclass
class ItemResult:
    graded: GradedItem
    score: float
    cases: list[CaseResult] = field(default_factory=list)
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.score >= self.graded.item.points and all(c.passed for c in self.cases)


class ReferenceSide:
    """The grader's `side` for probes: reference functions, some possibly replaced by known wrong answers."""

    def __init__(self, override: dict[str, Callable[..., Any]] | None = None):
        self.override, self.used = override or {}, []

    def function(self, qualname: str) -> Callable[..., Any]:
        self.used.append(qualname)
        if qualname in self.override:
            return self.override[qualname]
        module, name = qualname.split(".")
        return getattr(importlib.import_module(f"reference.{module}"), name)

    def answer(self, key: str) -> Any:
        raise LookupError("answers have no reference implementation; the rubric holds the key")


def _copies(call: Call) -> tuple[list, dict]:
    return copy.deepcopy(list(call.args)), copy.deepcopy(call.kwargs)


def expected_value(graded: GradedItem, params: Any, call: Call) -> Any:
    """What a correct submission returns on this case (None for raises checks)."""
    named = graded.named_check
    if graded.item.check == "raises":
        return None
    if named and named.expected:
        return named.expected(params, call)
    args, kwargs = _copies(call)
    if named and named.probe:
        return named.probe(ReferenceSide(), *args, **kwargs)
    return graded.spec.reference(*args, **kwargs)


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


def _judge_outcome(graded: GradedItem, call: Call, expected: Any, outcome: CallOutcome, timeout_s: float,
                   wrong_answers: Callable[[], list[tuple[str, Any]]]) -> CaseResult:
    """The verdict on one call; `timeout_s` is the limit it ran under (below the item's when the run's budget ran out).

    `wrong_answers` is called only when a value is wrong, to look for a known mistake that explains it.
    """
    item, spec = graded.item, graded.spec
    result = CaseResult(False, call=call, expected=expected, outcome=outcome)
    if outcome.status == "timeout":
        result.summary = (f"timed out (each call may take at most {graded.timeout_s:g} s)" if timeout_s >= graded.timeout_s
                          else "timed out when the grading time budget ran out")
        result.public = True
    elif outcome.status == "crashed":
        result.summary = "the process running your code died during the call (os._exit, a crash, or too much memory)"
        result.public = True
    elif outcome.status == "protocol":
        result.summary = "your code interfered with the grader's channel; the result could not be read"
    elif outcome.status == "error" and outcome.kind in MODULE_LEVEL:
        result.summary = _module_message(outcome, spec.qualname)
        result.detail = feedback.fence(outcome.traceback) if outcome.traceback and outcome.kind == "import_error" else ""
    elif outcome.status == "error":
        is_value_error = "ValueError" in outcome.exception_types
        if item.check == "raises" and is_value_error:
            return CaseResult(True, call=call, outcome=outcome)
        result.summary = "raised an exception" + (" other than ValueError" if item.check == "raises" else "")
        result.detail = f"raised {outcome.message}\n\n" + feedback.fence(outcome.traceback)
    elif item.check == "raises":
        result.summary = "returned a value instead of raising ValueError on invalid input"
    elif isinstance(outcome.result, dict) and "_bad" in outcome.result:
        result.summary = f"returned {outcome.result['_bad']}, expected torch.Tensor output"
    else:
        changed = mutated(list(call.args) + list(call.kwargs.values()), list(outcome.args_after) + list(outcome.kwargs_after.values()))
        names = spec.arg_names
        if changed:
            args = ", ".join(f"`{names[i] if i < len(call.args) else list(call.kwargs)[i - len(call.args)]}`" for i in changed)
            result.summary = f"modified its input {args} in place; functions must not change their arguments (use out-of-place operations)"
            result.public = True
            return result
        mismatch = _verdict(graded, outcome.result, expected, call)
        if mismatch is None:
            return CaseResult(True, call=call, expected=expected, outcome=outcome)
        result.summary, result.detail = mismatch.summary, mismatch.detail + _shown(graded, outcome.result, expected)
        result.public = mismatch.public
        result.misconception = _misconception(graded, outcome.result, wrong_answers)
    return result


def _verdict(graded: GradedItem, got: Any, expected: Any, call: Call) -> Mismatch | None:
    named = graded.named_check
    if named and named.judge:
        return named.judge(got, expected, call, graded.tolerance)
    return compare(got, expected, graded.tolerance, graded.outputs, graded.item.output)


def _shown(graded: GradedItem, got: Any, expected: Any) -> str:
    """A picture of a failing value where the output knows how to draw itself (visible detail only)."""
    out = graded.outputs[0]
    if len(graded.outputs) == 1 and out.show and isinstance(got, torch.Tensor) and got.shape == expected.shape:
        return "\n\n" + out.show(got, expected)
    return ""


class ReferenceValues:
    """Where a case's expected value and known wrong answers come from: the reference, computed on the grader's copy.

    A student handout has no reference; it grades with `recording.RecordedValues` instead, which has the same two methods.
    """

    def expected(self, graded: GradedItem, index: int, params: Any, call: Call) -> Any:
        return expected_value(graded, params, call)

    def wrong_answers(self, graded: GradedItem, index: int, call: Call) -> list[tuple[str, Any]]:
        return _wrong_answers(graded, call)


def build_call(graded: GradedItem, params: Any, seed: int) -> Call:
    """The inputs of one case, drawn from its seed."""
    named, spec = graded.named_check, graded.spec
    build = spec.invalid[params.invalid] if graded.item.check == "raises" else (named.build if named else spec.build)
    return build(params, torch.Generator().manual_seed(seed))


def functions_used(graded: GradedItem, call: Call) -> list[str]:
    """The functions ("module.function") a probe check calls on this case, in first-call order (run on the reference)."""
    side, (args, kwargs) = ReferenceSide(), _copies(call)
    graded.named_check.probe(side, *args, **kwargs)
    return list(dict.fromkeys(side.used))


def _wrong_answers(graded: GradedItem, call: Call) -> list[tuple[str, Any]]:
    """(hint, value) for every known mistake that applies to this case: of the function, or of any function a probe calls."""
    named = graded.named_check
    out = []
    if named and named.probe:
        candidates = [(q, known) for q in functions_used(graded, call) for known in MISCONCEPTIONS.get(q, ())]
    else:
        candidates = [(graded.spec.qualname, known) for known in MISCONCEPTIONS.get(graded.spec.qualname, ())]
    for qualname, known in candidates:
        args, kwargs = _copies(call)
        try:
            if named and named.probe:
                wrong = named.probe(ReferenceSide({qualname: known.wrong}), *args, **kwargs)
            else:
                wrong = known.wrong(*args, **kwargs)
        except Exception:  # noqa: BLE001 - a wrong formula may be undefined on this case
            continue
        out.append((known.hint, wrong))
    return out


def _misconception(graded: GradedItem, got: Any, wrong_answers: Callable[[], list[tuple[str, Any]]]) -> str | None:
    if graded.named_check and graded.named_check.expected:
        return None                                       # answers: no formula to be wrong about
    for hint, wrong in wrong_answers():
        if compare(got, wrong, graded.tolerance, graded.outputs, graded.item.output) is None:
            return hint
    return None


OUT_OF_TIME = "not run: grading stopped when its time budget ran out (the code before it was too slow)"


def run_item(graded: GradedItem, session: WorkerSession, deadline: float = math.inf,
             values: ReferenceValues = ReferenceValues()) -> ItemResult:
    """Grade one item; no call runs past `deadline` (time.monotonic()), the run's total time budget."""
    item, spec = graded.item, graded.spec
    cases: list[CaseResult] = []
    named = graded.named_check
    probe = named.probe.__name__ if named and named.probe else None
    for index, (params, seed) in enumerate(graded.cases):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            cases.append(CaseResult(False, summary=OUT_OF_TIME, public=True))
            break
        call = build_call(graded, params, seed)
        expected = values.expected(graded, index, params, call)
        timeout = min(graded.timeout_s, remaining)
        outcome = session.call(spec.module, spec.function, call.args, call.kwargs, timeout, probe=probe)
        wrong = functools.partial(values.wrong_answers, graded, index, call)
        cases.append(_judge_outcome(graded, call, expected, outcome, timeout, wrong))
        if outcome.status == "error" and outcome.kind in MODULE_LEVEL:
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


def render(result: ItemResult) -> str:
    """The test's markdown output on Gradescope."""
    graded, cases = result.graded, result.cases
    total, passed = len(graded.cases), sum(c.passed for c in result.cases)
    visible = graded.visibility == "visible"
    lines = [f"Passed {passed} of {total} case{'s' if total != 1 else ''}."]
    module_level = next((c for c in cases if c.outcome and c.outcome.status == "error" and c.outcome.kind in MODULE_LEVEL), None)
    if module_level is not None:
        lines = [module_level.summary]
        if visible and module_level.detail:
            lines.append(module_level.detail)
        return "\n\n".join(lines)
    if not visible:
        lines[0] += " (hidden test: its inputs and values are not shown)"
        public = [c.summary for c in cases if c.public]
        return "\n\n".join(lines + list(dict.fromkeys(public))[:3])
    failures = [(i, c) for i, c in enumerate(cases) if not c.passed]
    for i, case in failures[:3]:
        params = graded.cases[i][0]
        detail = case.detail if case.detail and not case.detail.startswith("raised") else ""
        lines.append(f"**Case {i + 1}** ({feedback.describe_case(params)}): {detail or case.summary}")
        if case.detail and not detail:
            lines.append(case.detail)
    if len(failures) > 3:
        lines.append(f"... and {len(failures) - 3} more failing case(s).")
    if failures:
        hints = {c.misconception for _, c in failures if c.misconception}
        named = graded.named_check
        hint = next(iter(hints)) if len(hints) == 1 else (graded.item.hint or (named.hint if named else "") or graded.spec.hint)
        answered = any(c.outcome is not None and c.outcome.status in ("ok", "error") for _, c in failures)
        if hint and answered:                      # a formula hint says nothing about a timeout or a crash
            lines.append(f"**Hint:** {hint}")
        i, first = failures[0]
        direct = first.call is not None and (named is None or not (named.probe or named.expected))   # a call to rerun
        code = feedback.snippet(graded.spec, first.call, first.expected, graded.tolerance, graded.item.check) if direct else ""
        if code:
            lines.append(f"**Reproduce case {i + 1}:**\n\n{code}")
    stdout = "".join(c.outcome.stdout for c in cases if c.outcome)
    if stdout.strip():
        lines.append("Your code printed:\n\n" + feedback.fence(stdout, 2000))
    return "\n\n".join(lines)
