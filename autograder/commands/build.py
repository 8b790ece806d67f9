"""Build, for one assignment, the zip an instructor uploads to Gradescope and the handout students download.

`ID-autograder.zip`: setup.sh and run_autograder at the root, then only what grading
needs: the engine, the reference, this assignment's rubric, requirements.txt, ASSIGNMENT;
for a course (`--course`), its files under `course/` (the rubric, reference/, specs/ and the
Python tests the rubric lists), which `gradescope.run` finds there.

`ID-handout.zip`: the stubs of the functions the assignment grades, answers.yaml made from
its choice questions, requirements.txt (what the local check needs besides the student's own
torch, never torch itself), and the local check: check.py plus `_autograder/`, which holds the
engine, the stubs again in place of the reference, the visible items only (answer keys
left out, each case's seed written out so the rubric's seed, which also draws the hidden
inputs, stays private) and their recording (`recording.py`): the expected values and known
wrong answers, computed here from the reference.  A course's handout adds `_autograder/course/`:
its rubric, its specs without their known mistakes, and its stubs as its reference; its
Python tests stay on Gradescope (they need the reference), their points counted as left out.

Zips are reproducible: entries sorted, timestamps fixed, permissions normalised.
"""
from __future__ import annotations

import ast
import zipfile
from pathlib import Path

import yaml

from autograder import course
from autograder.grading import course_tests, recording, rubric

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ("setup.sh", "run_autograder", "requirements.txt")
EPOCH = (2020, 1, 1, 0, 0, 0)

STUDENT_REQUIREMENTS = "student-requirements.txt"     # the rubric's student_packages, for setup.sh to install

CHECK_PY = '''"""Run the visible tests on your work, with the same engine as Gradescope: `python check.py`.

Works on Linux, macOS and Windows with Python 3.10 or newer, your own PyTorch (any 2.x) and
the packages in requirements.txt (`pip install -r requirements.txt`; it never changes torch).
"""
import importlib.util
import sys
from pathlib import Path

if sys.version_info < (3, 10):
    sys.exit(f"The local check needs Python 3.10 or newer; this is Python {sys.version.split()[0]}.")
NEEDED = {"torch": "torch", "pydantic": "pydantic", "yaml": "PyYAML", "rich": "rich", "nbformat": "nbformat"}
missing = [package for module, package in NEEDED.items() if importlib.util.find_spec(module) is None]
if missing:
    sys.exit(f"The local check needs {', '.join(missing)}: run  pip install {' '.join(missing)}"
             + ("  (any torch 2.x)" if "torch" in missing else "  (this does not change your torch)"))
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_autograder"))
from autograder.cli import main  # noqa: E402

sys.exit(main(["check", str(HERE), "--assignment", "{assignment}", "--rubric",
               str(HERE / "_autograder" / "{rubrics}" / "{assignment}.yaml"){course}]))
'''


HANDOUT_README = """# {title}

Fill in {files} (keep the function names and signatures as they are; a notebook `<module>.ipynb`
works too: its functions, classes, imports and constants are graded, nothing else is run).
Then run the visible tests on your own machine, with the same engine Gradescope uses:

    pip install -r requirements.txt      # once: pydantic, PyYAML, rich, nbformat (it never changes your torch)
    python check.py

It runs {visible} of the {total} tests ({hidden:g} of the {points:g} points are in tests that only Gradescope runs)
and tells you, for each failing one, the case, what you returned against what was
expected, a hint, and a snippet that reproduces the failure.  Your code may import torch, numpy{packages}
and the standard library: nothing else is installed on the grader.  Submit only your files;
`_autograder/` is ignored if you upload it too.
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
    """ID-autograder.zip: what Gradescope's "Configure Autograder" page takes (a course's own files under course/)."""
    path = out / f"{assignment}-autograder.zip"
    spec, _ = rubric.load(rubric.find(assignment))
    active = course.active()
    with zipfile.ZipFile(path, "w") as z:
        for name in RUNTIME:
            _add(z, name, (ROOT / name).read_bytes(), executable=name != "requirements.txt")
        _add(z, "ASSIGNMENT", f"{assignment}\n".encode())
        if spec.student_packages:
            _add(z, STUDENT_REQUIREMENTS, "".join(f"{p}\n" for p in spec.student_packages).encode())
        _add_tree(z, ROOT / "autograder", "autograder")
        _add_tree(z, ROOT / "reference", "reference")
        rubrics = "rubrics" if active.is_product else "course/rubrics"
        _add(z, f"{rubrics}/{assignment}.yaml", rubric.find(assignment).read_bytes())
        if not active.is_product:
            _add_tree(z, active.reference, "course/reference")
            for source in active.specs:
                _add(z, f"course/specs/{source.name}", source.read_bytes())
            for test in spec.tests:
                _add(z, f"course/{Path(test).as_posix()}", (active.root / test).read_bytes())
    return path


def visible_rubric(spec: rubric.Rubric, items: list[rubric.GradedItem],
                   tests: list = ()) -> tuple[dict, list[rubric.GradedItem]]:
    """The rubric a handout carries (as YAML data) and its items: visible items only, no answer keys, every case
    with its own seed, and a `handout` section: the grader's torch, the points it leaves out (hidden items and the
    course's Python `tests`, which need the reference), the questions."""
    import torch

    from autograder.grading.answer_sheet import keys

    shown = [g for g in items if g.visibility == "visible" and not g.check.expected]
    data = spec.model_dump(mode="json", exclude_defaults=True, exclude={"items", "seed", "total_points", "tests"})
    data["seed"] = 0
    hidden = sum(g.item.points for g in items if g not in shown) + sum(t.points for t in tests)
    data["handout"] = rubric.Handout(torch=torch.__version__.split("+")[0], hidden_points=hidden,
                                     answers=keys(spec, items)).model_dump(mode="json", exclude_defaults=True)
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
    active = course.active()
    tests = course_tests.collect([active.root / t for t in spec.tests], active.root).tests
    graded: dict[str, set[str]] = {}
    for module, function in [(g.spec.module, g.spec.function) for g in items] + [u for t in tests for u in t.uses]:
        graded.setdefault(module, set()).add(function)
    files = ["answers.yaml" if m == "answers" else f"{m}.py" for m in sorted(graded)]
    data, shown = visible_rubric(spec, items, tests)
    packages = "".join(f", {p}" for p in spec.student_packages)
    engine_rubrics = "_autograder/rubrics" if active.is_product else "_autograder/course/rubrics"
    path = out / f"{assignment}-handout.zip"
    with zipfile.ZipFile(path, "w") as z:
        for module in sorted(graded):
            if module == "answers":
                _add(z, "answers.yaml", answers_template(spec, items).encode())
            else:
                _add(z, f"{module}.py", stub(module, graded[module]).encode())
        check = CHECK_PY.replace("{assignment}", assignment).replace("{rubrics}", engine_rubrics.removeprefix("_autograder/"))
        _add(z, "check.py", check.replace("{course}", "" if active.is_product else ', "--course", str(HERE / "_autograder" / "course")').encode())
        _add(z, "requirements.txt", (ROOT / "student_template" / "requirements.txt").read_bytes())
        _add(z, "README.md", HANDOUT_README.format(
            title=spec.title, files=", ".join(files), visible=len(shown), total=len(items) + len(tests),
            points=spec.total + sum(t.points for t in tests), hidden=data["handout"].get("hidden_points", 0),
            packages=packages).encode())
        _add_tree(z, ROOT / "autograder", "_autograder/autograder")
        for template in sorted((ROOT / "student_template").glob("*.py")):
            _add(z, f"_autograder/reference/{template.name}", template.read_bytes())
        _add(z, "_autograder/reference/__init__.py", b'"""Stubs: the handout has no reference; expected values are recorded."""\n')
        _add(z, "_autograder/reference/misconceptions.py",
             b'"""Known mistakes are recorded with each case in the handout."""\nMISCONCEPTIONS: dict = {}\n')
        if not active.is_product:
            for template in sorted(active.student_template.glob("*.py")):     # the course's reference, as stubs
                _add(z, f"_autograder/course/reference/{template.name}", template.read_bytes())
            for source in active.specs:
                _add(z, f"_autograder/course/specs/{source.name}", handout_spec(source))
        header = f"# Visible tests of {assignment} for the local check (generated by `python -m autograder build`).\n"
        _add(z, f"{engine_rubrics}/{assignment}.yaml", (header + yaml.safe_dump(data, sort_keys=False, width=120)).encode())
        _add(z, f"{engine_rubrics}/{assignment}.recorded", recording.record(shown))
    return path


def handout_spec(source: Path) -> bytes:
    """A course's function spec file as a handout carries it: without the known mistakes (they name functions of the
    reference; their wrong answers are recorded with each case instead)."""
    data = yaml.safe_load(source.read_text())
    for function in data["functions"]:
        function.pop("mistakes", None)
    return (f"# {source.name} for the local check (generated by `python -m autograder build`).\n"
            + yaml.safe_dump(data, sort_keys=False, width=120)).encode()


def stub(module: str, functions: set[str]) -> str:
    """The student template of `module` with only the functions the assignment grades (docstring, imports, constants kept)."""
    source = course.active().template_path(module).read_text()
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    drop = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name not in functions]
    for node in reversed(drop):
        start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        end = node.end_lineno
        while end < len(lines) and not lines[end].strip():          # the blank lines after it go with it
            end += 1
        del lines[start - 1: end]
    return "".join(lines)


def answers_template(spec: rubric.Rubric, items: list[rubric.GradedItem]) -> str:
    """answers.yaml to fill in: one key per choice question, its question and allowed values as a comment."""
    from autograder.grading.answer_sheet import keys

    lines = [f"# Choice questions of {spec.title}.  Replace each null with your answer, e.g. `q4_1: b`."]
    for question in keys(spec, items):
        allowed = ("a list of any of " if question.multiple else "one of ") + ", ".join(map(str, question.choices or [])) \
            if question.choices else "your answer"
        lines.append(f"{question.key}: null   # {question.question}: {allowed}")
    return "\n".join(lines) + "\n"


def build(assignment: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    return [autograder_zip(assignment, out), handout_zip(assignment, out)]
