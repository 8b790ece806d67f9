"""Run one rubric item against a submission: build each case, call the worker, judge, score.

The grader builds the inputs from the case's seed, computes the reference on its own
copy, sends the inputs to the worker, and judges what comes back.  A `values` check
passes a case when the output matches the reference within tolerance and the inputs are
unchanged; a `raises` check passes when the call raises ValueError.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import torch

from autograder import feedback
from autograder.compare import compare, mutated
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


@dataclass
class ItemResult:
    graded: GradedItem
    score: float
    cases: list[CaseResult] = field(default_factory=list)
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.score >= self.graded.item.points and all(c.passed for c in self.cases)


def _module_message(outcome: CallOutcome, qualname: str) -> str:
    module, function = qualname.split(".")
    return {
        "missing_module": f"`{module}.py` was not found in your submission; it must define `{function}`.",
        "missing_function": f"`{module}.py` does not define a function `{function}` (check the spelling and that it is at top level).",
        "syntax_error": f"`{module}.py` has a syntax error: {outcome.message}.",
        "import_error": f"importing `{module}.py` failed: {outcome.message}.",
        "not_implemented": f"`{qualname}` is not implemented yet (it raises NotImplementedError).",
    }[outcome.kind]


def _judge_outcome(graded: GradedItem, call: Call, expected: Any, outcome: CallOutcome) -> CaseResult:
    item, spec = graded.item, graded.spec
    result = CaseResult(False, call=call, expected=expected, outcome=outcome)
    if outcome.status == "timeout":
        result.summary = f"timed out (each call may take at most {graded.timeout_s:g} s)"
    elif outcome.status == "crashed":
        result.summary = "the process running your code died during the call (os._exit, a crash, or too much memory)"
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
            return result
        mismatch = compare(outcome.result, expected, graded.tolerance, spec.outputs, item.output)
        if mismatch is None:
            return CaseResult(True, call=call, expected=expected, outcome=outcome)
        result.summary, result.detail = mismatch.summary, mismatch.detail
        result.misconception = _misconception(graded, call, outcome.result)
    return result


def _misconception(graded: GradedItem, call: Call, got: Any) -> str | None:
    for known in MISCONCEPTIONS.get(graded.spec.qualname, ()):
        try:
            wrong = known.wrong(*copy.deepcopy(call.args), **copy.deepcopy(call.kwargs))
        except Exception:  # noqa: BLE001 - a wrong formula may be undefined on this case
            continue
        if compare(got, wrong, graded.tolerance, graded.spec.outputs, graded.item.output) is None:
            return known.hint
    return None


def run_item(graded: GradedItem, session: WorkerSession) -> ItemResult:
    item, spec = graded.item, graded.spec
    cases: list[CaseResult] = []
    for params, seed in graded.cases:
        gen = torch.Generator().manual_seed(seed)
        call = (spec.invalid[params.invalid] if item.check == "raises" else spec.build)(params, gen)
        expected = None if item.check == "raises" else spec.reference(*copy.deepcopy(call.args), **copy.deepcopy(call.kwargs))
        outcome = session.call(spec.module, spec.function, call.args, call.kwargs, graded.timeout_s)
        cases.append(_judge_outcome(graded, call, expected, outcome))
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
        mutations = [c.summary for c in cases if "in place" in c.summary]
        return "\n\n".join(lines + mutations[:1])
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
        hint = next(iter(hints)) if len(hints) == 1 else (graded.item.hint or graded.spec.hint)
        if hint:
            lines.append(f"**Hint:** {hint}")
        i, first = failures[0]
        code = feedback.snippet(graded.spec, first.call, first.expected, graded.tolerance, graded.item.check)
        if code:
            lines.append(f"**Reproduce case {i + 1}:**\n\n{code}")
    stdout = "".join(c.outcome.stdout for c in cases if c.outcome)
    if stdout.strip():
        lines.append("Your code printed:\n\n" + feedback.fence(stdout, 2000))
    return "\n\n".join(lines)
