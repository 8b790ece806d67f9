"""A course's Python tests (`tests/test_*.py`), written as Gradescope instructors write them, graded by the engine.

Each `test_*` function of those files is one test on Gradescope.  Its points, number,
visibility, partial credit and leaderboard column come from the real gradescope-utils
decorators (`weight`, `number`, `visibility`, `partial_credit`, `leaderboard`, `hide_errors`,
`tags`); it calls the student's code through `autograder.instructor.student` (each call a
call into the sandboxed worker) and computes expected values here, in the grader.  A test passes when it returns,
fails on an assertion (with its got/expected/where), on a call that timed out, crashed or
raised (with the message a rubric item gives), and is an instructors' problem when it raises
anything else.  Tests run in the phase of their visibility, on the same worker as the items.

Loading checks the decorators (a weight that is not a number, an unknown visibility, a
leaderboard order that is not asc or desc) and reports a file that does not import, each
problem as `file:line: test: message`.
"""
from __future__ import annotations

import ast
import importlib.util
import inspect
import textwrap
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from autograder import instructor
from autograder.course import python_problem
from autograder.grading.render import WHEN_SHOWN
from autograder.grading.sides import StudentFailed, StudentSide
from autograder.safe_text import fence

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
SETTERS = ("set_score", "set_leaderboard_value")     # keyword arguments partial_credit and leaderboard pass in
OWN_ERROR = "This test could not run: an error in the course's own test, not in your code. Course staff have the details."


@dataclass(frozen=True)
class PythonTest:
    id: str                         # "tests/test_score.py::test_dsm_loss"
    function: Callable[..., Any]
    title: str
    number: str | None
    points: float
    visibility: str
    leaderboard: tuple[str, str] | None = None      # (column, order)
    uses: frozenset[tuple[str, str]] = frozenset()  # (module, function) of every `student.<module>.<function>` it names
    hide_errors: str | None = None                  # @hide_errors: what a failure shows instead of its details
    tags: tuple[str, ...] = ()


@dataclass
class PythonTestResult:
    test: PythonTest
    score: float
    output: str
    passed: bool
    leaderboard_value: Any = None
    error: str = ""                 # 'file:line: test: raised ...' where the course's own test broke (instructors only)


@dataclass
class Collection:
    tests: list[PythonTest] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)   # `file:line: test: message`


def _load(path: Path, problems: list[str]) -> Any:
    spec = importlib.util.spec_from_file_location(f"course_test_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - the course's own file fails to import
        problems.append(python_problem(exc, path))
        return None
    return module


def _problem(path: Path, function: Callable[..., Any]) -> Callable[[str], str]:
    line = inspect.unwrap(function).__code__.co_firstlineno
    return lambda message: f"{path}:{line}: {function.__name__}: {message}"


def _student_calls(function: Callable[..., Any]) -> frozenset[tuple[str, str]]:
    """(module, function) of each `student.<module>.<function>` in the test's source."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(function))))
    except (OSError, SyntaxError):
        return frozenset()
    return frozenset((n.value.attr, n.attr) for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                     and isinstance(n.value, ast.Attribute) and isinstance(n.value.value, ast.Name) and n.value.value.id == "student")


def collect(paths: list[Path], root: Path) -> Collection:
    """The tests of `paths`, with every problem found in them."""
    found = Collection()
    for path in paths:
        module = _load(path, found.problems)
        if module is None:
            continue
        for name, function in vars(module).items():
            if not (name.startswith("test_") and inspect.isfunction(function)):
                continue
            problem = _problem(path, function)
            weight = getattr(function, "__weight__", 0.0)
            visibility = getattr(function, "__visibility__", "visible")
            order = getattr(function, "__leaderboard_sort_order__", "desc")
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
                found.problems.append(problem(f"@weight({weight!r}): points are a number >= 0"))
                continue
            if visibility not in VISIBILITIES:
                found.problems.append(problem(f"@visibility({visibility!r}): one of {', '.join(VISIBILITIES)}"))
                continue
            if order not in ("asc", "desc"):
                found.problems.append(problem(f"@leaderboard(..., sort_order={order!r}): asc or desc"))
                continue
            required = [p for p in inspect.signature(function).parameters.values() if p.default is p.empty
                        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name not in SETTERS]
            if required:
                found.problems.append(problem(f"a test takes no arguments (it has {', '.join(p.name for p in required)})"))
                continue
            column = getattr(function, "__leaderboard_column__", None)
            doc = (inspect.getdoc(function) or "").split("\n", 1)[0]
            found.tests.append(PythonTest(
                f"{path.relative_to(root)}::{name}", function, doc or name.removeprefix("test_").replace("_", " "),
                getattr(function, "__number__", None), float(weight), visibility, (column, order) if column else None,
                _student_calls(function), getattr(function, "__hide_errors__", None),
                tuple(map(str, getattr(function, "__tags__", ())))))
    return found


def _layers(function: Callable[..., Any]) -> list[Callable[..., Any]]:
    """The decorated function and each function it wraps (functools.wraps' `__wrapped__` chain)."""
    out = [function]
    while hasattr(out[-1], "__wrapped__") and len(out) < 32:
        out.append(out[-1].__wrapped__)
    return out


def _set_by_test(function: Callable[..., Any], attribute: str) -> Any:
    """What the test passed to set_score or set_leaderboard_value: gradescope-utils stores it on its own wrapper,
    which other decorators may wrap in turn."""
    return next((layer.__dict__[attribute] for layer in _layers(function) if attribute in layer.__dict__), None)


def _own_error(test: PythonTest, exc: Exception) -> str:
    """'file:line: test: raised X: message', at the deepest line of the test's own file (for instructors)."""
    source = inspect.getsourcefile(inspect.unwrap(test.function))
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == source]
    line = frames[-1].lineno if frames else inspect.unwrap(test.function).__code__.co_firstlineno
    return f"{source}:{line}: {test.id.split('::')[1]}: raised {type(exc).__name__}: {exc}"


def run(test: PythonTest, client: Any, deadline: float, per_call_s: float) -> PythonTestResult:
    """Run one test with the student's functions on `client`'s worker, each call at most `per_call_s` seconds."""
    from autograder.grading.runner import describe_failure
    from autograder.specs.registry import registry

    specs = registry()
    side = StudentSide(client, deadline, lambda q: specs[q].arg_names if q in specs else [], per_call_s=per_call_s)
    for layer in _layers(test.function):          # what an earlier run of this test set (batch grades many)
        for attribute in ("__score__", "__leaderboard_value__"):
            layer.__dict__.pop(attribute, None)
    token = instructor._side.set(side)
    error, outcome_text, public = "", "", ""    # public: what a hidden test may say (it depends on the submission alone)
    try:
        test.function()
        passed = True
    except instructor.CheckFailed as failed:
        passed, outcome_text = False, failed.mismatch.detail or failed.mismatch.summary
        public = failed.mismatch.summary if failed.mismatch.public else ""
    except AssertionError as failed:
        passed, outcome_text = False, str(failed) or "an assertion of the test failed"
    except StudentFailed as failed:
        case = describe_failure(failed, per_call_s)
        passed, outcome_text = False, "\n\n".join(part for part in (case.summary, case.block) if part)
        public = case.summary if case.public else ""
    except Exception as exc:  # noqa: BLE001 - the course's test itself is broken: its problem, not the student's
        passed, error = False, _own_error(test, exc)
    finally:
        instructor._side.reset(token)
    score = _set_by_test(test.function, "__score__")
    score = (test.points if passed else 0.0) if score is None else min(max(float(score), 0.0), test.points)
    printed = side.stdout
    if error:
        output = OWN_ERROR
    elif test.visibility != "visible":
        output = f"{'Passed' if passed else 'Failed'} ({WHEN_SHOWN[test.visibility]})" + (f"\n\n{public}" if public else "")
    else:
        output = "Passed." if passed else "Failed: " + (test.hide_errors or outcome_text)
        if printed.strip() and not (test.hide_errors and not passed):
            output += "\n\nYour code printed:\n\n" + fence(printed, 2000)
    return PythonTestResult(test, round(score, 6), output, passed and not error,
                            _set_by_test(test.function, "__leaderboard_value__"), error)
