"""Where a course's material lives, and which course this run grades.

A course folder is laid out like the product's own top level:

    rubrics/<assignment>.yaml     what is graded, with what points (rubric.py)
    reference/<module>.py         reference implementations of the course's own functions
    student_template/<module>.py  the stubs students fill in
    specs/<module>.yaml           the course's own functions, declared (specs/declared.py)
    tests/test_*.py               Python tests with gradescope-utils decorators (grading/course_tests.py),
                                  each graded with the assignments whose rubric lists it (`tests:`)

The product's own top level is the default course: its five assignments, the functions of
STUDENT_API.md, no declared specs and no Python tests (its tests/ folder is the product's
own test suite).  `use(folder)` makes another folder the course of this run; nothing of it
is read until something asks (so the zygote forks before any of it is loaded).
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType

PRODUCT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Course:
    root: Path

    @property
    def is_product(self) -> bool:
        return self.root.resolve() == PRODUCT_ROOT

    @property
    def rubrics(self) -> Path:
        return self.root / "rubrics"

    @property
    def reference(self) -> Path:
        return self.root / "reference"

    @property
    def student_template(self) -> Path:
        return self.root / "student_template"

    @property
    def specs(self) -> list[Path]:
        """The course's declared function specs (none for the product, whose functions are built in)."""
        return [] if self.is_product else sorted((self.root / "specs").glob("*.yaml"))

    @property
    def tests(self) -> list[Path]:
        """The course's Python test files (none for the product)."""
        return [] if self.is_product else sorted((self.root / "tests").glob("test_*.py"))

    def reference_path(self, module: str) -> Path:
        """The reference source of `module`: the course's own, else the product's (a built-in module)."""
        own = self.reference / f"{module}.py"
        return own if own.is_file() else PRODUCT_ROOT / "reference" / f"{module}.py"

    def template_path(self, module: str) -> Path:
        """The student stub of `module`: the course's own, else the product's."""
        own = self.student_template / f"{module}.py"
        return own if own.is_file() else PRODUCT_ROOT / "student_template" / f"{module}.py"

    def reference_modules(self) -> list[str]:
        """Every module with a reference: the product's, then the course's own (which take precedence)."""
        names = {p.stem for p in (PRODUCT_ROOT / "reference").glob("*.py")} | {p.stem for p in self.reference.glob("*.py")}
        return sorted(names - {"__init__", "misconceptions"})

    @cached_property
    def _modules(self) -> dict[str, ModuleType]:
        return {}

    def reference_module(self, name: str) -> ModuleType:
        """reference/<name>.py: the course's, imported once by path (its folder on the path for its siblings), else the
        product's `reference.<name>`; ModuleNotFoundError where neither has it."""
        if name in self._modules:
            return self._modules[name]
        path = self.reference / f"{name}.py"
        if self.is_product or not path.is_file():
            return importlib.import_module(f"reference.{name}")
        if str(self.reference) not in sys.path:
            sys.path.append(str(self.reference))
        spec = importlib.util.spec_from_file_location(f"course_reference_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self._modules[name] = module
        return module


def python_problem(exc: BaseException, path: Path) -> str:
    """'file:line: what' for a course Python file that could not be imported: its syntax error, or the line of it
    where the exception was raised."""
    if isinstance(exc, SyntaxError) and exc.filename == str(path):
        return f"{path}:{exc.lineno}: syntax error: {exc.msg}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    return f"{path}:{frames[-1].lineno if frames else 1}: importing it raised {type(exc).__name__}: {exc}"


_active = Course(PRODUCT_ROOT)


def active() -> Course:
    return _active


def use(root: str | Path) -> Course:
    """Grade the course in `root` from now on (it must hold a rubrics/ folder)."""
    global _active
    root = Path(root).resolve()
    if not (root / "rubrics").is_dir():
        raise SystemExit(f"error: {root} is not a course folder (it has no rubrics/ folder)")
    _active = Course(root)
    return _active
