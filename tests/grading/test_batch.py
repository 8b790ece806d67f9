"""`batch`: a Gradescope export regraded with the same scores as single grading, a CSV, resumable, jobs isolated."""
import csv
import json
import os
import pwd
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, hostile, make_submission, run_cli, sandbox_processes

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="privilege separation needs root")
RUBRIC = FIXTURES / "small-rubric.yaml"
REMEMBER_GKL = """
_right_gkl = gkl
def gkl(mu, sigma):
    for path in ("seen.txt", "/tmp/gm-seen.txt", "/dev/shm/gm-seen.txt", "/var/tmp/gm-seen.txt"):
        try:
            with open(path, "a") as f:
                f.write("VISIBLE-CALL " + repr(mu.tolist()) + "\\n")
            print(open(path).read())
        except OSError:
            pass
    return _right_gkl(mu, sigma)
"""
KINDS = {                                   # submission id -> (base, {file: appended code})
    "1001": ("reference", {}),
    "1002": ("template", {}),
    "1003": ("reference", {"vae.py": hostile("mutate_inputs")}),
    "1004": ("reference", {"vae.py": hostile("segfault")}),
    "1005": ("reference", {"vae.py": REMEMBER_GKL}),
    "1006": ("reference", {"diffusion.py": hostile("remember_inputs")}),
}


def make_export(dest: Path, kinds: dict = KINDS) -> Path:
    """An "Export Submissions" folder with Ruby-style symbol keys in its metadata, as Gradescope writes it."""
    metadata = {}
    for sid, (base, append) in kinds.items():
        make_submission(dest / f"submission_{sid}", base=base, append=append)
        metadata[f"submission_{sid}"] = {":submitters": [{":name": f"Student {sid}", ":sid": f"s{sid}", ":email": f"{sid}@u.edu"}],
                                         ":created_at": "2026-11-20 10:00:00 +0000", ":score": 0.0, ":status": "processed"}
    (dest / "submission_metadata.yml").write_text(json.dumps(metadata))   # JSON is YAML
    return dest


def batch(export: Path, out: Path, scores: Path, jobs: int = 2, **kw) -> subprocess.CompletedProcess:
    return run_cli("batch", str(export), "-a", "cmu10417-f2023", "--rubric", str(RUBRIC), "-j", str(jobs),
                   "--csv", str(scores), "--out", str(out), **kw)


def test_batch_gives_every_submission_the_score_single_grading_gives_and_a_csv(tmp_path):
    export = make_export(tmp_path / "assignment_1_export")
    out, scores = tmp_path / "out", tmp_path / "scores.csv"
    proc = batch(export, out, scores)
    assert proc.returncode == 0, proc.stderr
    assert "6 submissions (0 already graded, skipped)" in proc.stdout
    rows = list(csv.DictReader(scores.open()))
    assert [r["submission_id"] for r in rows] == list(KINDS)
    assert rows[0]["name"] == "Student 1001" and rows[0]["sid"] == "s1001" and rows[0]["email"] == "1001@u.edu"
    for sid in ("1001", "1002", "1003", "1004", "1006"):
        single = json.loads(grade_single(export / f"submission_{sid}", tmp_path / f"{sid}.json"))
        batched = json.loads((out / f"submission_{sid}" / "results.json").read_text())
        assert [t["score"] for t in batched["tests"]] == [t["score"] for t in single["tests"]], sid
        assert [t["output"] for t in batched["tests"]] == [t["output"] for t in single["tests"]], sid
        assert rows[list(KINDS).index(sid)]["score"] == f"{single['score']:g}"
    assert [r["score"] for r in rows] == ["7", "0", "6", "6", "7", "7"]
    assert sandbox_processes(("gm-sandbox", "gm-sandbox-1")) == []


def grade_single(sub: Path, out: Path) -> str:
    proc = run_cli("grade", str(sub), "-a", "cmu10417-f2023", "--rubric", str(RUBRIC), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return out.read_text()


def test_no_submission_sees_another_s_files_or_inputs(tmp_path):
    """1005 and 1006 both record inputs in files (scratch, /tmp, /dev/shm) and print what they find."""
    export = make_export(tmp_path / "export")
    out = tmp_path / "out"
    assert batch(export, out, tmp_path / "s.csv", jobs=1).returncode == 0
    later = json.loads((out / "submission_1006" / "results.json").read_text())
    text = json.dumps(later)
    assert "VISIBLE-CALL" in text                               # its own memory...
    assert "[[" not in later["tests"][4]["output"].split("VISIBLE-CALL", 1)[0]
    earlier = json.loads((out / "submission_1005" / "results.json").read_text())
    assert "VISIBLE-CALL [[" in earlier["tests"][0]["output"]   # 1005 remembered gkl inputs (mu, sigma)...
    assert "[[" not in later["tests"][4]["output"]              # ...which 1006 (alpha_bars: 1-D betas) never saw


def test_an_interrupted_batch_resumes_where_it_stopped(tmp_path):
    kinds = {str(2000 + i): ("reference", {}) for i in range(8)}
    export = make_export(tmp_path / "export", kinds)
    out, scores = tmp_path / "out", tmp_path / "s.csv"
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "batch", str(export), "-a", "cmu10417-f2023", "--rubric",
                             str(RUBRIC), "-j", "1", "--csv", str(scores), "--out", str(out), "-q"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(list(out.glob("*/results.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)                       # the whole batch, jobs included, mid-way
    proc.wait()
    time.sleep(0.5)
    first = sorted(out.glob("*/results.json"))
    assert 2 <= len(first) < 8 and not scores.exists()
    stamps = {p: p.stat().st_mtime_ns for p in first}
    rerun = batch(export, out, scores, jobs=2)
    assert rerun.returncode == 0, rerun.stderr
    assert f"8 submissions ({len(first)} already graded, skipped)" in rerun.stdout
    assert all(p.stat().st_mtime_ns == stamps[p] for p in first)      # not regraded
    assert [r["score"] for r in csv.DictReader(scores.open())] == ["7"] * 8
    for p in out.glob("*/results.json"):
        json.loads(p.read_text())                                     # every file complete (atomic writes)


def test_batch_refuses_a_folder_that_is_not_an_export(tmp_path):
    proc = run_cli("batch", str(tmp_path), "-a", "cmu10417-f2023")
    assert proc.returncode == 2 and "not a Gradescope export" in proc.stderr


def test_a_batch_on_a_machine_whose_accounts_are_all_leased_creates_one_for_its_job(tmp_path):
    """setup.sh makes gm-sandbox .. gm-sandbox-3; while other gradings hold them, a batch job leases a new one."""
    from autograder.sandbox.accounts import lease

    subprocess.run(["userdel", "gm-sandbox-4"], capture_output=True)        # absent, as after setup.sh
    others = [lease(f"gm-sandbox{suffix}") for suffix in ("", "-1", "-2", "-3")]
    try:
        export = make_export(tmp_path / "export", {str(3000 + i): ("reference", {}) for i in range(2)})
        proc = batch(export, tmp_path / "out", tmp_path / "s.csv", jobs=1)
    finally:
        for held in others:
            held.release()
    assert proc.returncode == 0, proc.stderr
    assert [r["score"] for r in csv.DictReader((tmp_path / "s.csv").open())] == ["7"] * 2
    assert pwd.getpwnam("gm-sandbox-4").pw_uid != 0
    assert sandbox_processes() == []
