"""A course folder outside the product (examples/gm101-s2027): its own functions in YAML, Python tests with
gradescope-utils decorators, a choice question; graded, built, checked locally, run as Gradescope does, audited."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, ROOT, SCHEMA, env_without_checkout, run_cli

COURSE = ROOT / "examples" / "gm101-s2027"
ASSIGNMENT = "gm101-hw4"
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the sandbox user, setup.sh)")
NOISE_AT_T1 = ("ddpm.py", "    return mean + torch.sqrt(beta) * z if t > 1 else mean\n", "    return mean + torch.sqrt(beta) * z\n")
NO_HALF = ("score.py", "    return 0.5 * residual", "    return residual")


def course_submission(dest: Path, base: str = "reference", change: tuple[str, str, str] | None = None,
                      answer: str = "b") -> Path:
    """The course's reference (or stubs) as a submission, with answers.yaml and optionally one edit (file, old, new)."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in (COURSE / base).glob("*.py"):
        shutil.copy(path, dest / path.name)
    (dest / "answers.yaml").write_text(f"q3: {answer}\n")
    if change is not None:
        name, old, new = change
        text = (dest / name).read_text()
        assert old in text, f"{old!r} is not in {name}"
        (dest / name).write_text(text.replace(old, new, 1))
    return dest


def grade_course(submission: Path, out: Path, course: Path = COURSE) -> dict:
    proc = run_cli("grade", "--course", str(course), str(submission), "--assignment", ASSIGNMENT, "--output", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(out.read_text())
    jsonschema.validate(results, SCHEMA)
    return results


def by_number(results: dict) -> dict[str, dict]:
    return {t["number"]: t for t in results["tests"]}


def lost(results: dict) -> set[str]:
    return {t["number"] for t in results["tests"] if t["score"] < t["max_score"]}


def test_the_reference_scores_full_marks_with_its_leaderboard_value(tmp_path):
    results = grade_course(course_submission(tmp_path / "sub"), tmp_path / "results.json")
    tests = by_number(results)
    assert results["score"] == 21 and sum(t["max_score"] for t in results["tests"]) == 21
    assert {"1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "2.4", "2.5", "3", "0"} == set(tests)
    assert all(t["status"] == "passed" for t in results["tests"])
    assert tests["2.4"]["visibility"] == "after_due_date" and tests["2.1"]["visibility"] == "visible"
    assert "python test" in tests["2.1"]["tags"]
    assert results["leaderboard"] == [{"name": "dsm_loss error (float64)", "value": 0.0, "order": "asc"}]


def test_the_stubs_score_zero(tmp_path):
    results = grade_course(course_submission(tmp_path / "sub", base="student_template", answer="null"), tmp_path / "r.json")
    assert results["score"] == 0
    assert "not implemented yet" in by_number(results)["1.1"]["output"]
    assert "not implemented yet" in by_number(results)["2.1"]["output"]


@pytest.mark.parametrize("change, lost_tests, where, says", [
    (NOISE_AT_T1, {"1.2", "1.4", "1.5"}, "1.2", "Algorithm 2 sets z = 0 there"),             # a declared mistake's hint
    (NO_HALF, {"2.1", "2.4"}, "2.1", "worst: got"),                                          # assert_close's got/expected
    (("answers.yaml", "q3: b", "q3: c"), {"3"}, None, None),
    (("ddpm.py", "    return mean + torch.sqrt(beta) * z if t > 1 else mean\n",          # the input-mutation check
      "    out = mean + torch.sqrt(beta) * z if t > 1 else mean\n    xt.zero_()\n    return out\n"),
     {"1.1", "1.2", "1.4", "1.5"}, "1.5", "`reverse_step` modified its input `xt` in place"),
])
def test_a_wrong_version_loses_exactly_its_items_with_its_hint(tmp_path, change, lost_tests, where, says):
    results = grade_course(course_submission(tmp_path / "sub", change=change), tmp_path / "results.json")
    assert lost(results) == lost_tests
    if where is not None:
        assert says in by_number(results)[where]["output"]


def test_partial_credit_and_the_leaderboard_come_from_the_decorators(tmp_path):
    """set_score gives a fraction of @partial_credit's weight; set_leaderboard_value lands in `leaderboard`."""
    wrong_at_large_sigma = ("score.py", "    residual = sigma * score + eps\n",
                            "    residual = sigma * score + eps if sigma < 5 else score\n")
    results = grade_course(course_submission(tmp_path / "sub", change=wrong_at_large_sigma), tmp_path / "results.json")
    assert by_number(results)["2.4"]["score"] == pytest.approx(4 * 3 / 5)
    half = grade_course(course_submission(tmp_path / "half", change=NO_HALF), tmp_path / "half.json")
    assert half["leaderboard"][0]["value"] > 0


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = run_cli("build", "--course", str(COURSE), ASSIGNMENT, "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_the_handouts_local_check_works_without_the_reference_or_the_tests(built, tmp_path):
    with zipfile.ZipFile(built / f"{ASSIGNMENT}-handout.zip") as z:
        names = set(z.namelist())
        z.extractall(tmp_path / "handout")
    folder = tmp_path / "handout"
    assert {"ddpm.py", "score.py", "answers.yaml", "check.py", "_autograder/course/specs/ddpm.yaml"} <= names
    assert not any("tests/" in n or n.endswith("test_hw4.py") for n in names)                 # Python tests stay on Gradescope
    assert "mistakes" not in (folder / "_autograder" / "course" / "specs" / "ddpm.yaml").read_text()
    assert (folder / "_autograder" / "course" / "reference" / "ddpm.py").read_text() == (COURSE / "student_template" / "ddpm.py").read_text()

    def check() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "check.py"], cwd=folder, capture_output=True, text=True, timeout=300,
                              env=env_without_checkout())

    stubs = check()
    assert stubs.returncode == 1 and "Traceback" not in stubs.stdout + stubs.stderr, stubs.stdout + stubs.stderr
    assert "16 more points are in tests that run on Gradescope only." in stubs.stdout
    course_submission(folder, change=NOISE_AT_T1)
    wrong = check()
    assert wrong.returncode == 1 and "Algorithm 2 sets z = 0 there" in wrong.stdout, wrong.stdout   # recorded mistake
    course_submission(folder)
    right = check()
    assert right.returncode == 0, right.stdout + right.stderr
    assert "Visible tests: 5.00 / 5.00 points." in right.stdout


@ROOT_ONLY
@pytest.mark.slow
def test_the_gradescope_zip_grades_the_course_and_locks_its_files(built, tmp_path):
    root = tmp_path / "autograder"
    with zipfile.ZipFile(built / f"{ASSIGNMENT}-autograder.zip") as z:
        z.extractall(root / "source")
    assert (root / "source" / "course" / "tests" / "test_hw4.py").is_file()
    assert not (root / "source" / "rubrics").exists()                         # the product's own rubrics stay out
    course_submission(root / "submission")
    (root / "results").mkdir()
    (root / "submission_metadata.json").write_text(json.dumps({"id": 1, "created_at": "2026-11-20T10:00:00Z", "users": []}))
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_VENV": sys.prefix}
    for script in ("setup.sh", "run_autograder"):
        proc = subprocess.run(["bash", str(root / "source" / script)], cwd=root, env=env, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "source" / "course" / "tests" / "test_hw4.py").stat().st_mode & 0o077 == 0
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 21 and results["leaderboard"][0]["name"] == "dsm_loss error (float64)"


@ROOT_ONLY
def test_audit_calibrates_and_mutation_tests_the_course_functions(tmp_path):
    proc = run_cli("audit", "--course", str(COURSE), ASSIGNMENT, "--quiet", "--json", str(tmp_path / "audit.json"), timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((tmp_path / "audit.json").read_text())[ASSIGNMENT]
    assert report["reference_score"] == 21 and report["stub_score"] == 0
    assert {m["mistake"] for m in report["mistakes"]} == {"noise_at_t1", "no_sqrt", "posterior_variance"}
    assert all(m["ok"] for m in report["mistakes"])
    functions = {s["function"] for survivors in report["survivors"].values() for s in survivors}
    assert report["mutants"] >= 40 and report["kill_rate"] >= 0.98, (report["kill_rate"], functions)


@ROOT_ONLY
def test_student_code_cannot_read_the_course_tests_or_reference(tmp_path):
    sub = course_submission(tmp_path / "sub")
    with open(sub / "score.py", "a") as f:
        f.write("\n\n" + (FIXTURES / "course" / "read_course.py").read_text() + "\n")
    results = grade_course(sub, tmp_path / "results.json")
    text = json.dumps(results)
    assert "LEAKED" not in text and "no course modules" in text
    assert {"2.1", "2.3", "2.4"} <= lost(results)
    assert results["extra_data"]["isolation"]["visible"]["uid_drop"] is True


@ROOT_ONLY
def test_batch_and_list_take_the_course_too(tmp_path):
    """Each submission of an export gets the score single grading gives (a test's set_score never carries over)."""
    kinds = {"1": {}, "2": {"base": "student_template", "answer": "null"}, "3": {"change": NOISE_AT_T1},
             "4": {"change": ("score.py", "    residual = sigma * score + eps\n",
                              "    residual = sigma * score + eps if sigma < 5 else score\n")}}
    export = tmp_path / "export"
    metadata = {}
    for sid, kind in kinds.items():
        course_submission(export / f"submission_{sid}", **kind)
        metadata[f"submission_{sid}"] = {":submitters": [{":name": f"S{sid}", ":sid": sid, ":email": f"{sid}@u.edu"}]}
    (export / "submission_metadata.yml").write_text(json.dumps(metadata))
    proc = run_cli("batch", "--course", str(COURSE), str(export), "-a", ASSIGNMENT, "-j", "1", "--out", str(tmp_path / "out"),
                   "--csv", str(tmp_path / "scores.csv"), "--quiet")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    scores = {sid: json.loads((tmp_path / "out" / f"submission_{sid}" / "results.json").read_text()) for sid in kinds}
    assert [scores[sid]["score"] for sid in kinds] == [21, 0, 17.25, pytest.approx(21 - 4 * 2 / 5)]
    assert by_number(scores["1"])["2.4"]["score"] == 4 and by_number(scores["4"])["2.4"]["score"] == pytest.approx(2.4)
    listing = run_cli("list", "--course", str(COURSE), "--json")
    assert listing.returncode == 0 and json.loads(listing.stdout)[0]["assignment"] == ASSIGNMENT
