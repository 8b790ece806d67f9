"""Gradings side by side on one machine (a TA's check during a batch regrade): none disturbs another."""
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, hostile, make_submission, run_cli, sandbox_processes

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sandbox accounts exist for root only")
ROUNDS = 3


def test_three_correct_gradings_beside_one_that_leaves_processes_behind_all_get_full_marks(tmp_path):
    """Each run leases its own account, so the hostile run's clean-up (kill every process of its uid) and
    its daemon never reach the others' workers; nothing of any account outlives the runs."""
    correct = make_submission(tmp_path / "correct")
    daemon = make_submission(tmp_path / "daemon", append={"vae.py": hostile("daemon")})
    for round_ in range(ROUNDS):
        runs = {name: (sub, tmp_path / f"{name}-{round_}.json")
                for name, sub in (("a", correct), ("b", correct), ("daemon", daemon), ("c", correct))}
        procs = {name: subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(sub), "-a", "cmu10417-f2023",
                                         "-o", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for name, (sub, out) in runs.items()}
        for name, proc in procs.items():
            _, stderr = proc.communicate(timeout=300)
            assert proc.returncode == 0, stderr
        results = {name: json.loads(out.read_text()) for name, (_, out) in runs.items()}
        for name in ("a", "b", "c"):
            lost = [(t["name"], t["score"], t["max_score"]) for t in results[name]["tests"] if t["score"] != t["max_score"]]
            assert lost == [] and results[name]["score"] == 24, (round_, name, lost)
        assert sandbox_processes() == [], "a sandbox process outlived its grading"


def test_grade_and_check_take_the_account_to_use(tmp_path):
    sub = make_submission(tmp_path / "sub")
    proc = run_cli("grade", str(sub), "-a", "cmu10417-f2023", "-o", str(tmp_path / "r.json"), "--sandbox-user", "gm-sandbox-3")
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {tmp_path / 'r.json'} (student code ran as gm-sandbox-3)" in proc.stdout
    isolation = json.loads((tmp_path / "r.json").read_text())["extra_data"]["isolation"]
    assert all(worker["uid_drop"] for phase, worker in isolation.items() if phase != "grader")
    proc = run_cli("check", str(sub), "-a", "cmu10417-f2023", "--sandbox-user", "gm-sandbox-3")
    assert proc.returncode == 0, proc.stdout + proc.stderr
