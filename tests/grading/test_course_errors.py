"""Bad course input: every mistake in a course's own files is one line naming the file and the line, never a
traceback, from `validate` and `grade`; on Gradescope a valid results.json says what broke, for instructors only."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import SCHEMA, run_cli
from test_course import ASSIGNMENT, COURSE, course_submission

INSTRUCTORS = "Problems in the course's files (instructors only)"


def broken(tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, int]:
    """A copy of the example course with one edit; the line (1-based) the edit starts on."""
    course = shutil.copytree(COURSE, tmp_path / "course")
    text = (course / file).read_text()
    assert old in text, f"{old!r} is not in {file}"
    (course / file).write_text(text.replace(old, new, 1))
    return course, text[: text.index(old)].count("\n") + 1


def line_of(course: Path, file: str, needle: str) -> int:
    text = (course / file).read_text()
    return text[: text.index(needle)].count("\n") + 1


CASES = {
    "reference lacks a declared function": (
        "reference/ddpm.py", "def reverse_step(", "def reverse_step_v2(",
        "specs/ddpm.yaml", "  - name: reverse_step", "reference/ddpm.py defines no function reverse_step"),
    "constraints no size can meet": (
        "specs/ddpm.yaml", 'constraints: ["T >= 1"]', 'constraints: ["T >= 20"]',
        "specs/ddpm.yaml", "constraints:", "do not meet 'T >= 20'"),
    "an empty integer range": (
        "specs/ddpm.yaml", "t: {int: [1, T]}", "t: {int: [T, 1]}",
        "specs/ddpm.yaml", "t: {int:", "the integer range [10, 1] is empty"),
    "an unknown key in a spec": (
        "specs/ddpm.yaml", "    outputs: [x_prev]", "    output: [x_prev]",
        "specs/ddpm.yaml", "    output:", "unknown key 'output'; did you mean 'outputs'?"),
    "a syntax error in the reference": (
        "reference/ddpm.py", "    beta = betas[t - 1]\n", "    beta = betas[t - 1\n",
        "reference/ddpm.py", "    beta = betas[t - 1\n", "syntax error"),
}
TEST_CASES = {
    "a syntax error in a test": (
        "def test_dsm_loss_vanishes_at_the_true_score():", "def test_dsm_loss_vanishes_at_the_true_score(:",
        "def test_dsm_loss_vanishes", "syntax error"),
    "an unknown visibility": (
        '@visibility("after_due_date")\ndef test_dsm_loss_across', '@visibility("after_due")\ndef test_dsm_loss_across',
        '@partial_credit(4)', "@visibility('after_due'): one of visible, hidden, after_due_date, after_published"),
    "a weight that is not a number": (
        "@weight(3)\n", '@weight("three")\n', '@weight("three")', "@weight('three'): points are a number >= 0"),
    "a leaderboard order that is neither asc nor desc": (
        '@leaderboard("dsm_loss error (float64)", "asc")', '@leaderboard("dsm_loss error (float64)", "lowest")',
        "@leaderboard", "sort_order='lowest'): asc or desc"),
    "an import that fails": (
        "import torch\n", "import torch\nimport no_such_package_here\n", "import no_such_package_here",
        "importing it raised ModuleNotFoundError"),
}


def assert_one_line_error(output: str, path: Path, line: int, says: str) -> None:
    assert "Traceback" not in output, output
    assert f"{path}:{line}:" in output and says in output, output


@pytest.mark.parametrize("name", CASES)
def test_validate_and_grade_name_the_file_and_line_of_a_bad_spec_or_reference(tmp_path, name):
    file, old, new, reported_file, needle, says = CASES[name]
    course, _ = broken(tmp_path, file, old, new)
    path, line = course / reported_file, line_of(course, reported_file, needle)
    proc = run_cli("validate", "--course", str(course))
    assert proc.returncode == 1
    assert_one_line_error(proc.stderr, path, line, says)
    graded = run_cli("grade", "--course", str(course), str(course_submission(tmp_path / "sub")), "--assignment", ASSIGNMENT,
                     "--output", str(tmp_path / "r.json"))
    assert graded.returncode == 2 and not (tmp_path / "r.json").exists()
    assert_one_line_error(graded.stderr, path, line, says)


@pytest.mark.parametrize("name", TEST_CASES)
def test_validate_names_the_file_and_line_of_a_bad_python_test(tmp_path, name):
    old, new, where_text, says = TEST_CASES[name]
    course, _ = broken(tmp_path, "tests/test_hw4.py", old, new)
    proc = run_cli("validate", "--course", str(course))
    assert proc.returncode == 1
    assert_one_line_error(proc.stderr, course / "tests" / "test_hw4.py", line_of(course, "tests/test_hw4.py", where_text), says)


def test_a_test_that_raises_costs_the_student_nothing_else_and_tells_instructors_where(tmp_path):
    course, _ = broken(tmp_path, "tests/test_hw4.py", "    _, eps = _batch(2)\n", "    _, eps = _batch(2)\n    {}['oops']\n")
    results_path = tmp_path / "r.json"
    proc = run_cli("grade", "--course", str(course), str(course_submission(tmp_path / "sub")), "--assignment", ASSIGNMENT,
                   "--output", str(results_path))
    assert proc.returncode == 0, proc.stderr
    results = json.loads(results_path.read_text())
    jsonschema.validate(results, SCHEMA)
    tests = {t["number"]: t for t in results["tests"]}
    assert tests["2.2"]["score"] == 0 and "an error in the course's own test, not in your code" in tests["2.2"]["output"]
    assert "oops" not in tests["2.2"]["output"]
    assert results["score"] == 20                                   # everything else graded
    staff = next(t for t in results["tests"] if t["name"] == INSTRUCTORS)
    line = line_of(course, "tests/test_hw4.py", "    {}['oops']")
    assert staff["visibility"] == "hidden" and "Traceback" not in staff["output"]
    assert f"{course / 'tests' / 'test_hw4.py'}:{line}: test_dsm_loss_vanishes_at_the_true_score: raised KeyError" in staff["output"]
    assert "Problems in the course's files:" in proc.stdout


def gradescope(tmp_path: Path, course: Path) -> dict:
    """`python -m autograder gradescope` on a root laid out as a course's zip unpacks (the course under source/)."""
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    shutil.copytree(course, root / "source" / "course")
    (root / "source" / "ASSIGNMENT").write_text(f"{ASSIGNMENT}\n")
    course_submission(root / "submission")
    proc = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--root", str(root)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    assert "Traceback" not in json.dumps(results), proc.stdout
    return results


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the sandbox user)")
def test_on_gradescope_a_bad_spec_still_gives_a_valid_results_json_saying_what_broke(tmp_path):
    course, _ = broken(tmp_path, "reference/ddpm.py", "def reverse_step(", "def reverse_step_v2(")
    results = gradescope(tmp_path, course)
    staff = next(t for t in results["tests"] if t["name"] == INSTRUCTORS)
    assert staff["visibility"] == "hidden" and "reference/ddpm.py defines no function reverse_step" in staff["output"]
    assert results["tests"][0]["name"] == "Autograder failed, contact course staff"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the sandbox user)")
def test_on_gradescope_a_bad_test_file_leaves_the_rest_graded(tmp_path):
    course, _ = broken(tmp_path, "tests/test_hw4.py", "@weight(3)\n", '@weight("three")\n')
    results = gradescope(tmp_path, course)
    staff = next(t for t in results["tests"] if t["name"] == INSTRUCTORS)
    assert "@weight('three'): points are a number >= 0" in staff["output"] and staff["visibility"] == "hidden"
    assert results["score"] == 18                                   # 21 without the test it could not load
