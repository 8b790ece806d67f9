"""results.json as Gradescope reads it: pydantic models, a grading run converted to them, a write that
cannot fail, and the crash fallback.

Writing cleans every string (valid UTF-8, no NUL, outputs cut at MAX_OUTPUT) and replaces the
file atomically; if the results cannot be serialised all the same, a last-resort file still
records the score and every test's points.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from autograder import __version__
from autograder.safe_text import clean

if TYPE_CHECKING:
    from autograder.grading.engine import GradingRun

Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]
MAX_OUTPUT = 100_000   # Gradescope cuts output fields here; we cut first so the cut is ours
INTERNAL_ERROR = "The autograder could not run this test (an internal error). Please contact course staff."
STAFF_MESSAGE = "The autograder failed while grading your submission. Please contact course staff; this is not your fault."
LAST_RESORT = "Your submission was graded, but its feedback could not be written out; the scores stand. Course staff can regrade it for the feedback."


def _cleaned(value: Any) -> Any:
    """Every string of a JSON tree valid UTF-8, NUL-free and at most MAX_OUTPUT characters."""
    if isinstance(value, str):
        text = clean(value)
        return text if len(text) <= MAX_OUTPUT else text[: MAX_OUTPUT - 20] + "\n[... output cut]"
    if isinstance(value, dict):
        return {_cleaned(str(k)): _cleaned(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_cleaned(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class TestResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    number: str
    score: float = Field(ge=0)
    max_score: float = Field(ge=0)
    status: Literal["passed", "failed"]
    output: str = ""
    output_format: Literal["text", "html", "simple_format", "md", "ansi"] = "md"
    visibility: Visibility = "visible"
    tags: list[str] = []
    extra_data: dict[str, Any] = {}


class LeaderboardEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    value: float | int | str
    order: Literal["asc", "desc"] = "desc"


class Results(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: float = Field(ge=0)
    execution_time: float = Field(ge=0)
    output: str = ""
    output_format: Literal["text", "html", "simple_format", "md", "ansi"] = "md"
    test_output_format: Literal["text", "html", "simple_format", "md", "ansi"] = "md"
    visibility: Visibility = "visible"
    stdout_visibility: Visibility = "hidden"
    extra_data: dict[str, Any] = {}
    tests: list[TestResult] = []
    leaderboard: list[LeaderboardEntry] = []

    def write(self, path: str | Path) -> None:
        """Write atomically (temp file + os.replace) so a reader never sees half a file, whatever the results hold."""
        try:
            text = json.dumps(_cleaned(self.model_dump(mode="python")), indent=2, ensure_ascii=False, allow_nan=False)
        except Exception:  # noqa: BLE001 - the last resort: what was graded, without the words
            text = self.last_resort()
        _replace(Path(path), text)

    def last_resort(self) -> str:
        """The score and each test's points, names and numbers only in ASCII: JSON that cannot fail to serialise."""
        def number(value: Any) -> float:
            return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0.0

        tests = [{"name": str(t.name).encode("ascii", "replace").decode()[:200], "number": str(t.number)[:20],
                  "score": number(t.score), "max_score": number(t.max_score), "status": t.status if t.status in ("passed", "failed") else "failed"}
                 for t in self.tests]
        return json.dumps({"score": number(self.score), "execution_time": number(self.execution_time), "output": LAST_RESORT,
                           "tests": tests}, indent=2)


def _replace(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def crashed(trace: str, seconds: float = 0.0, title: str = "Autograder traceback (instructors only)") -> Results:
    """What a student sees when the grader itself fails: a visible apology, and for instructors `trace` (a traceback,
    or the problems of the course's files) under `title`."""
    return Results(score=0, execution_time=seconds, output=STAFF_MESSAGE, tests=[
        TestResult(name="Autograder failed, contact course staff", number="0.1", score=0, max_score=0, status="failed",
                   output=STAFF_MESSAGE, output_format="text"),
        TestResult(name=title, number="0.2", score=0, max_score=0, status="failed",
                   output=trace, output_format="text", visibility="hidden"),
    ])



def to_results(report: GradingRun) -> Results:
    """One test per rubric item (in rubric order), then one per course Python test, the answers.yaml check, and
    instructors-only entries for what failed in the grader and for course files that could not be used."""
    tests = []
    for graded in report.items:
        result = report.results.get(graded.id)
        points = graded.item.points
        score = result.score if result is not None else 0.0
        tests.append(TestResult(
            name=graded.title, number=graded.number, score=score, max_score=points,
            status="passed" if result is not None and result.passed else "failed",
            output=result.output if result is not None else INTERNAL_ERROR, visibility=graded.visibility,
            tags=[graded.spec.module, graded.spec.qualname, graded.check.name]))
    leaderboard = []
    for index, test in enumerate(report.tests, len(report.items) + 1):
        result = report.test_results.get(test.id)
        tests.append(TestResult(
            name=test.title, number=test.number or str(index), score=result.score if result else 0.0, max_score=test.points,
            status="passed" if result is not None and result.passed else "failed",
            output=result.output if result is not None else INTERNAL_ERROR, visibility=test.visibility,
            tags=["python test", *test.tags]))
        if test.leaderboard and result is not None and isinstance(result.leaderboard_value, (int, float, str)) \
                and not isinstance(result.leaderboard_value, bool):
            leaderboard.append(LeaderboardEntry(name=test.leaderboard[0], value=result.leaderboard_value, order=test.leaderboard[1]))
    if report.answers is not None:               # listed after the items; its number shows it first on Gradescope
        ok, text = report.answers
        tests.append(TestResult(name="answers.yaml (a check of the file, 0 points)", number="0", score=0, max_score=0,
                                status="passed" if ok else "failed", output=text, visibility="visible"))
    instructors = [("Grader errors (instructors only)", "\n\n".join(f"{item_id}:\n{text}" for item_id, text in report.errors.items())),
                   ("Problems in the course's files (instructors only)", "\n".join(report.problems))]
    for name, text in instructors:
        if text:
            tests.append(TestResult(name=name, number=str(len(tests) + 1), score=0, max_score=0, status="failed", output=text,
                                    output_format="text", visibility="hidden"))
    output = f"**{report.title}**"
    if report.notes:
        output += "\n\nAbout your submission:\n\n" + "\n".join(f"- {n}" for n in report.notes)
    return Results(score=min(report.score, report.total), execution_time=round(report.seconds, 3), output=output, tests=tests,
                   leaderboard=leaderboard, extra_data={"assignment": report.assignment, "engine": __version__,
                                                        "isolation": report.layers})
