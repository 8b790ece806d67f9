"""setup.sh then run_autograder in a scratch root laid out like /autograder, as Gradescope runs them."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, SCHEMA, hostile, make_submission, sandbox_processes

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.geteuid() != 0, reason="setup.sh needs root")]
SHIPPED = ["autograder", "reference", "rubrics", "requirements.txt", "pyproject.toml", "README.md", "setup.sh", "run_autograder"]


def lay_out(root: Path, submission: Path) -> dict:
    (root / "source").mkdir(parents=True)
    for name in SHIPPED:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, root / "source" / name)
    (root / "source" / "ASSIGNMENT").write_text("cmu10417-f2023\n")
    shutil.copytree(submission, root / "submission")
    (root / "results").mkdir()
    (root / "submission_metadata.json").write_text(json.dumps({"id": 1, "created_at": "2026-11-20T10:00:00Z", "users": []}))
    shutil.copy(ROOT / "run_autograder", root / "run_autograder")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_VENV": sys.prefix}
    proc = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return env


def run(root: Path, env: dict) -> dict:
    proc = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    return results


def test_setup_then_run_autograder_grades_the_example_and_locks_the_source(tmp_path):
    root = tmp_path / "autograder"
    env = lay_out(root, ROOT / "examples" / "cmu10417-f2023" / "submission")
    assert (root / "source").stat().st_mode & 0o077 == 0                     # reference and rubrics: root only
    assert (root / "source" / "reference" / "vae.py").stat().st_mode & 0o077 == 0
    results = run(root, env)
    assert results["score"] == 15.5 and len(results["tests"]) == 24
    assert sum(t["max_score"] for t in results["tests"]) == 24
    assert results["extra_data"]["isolation"]["hidden"]["uid_drop"] is True
    again = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr                               # safe to run twice


def test_a_submission_attacking_results_and_run_autograder_gets_its_honest_score(tmp_path):
    root = tmp_path / "autograder"
    payload = (hostile("results_at_import") + hostile("results_runner_append")).replace('"/autograder/', f'"{root}/')
    sub = make_submission(tmp_path / "sub", base="template", append={"vae.py": payload})
    env = lay_out(root, sub)
    before = (root / "run_autograder").read_text()
    results = run(root, env)
    assert results["score"] == 0 and "pwned" not in json.dumps(results)
    assert (root / "run_autograder").read_text() == before
    assert not sandbox_processes()


def test_a_crash_of_the_grader_still_writes_a_visible_staff_message(tmp_path):
    root = tmp_path / "autograder"
    env = lay_out(root, ROOT / "examples" / "cmu10417-f2023" / "submission")
    (root / "source" / "ASSIGNMENT").write_text("no-such-assignment\n")
    results = run_failing(root, env)
    assert results["score"] == 0
    assert results["tests"][0]["name"] == "Autograder failed, contact course staff"
    assert results["tests"][1]["visibility"] == "hidden" and "no rubric" in results["tests"][1]["output"]


def run_failing(root: Path, env: dict) -> dict:
    subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    return results
