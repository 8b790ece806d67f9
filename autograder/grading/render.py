"""The feedback of one item on Gradescope, in markdown: what a visible test shows, and the little a hidden one may.

`hidden_view` is the redaction: the one function that decides what a hidden test shows.
`visible_view` assembles a visible test's feedback from its parts: the failing cases
(got vs expected, where), one hint, a snippet that reproduces the first failure, and what
the student's code printed.
"""
from __future__ import annotations

from autograder.grading import feedback
from autograder.grading.verdicts import CaseResult, ItemResult
from autograder.safe_text import fence
from autograder.specs.base import Direct

MAX_CASES_SHOWN = 3


def render(result: ItemResult) -> str:
    """The test's output: all of it in a visible test, the redacted view in any other."""
    view = visible_view(result) if result.graded.visibility == "visible" else hidden_view(result)
    return "\n\n".join(view)


def headline(result: ItemResult) -> str:
    total, passed = len(result.graded.cases), sum(c.passed for c in result.cases)
    return f"Passed {passed} of {total} case{'s' if total != 1 else ''}."


def _module_level(result: ItemResult) -> CaseResult | None:
    return next((c for c in result.cases if c.module_level), None)


WHEN_SHOWN = {
    "after_due_date": "a hidden test: Gradescope shows it after the due date; its inputs and values are never shown",
    "after_published": "a hidden test: Gradescope shows it once grades are published; its inputs and values are never shown",
    "hidden": "a hidden test: for instructors only; its inputs and values are never shown",
}


def hidden_view(result: ItemResult) -> list[str]:
    """All a hidden test shows: the pass count and the public summaries of its cases (they depend on the
    submission alone), or the one module-level problem.  Never a detail, a block, a hint, a snippet or output."""
    module = _module_level(result)
    if module is not None:
        return [module.summary]
    public = dict.fromkeys(c.summary for c in result.cases if c.public)
    return [f"{headline(result)} ({WHEN_SHOWN[result.graded.visibility]})", *list(public)[:MAX_CASES_SHOWN]]


def visible_view(result: ItemResult) -> list[str]:
    module = _module_level(result)
    if module is not None:
        return [module.summary, *([module.block] if module.block else [])]
    failures = [(i, c) for i, c in enumerate(result.cases) if not c.passed]
    return [headline(result), *_failures(result, failures), *_hint(result, failures), *_reproduce(result, failures),
            *_printed(result)]


def _failures(result: ItemResult, failures: list[tuple[int, CaseResult]]) -> list[str]:
    lines = []
    for i, case in failures[:MAX_CASES_SHOWN]:
        lines.append(f"**Case {i + 1}** ({feedback.describe_case(result.graded.cases[i][0])}): {case.detail or case.summary}")
        if case.block:
            lines.append(case.block)
    if len(failures) > MAX_CASES_SHOWN:
        lines.append(f"... and {len(failures) - MAX_CASES_SHOWN} more failing case(s).")
    return lines


def _hint(result: ItemResult, failures: list[tuple[int, CaseResult]]) -> list[str]:
    """One hint: the known mistake all failures share, else the item's or the check's; none for timeouts and crashes."""
    if not failures:
        return []
    graded = result.graded
    known = {c.misconception for _, c in failures if c.misconception}
    hint = next(iter(known)) if len(known) == 1 else (graded.item.hint or graded.check.hint)
    answered = any(c.outcome is not None and c.outcome.status in ("ok", "error") for _, c in failures)
    return [f"**Hint:** {hint}"] if hint and answered else []


def _reproduce(result: ItemResult, failures: list[tuple[int, CaseResult]]) -> list[str]:
    """A snippet that calls the function on the first failing case, where the check calls it directly."""
    if not failures:
        return []
    graded, (i, first) = result.graded, failures[0]
    if first.call is None or not isinstance(graded.check.run, Direct) or graded.check.expected:
        return []
    code = feedback.snippet(graded.spec, first.call, first.expected, graded.tolerance, graded.check.raises)
    return [f"**Reproduce case {i + 1}:**\n\n{code}"] if code else []


def _printed(result: ItemResult) -> list[str]:
    stdout = "".join(c.outcome.stdout for c in result.cases if c.outcome)
    return ["Your code printed:\n\n" + fence(stdout, 2000)] if stdout.strip() else []
