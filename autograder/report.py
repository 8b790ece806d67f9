"""Turn a grading Report into Gradescope's results.json or a terminal table."""
from __future__ import annotations

import os
import sys

from autograder import __version__
from autograder.engine import Report
from autograder.results import Results, TestResult

INTERNAL_ERROR = "The autograder could not run this test (an internal error). Please contact course staff."


def to_results(report: Report) -> Results:
    tests = []
    for graded in report.items:
        result = report.results.get(graded.id)
        points = graded.item.points
        score = result.score if result is not None else 0.0
        tests.append(TestResult(
            name=graded.title, number=graded.number, score=score, max_score=points,
            status="passed" if result is not None and result.passed else "failed",
            output=result.output if result is not None else INTERNAL_ERROR, visibility=graded.visibility,
            tags=[graded.spec.module, graded.spec.qualname, graded.item.check]))
    if report.errors:
        trace = "\n\n".join(f"{item_id}:\n{text}" for item_id, text in report.errors.items())
        tests.append(TestResult(name="Grader errors (instructors only)", number=str(len(report.items) + 1), score=0,
                                max_score=0, status="failed", output=trace, output_format="text", visibility="hidden"))
    output = f"**{report.title}**"
    if report.notes:
        output += "\n\nAbout your submission:\n\n" + "\n".join(f"- {n}" for n in report.notes)
    return Results(score=min(report.score, report.total), execution_time=round(report.seconds, 3), output=output, tests=tests,
                   extra_data={"assignment": report.assignment, "engine": __version__, "isolation": report.layers})


def _colour(code: str) -> str:
    return code if sys.stdout.isatty() and "NO_COLOR" not in os.environ else ""


def table(report: Report, details: bool = False) -> str:
    """Score table for a terminal: one line per item, then (optionally) the feedback of failures."""
    green, red, dim, bold, reset = (_colour(c) for c in ("\033[32m", "\033[31m", "\033[2m", "\033[1m", "\033[0m"))
    width = max([len(i.title) for i in report.items] + [10])
    lines = [f"{bold}{report.title}{reset}", ""]
    for graded in report.items:
        result = report.results.get(graded.id)
        ok = result is not None and result.passed
        mark = f"{green}PASS{reset}" if ok else f"{red}FAIL{reset}"
        score = result.score if result else 0.0
        lines.append(f"{mark}  {graded.title:<{width}}  {score:6.2f} / {graded.item.points:<6.2f} {dim}{graded.visibility}{reset}")
    lines += ["", f"{bold}Total: {report.score:.2f} / {report.total:.2f}{reset}  ({report.seconds:.1f} s)"]
    if report.notes:
        lines += ["", "About the submission:"] + [f"  - {n}" for n in report.notes]
    if details:
        for graded in report.items:
            result = report.results.get(graded.id)
            if result is None or not result.passed:
                lines += ["", f"{bold}{red}{graded.title}{reset}", result.output if result else INTERNAL_ERROR]
    return "\n".join(lines)
