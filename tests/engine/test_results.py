"""results.json: every rubric item appears with its points, whatever happened to its test."""
import json

import jsonschema

from autograder.grading import rubric
from autograder.grading.engine import GradingRun
from autograder.grading.results import crashed, to_results
from conftest import SCHEMA


def test_items_whose_tests_errored_still_appear_with_their_points(tmp_path):
    r, items = rubric.load(rubric.find("cmu10417-f2023"))
    graded = GradingRun(r.assignment, r.title, items, results={}, errors={"gkl": "Traceback: boom"})
    results = to_results(graded)
    assert [t.max_score for t in results.tests[:-1]] == [i.item.points for i in items]
    assert sum(t.max_score for t in results.tests) == r.total and results.score == 0
    assert results.tests[-1].visibility == "hidden" and "boom" in results.tests[-1].output
    results.write(tmp_path / "results.json")
    jsonschema.validate(json.loads((tmp_path / "results.json").read_text()), SCHEMA)


def test_crash_results_are_valid_and_keep_the_traceback_hidden(tmp_path):
    results = crashed("Traceback: secret detail")
    results.write(tmp_path / "results.json")
    data = json.loads((tmp_path / "results.json").read_text())
    jsonschema.validate(data, SCHEMA)
    assert "secret detail" not in data["tests"][0]["output"] and data["tests"][1]["visibility"] == "hidden"


def test_outputs_are_cut_and_nul_free(tmp_path):
    results = crashed("x\x00" * 200_000)
    results.write(tmp_path / "results.json")
    data = json.loads((tmp_path / "results.json").read_text())
    assert len(data["tests"][1]["output"]) <= 100_000 and "\x00" not in data["tests"][1]["output"]
