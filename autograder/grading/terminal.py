"""The score table a terminal shows for a grading run (`grade`, `check`)."""
from __future__ import annotations

import os
import sys

from autograder.grading.engine import GradingRun
from autograder.grading.results import INTERNAL_ERROR


def _colour(code: str) -> str:
    return code if sys.stdout.isatty() and "NO_COLOR" not in os.environ else ""


def table(report: GradingRun, details: bool = False) -> str:
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
