"""`build`: the Gradescope zip runs as Gradescope runs it; the handout's local check works without the reference."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, SCHEMA, env_without_checkout, make_submission, run_cli

ASSIGNMENT = "ift6135-f2023"           # has answer items, probes and hidden items


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = run_cli("build", ASSIGNMENT, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def unzip(archive: Path, dest: Path) -> Path:
    with zipfile.ZipFile(archive) as z:
        z.extractall(dest)
    return dest


def test_the_autograder_zip_holds_setup_and_run_autograder_at_its_root_and_only_what_grading_needs(built):
    names = zipfile.ZipFile(built / f"{ASSIGNMENT}-autograder.zip").namelist()
    assert {"setup.sh", "run_autograder", "requirements.txt", "ASSIGNMENT", f"rubrics/{ASSIGNMENT}.yaml"} <= set(names)
    assert {n.split("/")[0] for n in names} == {"setup.sh", "run_autograder", "requirements.txt", "ASSIGNMENT", "rubrics",
                                                 "autograder", "reference"}
    assert [n for n in names if n.startswith("rubrics/")] == [f"rubrics/{ASSIGNMENT}.yaml"]   # no other course's rubric
    assert not any("__pycache__" in n for n in names)


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="setup.sh and the sandbox user need root")
def test_the_autograder_zip_unzipped_into_a_scratch_root_gives_the_reference_full_marks(built, tmp_path):
    root = tmp_path / "autograder"
    unzip(built / f"{ASSIGNMENT}-autograder.zip", root / "source")
    make_submission(root / "submission")
    (root / "results").mkdir()
    (root / "submission_metadata.json").write_text(json.dumps({"id": 1, "created_at": "2026-11-20T10:00:00Z", "users": []}))
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_VENV": sys.prefix}
    for script in (root / "source" / "setup.sh", root / "run_autograder"):
        proc = subprocess.run(["bash", str(script)], cwd=root, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) == 72
    assert (root / "source").stat().st_mode & 0o077 == 0


def check(handout: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "check.py"], cwd=handout, capture_output=True, text=True, timeout=300,
                          env=env_without_checkout())


@pytest.fixture
def handout(built, tmp_path) -> Path:
    return unzip(built / f"{ASSIGNMENT}-handout.zip", tmp_path / "handout")


def visible_items() -> list:
    from autograder.commands.build import visible_rubric
    from autograder.grading.rubric import find, load

    return visible_rubric(*load(find(ASSIGNMENT)))[1]


def test_the_handout_check_on_the_stubs_fails_every_visible_test_with_not_implemented(handout):
    from autograder.commands.build import answers_template
    from autograder.grading.rubric import find, load

    assert (handout / "answers.yaml").read_text() == answers_template(*load(find(ASSIGNMENT)))
    proc = check(handout)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert len(rows) == len(visible_items()) > 10 and all(r.startswith("FAIL") for r in rows)
    assert proc.stdout.count("is not implemented yet") == len(visible_items())


def test_the_handout_check_grades_right_work_full_and_names_a_known_mistake_without_the_reference(handout):
    for stub in handout.glob("*.py"):
        if stub.name != "check.py":
            shutil.copy(ROOT / "reference" / stub.name, stub)
    proc = check(handout)
    assert proc.returncode == 0 and "FAIL" not in proc.stdout, proc.stdout + proc.stderr
    with open(handout / "autoregressive.py", "a") as f:        # a known mistake: the A and B masks swapped
        f.write("\n\n_m = pixelcnn_mask\ndef pixelcnn_mask(mask_type, kernel_size=3):\n"
                "    return _m('B' if mask_type == 'A' else 'A', kernel_size)\n")
    proc = check(handout)
    from reference.misconceptions import MISCONCEPTIONS

    hint = next(m.hint for m in MISCONCEPTIONS["autoregressive.pixelcnn_mask"] if m.name == "types_swapped")
    assert proc.returncode == 1 and f"**Hint:** {hint}" in proc.stdout and "Reproduce case" in proc.stdout, proc.stdout


def test_the_handout_carries_no_reference_no_hidden_item_no_answer_key_and_no_rubric_seed(built):
    from autograder.grading.rubric import find, load

    z = zipfile.ZipFile(built / f"{ASSIGNMENT}-handout.zip")
    text = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")
    rubric, items = load(find(ASSIGNMENT))
    for line in (ROOT / "reference" / "divergences.py").read_text().splitlines():
        if line.strip().startswith("return") and len(line.strip()) > 30:
            assert line.strip() not in text                       # no reference formula
    hidden = [g for g in items if g.visibility != "visible"]
    assert hidden and not any(f"id: {g.id}\n" in text for g in hidden)
    import yaml

    shipped = yaml.safe_load(z.read(f"_autograder/rubrics/{ASSIGNMENT}.yaml"))
    assert shipped["seed"] == 0 != rubric.seed
    assert all("seed" in case for item in shipped["items"] for case in item["cases"])
    assert not any(item["function"].startswith("answers.") for item in shipped["items"])
