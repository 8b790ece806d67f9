"""Build, for one assignment, the zip an instructor uploads to Gradescope and the handout students download.

`ID-autograder.zip`: setup.sh and run_autograder at the root, then only what grading
needs: the engine, the reference, this assignment's rubric, requirements.txt, ASSIGNMENT.

`ID-handout.zip`: the stubs of every module the assignment grades (answers.yaml where it
has answer items), and the local check: check.py plus `_autograder/`, which holds the
engine, the stubs again in place of the reference, the visible items only (answer keys
left out, each case's seed written out so the rubric's seed, which also draws the hidden
inputs, stays private) and their recording (`recording.py`): the expected values and known
wrong answers, computed here from the reference.

Zips are reproducible: entries sorted, timestamps fixed, permissions normalised.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import yaml

from autograder.grading import recording, rubric

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ("setup.sh", "run_autograder", "requirements.txt")
EPOCH = (2020, 1, 1, 0, 0, 0)

CHECK_PY = '''"""Run the visible tests on your work, with the same engine as Gradescope: `python check.py`.

Needs Linux (or WSL) and the packages in _autograder/requirements.txt (torch, pydantic, PyYAML, pytest).
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_autograder"))
from autograder.cli import main  # noqa: E402

sys.exit(main(["check", str(HERE), "--assignment", "{assignment}", "--rubric", str(HERE / "_autograder" / "rubrics" / "{assignment}.yaml")]))
'''


HANDOUT_README = """# {assignment}: your files

Fill in {files} (the function names and signatures must stay as they are), then run the
visible tests on your machine with the same engine Gradescope uses:

    python check.py

It runs {visible} of the {total} tests (the others are hidden until grading) and tells you,
for each failing one, the case, what you returned against what was expected, a hint, and a
snippet that reproduces the failure.  It needs Linux or WSL and the packages in
`_autograder/requirements.txt`.  Submit only your files; `_autograder/` is ignored if you
upload it too.
"""


def _add(z: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    """One entry, reproducibly: fixed timestamp, normalised permissions."""
    info = zipfile.ZipInfo(name, EPOCH)
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def _add_tree(z: zipfile.ZipFile, source: Path, prefix: str) -> None:
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            _add(z, f"{prefix}/{path.relative_to(source).as_posix()}", path.read_bytes())


def autograder_zip(assignment: str, out: Path) -> Path:
    """ID-autograder.zip: what Gradescope's "Configure Autograder" page takes."""
    path = out / f"{assignment}-autograder.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name in RUNTIME:
            _add(z, name, (ROOT / name).read_bytes(), executable=name != "requirements.txt")
        _add(z, "ASSIGNMENT", f"{assignment}\n".encode())
        _add_tree(z, ROOT / "autograder", "autograder")
        _add_tree(z, ROOT / "reference", "reference")
        _add(z, f"rubrics/{assignment}.yaml", rubric.find(assignment).read_bytes())
    return path


def visible_rubric(spec: rubric.Rubric, items: list[rubric.GradedItem]) -> tuple[dict, list[rubric.GradedItem]]:
    """The rubric a handout carries (as YAML data) and its items: visible items only, no answer keys,
    every case with its own seed."""
    shown = [g for g in items if g.visibility == "visible" and not g.check.expected]
    data = spec.model_dump(mode="json", exclude_defaults=True, exclude={"items", "seed", "total_points"})
    data["seed"] = 0
    data["items"] = []
    for graded in shown:
        entry = graded.item.model_dump(mode="json", exclude_defaults=True, exclude={"cases"})
        entry["cases"] = [params.model_dump(mode="json", exclude_defaults=True, exclude={"seed", "repeat"}) | {"seed": seed}
                          for params, seed in graded.cases]
        data["items"].append(entry)
    return data, shown


def handout_zip(assignment: str, out: Path) -> Path:
    """ID-handout.zip: the stubs to fill in and the local check of the visible tests."""
    spec, items = rubric.load(rubric.find(assignment))
    files = ["answers.yaml" if m == "answers" else f"{m}.py" for m in sorted({g.spec.module for g in items})]
    data, shown = visible_rubric(spec, items)
    path = out / f"{assignment}-handout.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name in files:
            _add(z, name, (ROOT / "student_template" / name).read_bytes())
        _add(z, "check.py", CHECK_PY.replace("{assignment}", assignment).encode())
        _add(z, "README.md", HANDOUT_README.format(assignment=assignment, files=", ".join(files), visible=len(shown),
                                                   total=len(items)).encode())
        _add_tree(z, ROOT / "autograder", "_autograder/autograder")
        for stub in sorted((ROOT / "student_template").glob("*.py")):
            _add(z, f"_autograder/reference/{stub.name}", stub.read_bytes())
        _add(z, "_autograder/reference/__init__.py", b'"""Stubs: the handout has no reference; expected values are recorded."""\n')
        _add(z, "_autograder/reference/misconceptions.py",
             b'"""Known mistakes are recorded with each case in the handout."""\nMISCONCEPTIONS: dict = {}\n')
        _add(z, "_autograder/requirements.txt", (ROOT / "requirements.txt").read_bytes())
        header = f"# Visible tests of {assignment} for the local check (generated by `python -m autograder build`).\n"
        _add(z, f"_autograder/rubrics/{assignment}.yaml", (header + yaml.safe_dump(data, sort_keys=False, width=120)).encode())
        _add(z, f"_autograder/rubrics/{assignment}.recorded", recording.record(shown))
    return path


def build(assignment: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    return [autograder_zip(assignment, out), handout_zip(assignment, out)]
