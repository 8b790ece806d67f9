"""What a terminal shows of a grading run: the score table (`grade`, Gradescope's log) and a student's report (`check`).

On a terminal that takes colours, rich draws the table and renders each failing test's
markdown (bold, code blocks); piped, or with NO_COLOR set, everything is plain text.
"""
from __future__ import annotations

import os
import sys

from autograder.grading.engine import GradingRun
from autograder.grading.results import INTERNAL_ERROR


def styled() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _rows(run: GradingRun) -> list[tuple[bool, str, float, float, str, str]]:
    """(passed, title, score, points, visibility, output) of every item, then of every Python test."""
    rows = []
    for graded in run.items:
        result = run.results.get(graded.id)
        rows.append((result is not None and result.passed, graded.title, result.score if result else 0.0, graded.item.points,
                     graded.visibility, result.output if result else INTERNAL_ERROR))
    for test in run.tests:
        result = run.test_results.get(test.id)
        rows.append((result is not None and result.passed, test.title, result.score if result else 0.0, test.points,
                     test.visibility, result.output if result else INTERNAL_ERROR))
    return rows


def _failures(run: GradingRun) -> list[tuple[str, str]]:
    sheet = [("answers.yaml", run.answers[1])] if run.answers is not None and not run.answers[0] else []
    return sheet + [(title, output) for ok, title, _, _, _, output in _rows(run) if not ok]


def table(run: GradingRun, details: bool = False) -> str:
    """Plain text: one line per item, the total, notes, and (with `details`) the feedback of failures."""
    width = max([len(title) for _, title, *_ in _rows(run)] + [10])
    lines = [run.title, ""]
    lines += [f"{'PASS' if ok else 'FAIL'}  {title:<{width}}  {score:6.2f} / {points:<6.2f} {visibility}"
              for ok, title, score, points, visibility, _ in _rows(run)]
    lines += ["", f"Total: {run.score:.2f} / {run.total:.2f}  ({run.seconds:.1f} s)"]
    if run.notes:
        lines += ["", "About the submission:"] + [f"  - {n}" for n in run.notes]
    if run.problems:
        lines += ["", "Problems in the course's files:"] + [f"  {p}" for p in run.problems]
    if run.errors:
        lines += ["", f"Failed in the grader (tracebacks in results.json, for instructors): {', '.join(run.errors)}"]
    if details:
        for title, output in _failures(run):
            lines += ["", title, output]
    return "\n".join(lines)


def summary(run: GradingRun) -> list[str]:
    """A student's closing lines: the visible total, where the other points are, and a torch that differs."""
    lines = [f"Visible tests: {run.score:.2f} / {run.total:.2f} points."]
    if run.hidden_points:
        lines.append(f"{run.hidden_points:g} more points are in tests that run on Gradescope only.")
    if run.grader_torch:
        import torch

        mine = torch.__version__.split("+")[0]
        if mine != run.grader_torch.split("+")[0]:
            lines.append(f"Your torch is {mine}; the grader uses {run.grader_torch.split('+')[0]}: values may differ in the "
                         "last digits.")
    return lines


def print_report(run: GradingRun) -> None:
    """The local check's report: rendered by rich on a terminal, plain text otherwise."""
    if not styled():
        print(table(run, details=True) + "\n\n" + "\n".join(summary(run)))
        return
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.table import Table

    console = Console()
    grid = Table(title=run.title, title_style="bold", show_header=False, box=None)
    for ok, title, score, points, visibility, _ in _rows(run):
        grid.add_row("[green]PASS[/]" if ok else "[red]FAIL[/]", title, f"{score:.2f} / {points:.2f}", f"[dim]{visibility}[/]")
    console.print(grid)
    for note in run.notes:
        console.print(Markdown(f"- {note}"))
    for title, output in _failures(run):
        console.rule(f"[bold red]{title}")
        console.print(Markdown(output))
    console.print()
    for line in summary(run):
        console.print(line, style="bold", highlight=False)
