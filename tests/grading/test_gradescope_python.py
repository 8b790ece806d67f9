"""Gradescope's default image is Ubuntu 22.04, whose python3 is 3.10: the product runs there, and setup.sh
either finds a CPU torch wheel for the interpreter it is given or says which one it looked for."""
import os
import subprocess
import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT

MINIMUM = "3.10"
SOURCES = ("autograder", "reference", "student_template", "benchmarks")


def vermin(*paths: str) -> subprocess.CompletedProcess:
    """vermin's verdict on `paths` against the minimum (exit 1 and the violations where something needs more)."""
    return subprocess.run([str(Path(sys.executable).with_name("vermin")), "-q", "--no-tips", "--violations", "--eval-annotations",
                           "--backport", "dataclasses", f"--target={MINIMUM}-", *paths],
                          capture_output=True, text=True, cwd=ROOT)


def test_the_package_declares_python_3_10():
    assert re.search(r'^requires-python = "(.*)"$', (ROOT / "pyproject.toml").read_text(), re.M)[1] == f">={MINIMUM}"


def test_every_source_file_runs_on_python_3_10():
    proc = vermin(*SOURCES)
    assert proc.returncode == 0 and proc.stdout.strip() == "", proc.stdout + proc.stderr


def test_vermin_catches_what_3_10_lacks(tmp_path):
    (tmp_path / "newer.py").write_text("import tomllib\nfrom typing import Self\n")
    proc = vermin(str(tmp_path / "newer.py"))
    assert proc.returncode == 1 and "'tomllib' module requires !2, 3.11" in proc.stdout


@pytest.mark.slow
def test_setup_sh_names_the_interpreter_and_the_wheel_it_did_not_find(tmp_path):
    """No index and an empty wheel folder: no torch for this interpreter, so setup.sh stops before anything else."""
    (tmp_path / "wheels").mkdir()
    env = {**os.environ, "AUTOGRADER_VENV": str(tmp_path / "venv"), "AUTOGRADER_PYTHON": sys.executable,
           "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path / "wheels")}
    proc = subprocess.run(["bash", str(ROOT / "setup.sh")], capture_output=True, text=True, env=env, timeout=300)
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (f"setup.sh: no CPU wheel of torch 2.13.0 for Python {sys.version.split()[0]} ({sys.executable}, "
            f"in {tmp_path / 'venv'}): looked for torch-2.13.0+cpu-{tag}-{tag}-*_") in proc.stderr
    assert "AUTOGRADER_PYTHON=/path/to/python3 bash setup.sh" in proc.stderr
    assert "creating sandbox user" not in proc.stdout
