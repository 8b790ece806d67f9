"""Rendering an item's feedback: what a hidden test shows is decided by one function, and it shows nothing secret."""
import pytest

from autograder.grading.render import hidden_view, render, visible_view
from autograder.grading.rubric import load
from autograder.grading.verdicts import CaseResult, ItemResult
from autograder.sandbox.client import CallOutcome
from autograder.specs.base import Call
from conftest import FIXTURES

SECRET = "0.123456789"


def item(visibility: str, cases: list[CaseResult]) -> ItemResult:
    _, items = load(FIXTURES / "small-rubric.yaml")
    graded = items[0].model_copy(update={"visibility": visibility, "cases": items[0].cases[:1] * len(cases)})
    return ItemResult(graded, 0.0, cases)


def wrong_value(public: bool = False) -> CaseResult:
    return CaseResult(False, "wrong values", detail=f"got {SECRET}", block=f"grid {SECRET}", call=Call((SECRET,)),
                      expected=SECRET, outcome=CallOutcome("ok", stdout=f"printed {SECRET}"), misconception=f"hint {SECRET}",
                      public=public)


def test_a_hidden_test_shows_the_count_and_public_summaries_only():
    timed_out = CaseResult(False, "timed out (each call may take at most 3 s)", outcome=CallOutcome("timeout"), public=True)
    view = hidden_view(item("hidden", [wrong_value(), timed_out, CaseResult(True)]))
    assert view == ["Passed 1 of 3 cases. (a hidden test: for instructors only; its inputs and values are never shown)",
                    "timed out (each call may take at most 3 s)"]


@pytest.mark.parametrize("visibility", ["hidden", "after_due_date", "after_published"])
def test_nothing_but_the_redacted_view_reaches_a_test_that_is_not_visible(visibility):
    output = render(item(visibility, [wrong_value(), wrong_value()]))
    assert SECRET not in output and "wrong values" not in output and "Hint" not in output


def test_a_hidden_module_level_problem_is_its_summary_alone():
    missing = CaseResult(False, "`vae.py` was not found", block=f"trace {SECRET}",
                         outcome=CallOutcome("error", kind="missing_module"))
    assert hidden_view(item("hidden", [missing])) == ["`vae.py` was not found"]
    assert visible_view(item("visible", [missing])) == ["`vae.py` was not found", f"trace {SECRET}"]


def test_a_visible_test_shows_detail_block_hint_and_printed_output():
    output = render(item("visible", [wrong_value()]))
    assert f"**Case 1** (batch=[3], k=2): got {SECRET}\n\ngrid {SECRET}" in output
    assert f"**Hint:** hint {SECRET}" in output and f"printed {SECRET}" in output


@pytest.mark.parametrize("visibility, when", [("after_due_date", "after the due date"), ("after_published", "once grades are published")])
def test_a_hidden_test_says_when_students_see_it(visibility, when):
    assert when in hidden_view(item(visibility, [wrong_value()]))[0]
