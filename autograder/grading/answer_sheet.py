"""answers.yaml as a whole, checked before any answer is graded: a report the student sees at once.

From the assignment's choice questions (their keys and allowed values, never the accepted
answers) and what the worker read from the file: whether it parses (with its line), keys
that are no question (with did-you-mean), values outside a question's choices, and
questions not answered yet.  On Gradescope it is a visible test worth 0 points, whatever
the answer items' own visibility; `check` prints it too.
"""
from __future__ import annotations

import difflib
from typing import Any

from autograder.grading.rubric import AnswerKey, GradedItem, Rubric
from autograder.safe_text import code, fence
from autograder.sandbox.client import CallOutcome
from autograder.specs.answers import allowed, normalise


def keys(rubric: Rubric, items: list[GradedItem]) -> list[AnswerKey]:
    """The assignment's choice questions: from its answer items, or (a handout) from what `build` wrote down."""
    found = [AnswerKey(key=g.cases[0][0].key, question=g.title, choices=g.cases[0][0].choices, multiple=g.cases[0][0].multiple)
             for g in items if g.spec.module == "answers"]
    return found or (list(rubric.handout.answers) if rubric.handout else [])


def report(read: dict[str, Any] | CallOutcome, questions: list[AnswerKey]) -> tuple[bool, str]:
    """(no problem, the report in markdown) for what was read from answers.yaml."""
    if isinstance(read, CallOutcome):
        if read.kind == "missing_module":
            return False, ("`answers.yaml` was not found in your submission; it answers "
                           + ", ".join(code(q.key) for q in questions) + ".")
        return False, "`answers.yaml` could not be read:\n\n" + fence(read.message or read.kind)
    problems = []
    known = {q.key: q for q in questions}
    for key, value in read.items():
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            problems.append(f"{code(key)} is not a question of this assignment" + (f"; did you mean {code(close[0])}?" if close else "."))
        elif value is not None and known[key].choices and not allowed(normalise(value, known[key].multiple), known[key]):
            problems.append(f"{code(key)}: {code(repr(value))} is not one of the allowed values "
                            f"({', '.join(str(c) for c in known[key].choices)}).")
    unanswered = [q.key for q in questions if read.get(q.key) is None]
    if unanswered:
        problems.append("not answered yet: " + ", ".join(code(k) for k in unanswered) + ".")
    if problems:
        return False, "Problems in `answers.yaml` (no answer is graded here; this is a check of the file):\n\n" + \
            "\n".join(f"- {p}" for p in problems)
    return True, f"`answers.yaml` answers all {len(questions)} questions with allowed values."
