"""Shared helpers: build submissions from the reference, grade them through the real CLI."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ASSIGNMENT = "cmu10417-f2023"
ASSIGNMENTS = ("cmu10417-f2023", "ift6135-w2023", "ift6135-f2023", "ift6135-h2019", "csc6137-hw2")
MODULES = ("vae.py", "gcn.py", "diffusion.py", "autoregressive.py", "gan.py", "divergences.py", "simsiam.py", "flows.py", "priors.py")
SCHEMA = json.loads((ROOT / "schemas" / "results.schema.json").read_text())


def make_submission(dest: Path, base: str = "reference", append: dict[str, str] | None = None) -> Path:
    """A submission folder: every module copied from reference/ or student_template/, with code appended.

    The reference base also gets the right answers.yaml (tests/fixtures/answers), the template a blank one.
    """
    dest.mkdir(parents=True, exist_ok=True)
    source = ROOT / ("reference" if base == "reference" else "student_template")
    for name in MODULES:
        shutil.copy(source / name, dest / name)
    if base == "reference":
        shutil.copy(FIXTURES / "answers" / "ift6135-f2023.yaml", dest / "answers.yaml")
    else:                                   # the blank answers.yaml a handout gives
        from autograder.commands.build import answers_template
        from autograder.grading.rubric import find, load

        (dest / "answers.yaml").write_text(answers_template(*load(find("ift6135-f2023"))))
    for name, code in (append or {}).items():
        with open(dest / name, "a") as f:
            f.write("\n\n" + code + "\n")
    return dest


def hostile(name: str) -> str:
    return (FIXTURES / "hostile" / f"{name}.py").read_text()


def env_without_checkout() -> dict[str, str]:
    """This environment for a program that must find the product elsewhere than this checkout: no PYTHONPATH, no colour."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"NO_COLOR": "1"}


def run_cli(*args: str, timeout: float = 300, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd or ROOT, env={**os.environ, "NO_COLOR": "1"})


def grade(submission: Path, out: Path, assignment: str = ASSIGNMENT) -> dict:
    """Grade through `python -m autograder grade` and return the validated results.json."""
    proc = run_cli("grade", str(submission), "--assignment", assignment, "--output", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(out.read_text())
    jsonschema.validate(results, SCHEMA)
    return results


def by_id(results: dict, assignment: str = ASSIGNMENT) -> dict[str, dict]:
    """Tests keyed by rubric item id (rubric order gives numbers 1..n)."""
    from autograder.grading.rubric import find, load

    _, items = load(find(assignment))
    return {item.id: results["tests"][int(item.number) - 1] for item in items}


def sandbox_processes(users: tuple[str, ...] | None = None) -> list[int]:
    """Processes of the sandbox accounts (default: the whole pool) still alive."""
    import pwd

    from autograder.sandbox.accounts import pool

    users = pool() if users is None else users

    uids = set()
    for user in users:
        try:
            uids.add(pwd.getpwnam(user).pw_uid)
        except KeyError:
            pass
    pids = []
    for p in os.listdir("/proc"):
        try:
            if p.isdigit() and os.stat(f"/proc/{p}").st_uid in uids:
                pids.append(int(p))
        except FileNotFoundError:         # exited while we looked
            pass
    return pids


@pytest.fixture(scope="session")
def reference_results(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("reference")
    return grade(make_submission(tmp / "sub"), tmp / "results.json")
