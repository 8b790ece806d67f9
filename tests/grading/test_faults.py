"""Fault tolerance: the kernel's OOM killer in a Gradescope-sized container, a worker killed from outside
mid-call, and the grader itself terminated.  Each ends with a valid results.json and the honest score."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, ROOT, SCHEMA, make_submission, sandbox_processes

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="privilege separation needs root")
RUBRIC = FIXTURES / "small-rubric.yaml"
GRADESCOPE_MEMORY = 768 << 20


def command(sub: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "autograder", "grade", str(sub), "-a", "cmu10417-f2023", "--rubric", str(RUBRIC), "-o", str(out)]


def results_of(out: Path) -> dict:
    results = json.loads(out.read_text())
    jsonschema.validate(results, SCHEMA)
    return results


def memory_cgroup(tmp_name: str) -> Path | None:
    """A fresh cgroup (v1 memory controller or v2) below ours, or None where we may not make one."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "memory":
            base, limit = Path("/sys/fs/cgroup/memory") / path.lstrip("/"), "memory.limit_in_bytes"
            break
    else:
        base, limit = Path("/sys/fs/cgroup") / Path("/proc/self/cgroup").read_text().split("::", 1)[-1].strip().lstrip("/"), "memory.max"
    try:
        group = base / tmp_name
        group.mkdir()
        (group / limit).write_text(str(GRADESCOPE_MEMORY))
        return group
    except OSError:
        return None


def oom_kill_count(group: Path) -> int:
    """The cgroup's 'oom_kill N' counter (memory.oom_control in v1, memory.events in v2)."""
    for name in ("memory.oom_control", "memory.events"):
        if (group / name).exists():
            for line in (group / name).read_text().splitlines():
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
    return -1


def test_out_of_memory_in_a_768_mib_container_kills_the_worker_not_the_grader(tmp_path):
    group = memory_cgroup(f"gm-oom-test-{os.getpid()}")
    if group is None:
        pytest.skip("cannot create a memory cgroup here")
    sub = make_submission(tmp_path / "sub", append={"vae.py": (
        "def gkl(mu, sigma):\n"
        "    hog = torch.ones(100 << 20, dtype=torch.float64)   # 800 MiB, under RLIMIT_DATA, over the cgroup\n"
        "    return hog[:1].expand(mu.shape[:-1]).clone()\n")})
    out = tmp_path / "results.json"
    try:
        proc = subprocess.run(command(sub, out), cwd=ROOT, capture_output=True, text=True, timeout=120,
                              preexec_fn=lambda: (group / "cgroup.procs").write_text(str(os.getpid())))
        oom_kills = oom_kill_count(group)
    finally:
        for pid in (group / "cgroup.procs").read_text().split():
            os.kill(int(pid), signal.SIGKILL)
        time.sleep(0.2)
        group.rmdir()
    assert proc.returncode == 0, proc.stderr                  # the grader survived
    scores = [t["score"] for t in results_of(out)["tests"]]
    assert scores == [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert "died during the call" in results_of(out)["tests"][0]["output"]
    assert oom_kills >= 1                                     # the kernel's OOM killer did it, not an rlimit
    assert sandbox_processes() == []


def test_a_worker_killed_mid_call_costs_that_case_and_grading_goes_on(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": (
        "import time as _time\n_right = gkl\n"
        "def gkl(mu, sigma):\n"
        "    if mu.shape == (3, 2):\n"
        "        _time.sleep(2.5)            # case 1: the test kills the worker here\n"
        "    return _right(mu, sigma)\n")})
    out = tmp_path / "results.json"
    proc = subprocess.Popen(command(sub, out), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    killed = sandbox_processes()
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=60)
    assert killed and proc.returncode == 0, stderr
    tests = results_of(out)["tests"]
    assert [t["score"] for t in tests] == [0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert "Passed 1 of 2 cases" in tests[0]["output"] and "died during the call" in tests[0]["output"]
    assert sandbox_processes() == []


def test_terminating_the_grader_still_leaves_a_valid_results_json(tmp_path):
    """Gradescope's own time limit: SIGTERM mid-grading.  results.json says so, score 0, never missing."""
    root = tmp_path / "autograder"
    (root / "results").mkdir(parents=True)
    (root / "source").symlink_to(ROOT)
    make_submission(root / "submission", append={"vae.py": "import time as _t\n_t.sleep(30)\n"})
    env = {**os.environ, "AUTOGRADER_ASSIGNMENT": "cmu10417-f2023"}
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "gradescope", "--root", str(root)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    results = results_of(root / "results" / "results.json")
    assert results["score"] == 0 and results["tests"][0]["name"] == "Autograder failed, contact course staff"
    assert "terminated" in results["tests"][1]["output"]
    assert sandbox_processes() == []
