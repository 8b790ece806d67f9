"""Every student can check and hand in: any OS, the packages and notebooks they use, forgiving intake, their total."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, by_id, env_without_checkout, grade, make_submission, run_cli

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (an unprivileged user, a mount namespace)")
NO_FORK = """
import os, runpy, sys
for module in ("resource", "fcntl", "pwd"):          # as on Windows
    sys.modules[module] = None
for name in ("fork", "forkpty"):                       # no fork (torch itself needs register_at_fork off Windows)
    os.__dict__.pop(name, None)
sys.argv = ["check.py"]
runpy.run_path("check.py", run_name="__main__")
"""


@pytest.fixture(scope="module")
def handout_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    assert run_cli("build", "cmu10417-f2023", "--out", str(out)).returncode == 0
    return out / "cmu10417-f2023-handout.zip"


def unpack(archive: Path, correct: bool) -> Path:
    """The handout in a folder anyone may read and write (the check runs as another user), optionally completed."""
    folder = Path(tempfile.mkdtemp(dir="/tmp", prefix="gm-handout-"))
    with zipfile.ZipFile(archive) as z:
        z.extractall(folder)
    if correct:
        for stub in folder.glob("*.py"):
            if stub.name != "check.py":
                shutil.copy(ROOT / "reference" / stub.name, stub)
    subprocess.run(["chmod", "-R", "a+rwX", str(folder)], check=True)
    return folder


@ROOT_ONLY
@pytest.mark.parametrize("correct", [False, True])
def test_the_handout_check_runs_without_fork_the_posix_modules_or_proc_as_an_unprivileged_user(handout_zip, correct):
    """Windows lacks fork, resource, fcntl and pwd; macOS lacks prctl and /proc: the check takes the portable path."""
    folder = unpack(handout_zip, correct)
    try:
        as_nobody = f"mount -t tmpfs none /proc && exec setpriv --reuid=nobody --regid=nogroup --clear-groups {sys.executable} -c '{NO_FORK}'"
        proc = subprocess.run(["unshare", "--mount", "sh", "-c", as_nobody], cwd=folder, capture_output=True, text=True,
                              timeout=300, env=env_without_checkout())
        assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
        rows = [line for line in proc.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
        assert len(rows) >= 10, proc.stdout + proc.stderr
        if correct:
            assert proc.returncode == 0 and all(r.startswith("PASS") for r in rows), proc.stdout
        else:
            assert proc.returncode == 1 and all(r.startswith("FAIL") for r in rows)
            assert "is not implemented yet" in proc.stdout and "Visible tests: 0.00 / " in proc.stdout
    finally:
        shutil.rmtree(folder)


def test_the_portable_path_times_out_a_hanging_function_and_reports_a_crash_as_gradescope_does(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": "import os, time\ndef gkl(mu, sigma):\n    time.sleep(60)\n"
                                                              "def reparameterize(mu, sigma, eps):\n    os._exit(3)\n"})
    rubric = ROOT / "tests" / "fixtures" / "small-rubric.yaml"
    proc = run_cli("check", str(sub), "-a", "cmu10417-f2023", "--rubric", str(rubric), "--portable", timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    assert "timed out (each call may take at most 3 s)" in proc.stdout
    assert "the process running your code died during the call" in proc.stdout
    assert "PASS  vae.vae_loss_grads" in proc.stdout or "PASS  " in proc.stdout


@ROOT_ONLY
def test_a_check_as_root_without_the_sandbox_account_runs_the_code_as_root(tmp_path):
    """On Colab everything runs as root and there is no setup.sh: the check runs the code as root, and passes."""
    proc = run_cli("check", str(make_submission(tmp_path / "sub")), "-a", "cmu10417-f2023", "--sandbox-user", "gm-no-such-user")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_a_fresh_environment_with_only_torch_and_numpy_needs_one_install_step_that_keeps_torch(handout_zip, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "torch==2.13.0", "numpy"], check=True, timeout=900)
    before = subprocess.run([python, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True).stdout
    folder = unpack(handout_zip, correct=True)
    try:
        first = subprocess.run([python, "check.py"], cwd=folder, capture_output=True, text=True, timeout=300)
        assert first.returncode != 0 and "Traceback" not in first.stderr
        assert first.stderr.strip().splitlines() == ["The local check needs pydantic, PyYAML, rich, nbformat: run  pip install "
                                                      "pydantic PyYAML rich nbformat  (this does not change your torch)"]
        subprocess.run([*pip, "-r", str(folder / "requirements.txt")], check=True, timeout=900)
        after = subprocess.run([python, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True).stdout
        assert after == before
        second = subprocess.run([python, "check.py"], cwd=folder, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stdout + second.stderr
    finally:
        shutil.rmtree(folder)


def test_numpy_in_student_code_is_graded_and_no_numpy_warning_appears(tmp_path):
    sub = make_submission(tmp_path / "sub")
    source = (sub / "vae.py").read_text().replace("from __future__ import annotations\n", "")
    (sub / "vae.py").write_text("import numpy as np\n" + source + "\n_ones = np.ones(3)\n")
    proc = run_cli("grade", str(sub), "-a", "cmu10417-f2023", "-o", str(tmp_path / "r.json"))
    results = json.loads((tmp_path / "r.json").read_text())
    assert results["score"] == 24 and "NumPy" not in proc.stdout + proc.stderr + json.dumps(results)


def test_an_import_the_grader_does_not_have_costs_only_that_modules_items(tmp_path):
    sub = make_submission(tmp_path / "sub")
    (sub / "gcn.py").write_text("import scipy.sparse\n" + (sub / "gcn.py").read_text())
    tests = by_id(grade(sub, tmp_path / "r.json"))
    message = "your code imports `scipy` (in `gcn.py`), which is not available on the grader (available: torch, numpy)."
    assert tests["gcn-layer"]["score"] == 0 and tests["gcn-layer"]["output"] == message
    assert tests["gkl"]["score"] == tests["gkl"]["max_score"]


def test_a_module_named_in_capitals_and_one_file_for_everything_grade_in_full(tmp_path):
    caps = make_submission(tmp_path / "caps")
    (caps / "vae.py").rename(caps / "VAE.py")
    results = grade(caps, tmp_path / "a.json")
    assert results["score"] == 24 and "`VAE.py` is used as `vae.py`" in results["output"]
    one = tmp_path / "one"
    one.mkdir()
    sources = ((ROOT / "reference" / f"{m}.py").read_text().replace("from __future__ import annotations\n", "")
               for m in ("vae", "gcn", "diffusion"))
    (one / "hw3.py").write_text("from __future__ import annotations\n" + "\n\n".join(sources))
    results = grade(one, tmp_path / "b.json")
    assert results["score"] == 24 and "`hw3.py` defines" in results["output"]


def test_a_notebook_that_would_train_for_an_hour_grades_in_seconds(tmp_path):
    import time

    sub = make_submission(tmp_path / "sub")
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": src} for src in (
        "%matplotlib inline\nimport time\nimport torch\nimport matplotlib.pyplot as plt",
        (ROOT / "reference" / "vae.py").read_text(),
        "for epoch in range(1000):\n    time.sleep(3.6)\nplt.plot([1, 2])\nprint('trained')")]
    (sub / "vae.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    (sub / "vae.py").unlink()
    begin = time.monotonic()
    results = grade(sub, tmp_path / "r.json", assignment="csc6137-hw2")
    assert results["score"] == 66 and time.monotonic() - begin < 60
    assert "`vae.ipynb`: read 3 code cells" in results["output"]


def test_an_answers_file_that_does_not_parse_shows_at_once_in_a_visible_test_naming_the_line(tmp_path):
    sub = make_submission(tmp_path / "sub")
    (sub / "answers.yaml").write_text("q2_2_scenario1: forward\nq3_3: [a, b\n")
    results = grade(sub, tmp_path / "r.json", assignment="ift6135-f2023")
    sheet = next(t for t in results["tests"] if t["name"].startswith("answers.yaml"))
    assert sheet["visibility"] == "visible" and sheet["max_score"] == 0 and sheet["number"] == "0"
    assert "line 3" in sheet["output"] and "/tmp" not in sheet["output"] and "gm-grade" not in sheet["output"]


def test_check_reads_answers_yaml_and_names_unknown_keys_and_values_without_any_answer(tmp_path):
    out = tmp_path / "dist"
    assert run_cli("build", "ift6135-f2023", "--out", str(out)).returncode == 0
    folder = unpack(out / "ift6135-f2023-handout.zip", correct=True)
    try:
        (Path(folder) / "answers.yaml").write_text("q4_11: b\nq3_1: e\n")
        proc = subprocess.run([sys.executable, "check.py"], cwd=folder, capture_output=True, text=True, timeout=300,
                              env=env_without_checkout())
        assert "`q4_11` is not a question of this assignment; did you mean `q4_1`?" in proc.stdout
        assert "`q3_1`: `'e'` is not one of the allowed values (a, b, c, d)." in proc.stdout
        from autograder.grading.rubric import find, load

        for item in load(find("ift6135-f2023"))[1]:
            if item.spec.module == "answers":
                for accepted in item.cases[0][0].accept:
                    assert f"accept" not in proc.stdout and f": {accepted}\n" not in proc.stdout
    finally:
        shutil.rmtree(folder)


def test_the_handout_holds_the_graded_functions_only_and_an_answers_file_of_its_own_questions(handout_zip, tmp_path):
    out = tmp_path / "dist"
    assert run_cli("build", "csc6137-hw2", "--out", str(out)).returncode == 0
    z = zipfile.ZipFile(out / "csc6137-hw2-handout.zip")
    vae = z.read("vae.py").decode()
    assert [line for line in vae.splitlines() if line.startswith("def ")] == [
        "def reparameterize(mu, sigma, eps):", "def gkl(mu, sigma):", "def elbo_joint(log_px_given_z, log_pz, log_qz):",
        "def elbo_entropy(log_px_given_z, log_pz, sigma):", "def elbo_kl(log_px_given_z, mu, sigma):",
        "def beta_vae_loss(recon_nll, mu, sigma, beta):"]
    assert "answers.yaml" not in z.namelist()                       # csc6137-hw2 has no choice question
    from autograder.commands.build import answers_template
    from autograder.grading.rubric import find, load

    template = answers_template(*load(find("ift6135-f2023")))
    assert [line.split(":")[0] for line in template.splitlines()[1:]] == [
        "q2_2_scenario1", "q2_2_scenario2", "q3_1", "q3_3", "q4_1", "q4_2", "q4_3", "q4_4"]


def test_student_facing_text_uses_the_homeworks_names_never_our_seed_numbers():
    import re

    places = [*(ROOT / "student_template").iterdir(), *(ROOT / "rubrics").glob("*.yaml"), *(ROOT / "autograder" / "specs").glob("*.py"),
              ROOT / "reference" / "misconceptions.py", ROOT / "autograder" / "grading" / "properties.py"]
    assert not [p for p in places if re.search(r"seed 00\d|seed's", p.read_text(), re.I)]


def test_the_check_renders_markdown_on_a_terminal_and_plain_text_when_piped(tmp_path, monkeypatch, capsys):
    """rich draws bold text and code blocks where the terminal takes colours; piped (or NO_COLOR) it is plain."""
    from rich.console import Console

    from autograder.grading import terminal
    from autograder.grading.engine import GradingRun
    from autograder.grading.rubric import find, load

    rubric, items = load(find("cmu10417-f2023"))
    run = GradingRun(rubric.assignment, rubric.title, items[:1], {}, {}, hidden_points=4.0, grader_torch="1.0.0")
    monkeypatch.setattr(terminal, "styled", lambda: False)
    terminal.print_report(run)
    plain = capsys.readouterr().out
    assert "\033[" not in plain and "4 more points are in tests that run on Gradescope only." in plain
    assert "the grader uses 1.0.0: values may differ in the last digits." in plain
    monkeypatch.setattr(terminal, "styled", lambda: True)
    import rich.console

    monkeypatch.setattr(rich.console, "Console", lambda: Console(force_terminal=True, color_system="standard", width=100))
    terminal.print_report(run)
    styled = capsys.readouterr().out
    assert "\033[1m" in styled and "**" not in styled                  # bold, and the markdown rendered
