"""answers.yaml: choice questions.  The rubric holds the key; the worker parses the student's file.

A case names the key, the accepted answers, and optionally the allowed values.  Answers
are compared after normalisation: case and surrounding space or parentheses do not
matter ("(B)" is "b"), and with `multiple: true` a list or a string of letters is a set
("a, b, d", "abd" and [d, a, b] are the same answer).
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import Field, model_validator

from autograder.grading import probes
from autograder.grading.compare import Mismatch
from autograder.safe_text import code
from autograder.specs.base import Call, CaseParams, Check, Comparison, FunctionSpec, Probe


class Answer(CaseParams):
    key: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$", description="Key in answers.yaml, e.g. q4_1.")
    accept: list[str | int] = Field(min_length=1, description="Every answer that earns the points (never shown to students).",
                                    json_schema_extra={"secret": True})
    choices: list[str | int] | None = Field(default=None, description="Allowed values, shown to students who answer outside them.")
    multiple: bool = Field(default=False, description="Select-all-that-apply: compare as a set of options.")

    @model_validator(mode="after")
    def _accepted_are_choices(self) -> "Answer":
        if self.choices is not None:
            allowed = {normalise(c, self.multiple) for c in self.choices}
            if not self.multiple and any(normalise(a, False) not in allowed for a in self.accept):
                raise ValueError("every accepted answer must be one of the choices")
        return self


def normalise(value: Any, multiple: bool) -> str | frozenset | None:
    """A comparable form of an answer; None when it has no sensible reading."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (list, tuple)):
        parts = [normalise(v, False) for v in value]
        return None if None in parts else frozenset(parts)
    if not isinstance(value, (str, int)):
        return None
    text = str(value).strip().lower()
    if multiple:
        tokens = [t for t in re.split(r"[\s,;/]+|\band\b", text) if t]
        if len(tokens) == 1 and re.fullmatch(r"\(?[a-z]+\)?", tokens[0]) and len(tokens[0].strip("()")) <= 8:
            tokens = list(tokens[0].strip("()"))                                  # "abd" -> a, b, d
        return frozenset(t.strip("()") for t in tokens)
    return re.sub(r"\s+", " ", text.strip("()").strip())


def allowed(value: Any, case: Any) -> bool:
    """Whether a normalised answer is among the case's choices (an Answer, or a handout's AnswerKey)."""
    choices = {normalise(c, case.multiple) for c in case.choices or ()}
    if case.multiple:
        return isinstance(value, frozenset) and value <= set().union(*choices)
    return value in choices


def judge(got: Any, expected: Answer, call: Call, comparison: Comparison) -> Mismatch | None:
    """Accept when the normalised answer is one of the accepted ones; never reveal which those are."""
    if got is None:
        return Mismatch(f"not answered yet: `{expected.key}` has no value in answers.yaml", public=True)
    mine = normalise(got, expected.multiple)
    if mine is not None and mine in {normalise(a, expected.multiple) for a in expected.accept}:
        return None
    if expected.choices is not None and not allowed(mine, expected):
        values = ", ".join(str(c) for c in expected.choices)
        summary = f"the answer to `{expected.key}` is not one of the allowed values ({values})"
        return Mismatch(summary, f"you answered {code(repr(got))}: {summary}", public=True)
    return Mismatch("incorrect answer", f"you answered {code(repr(got))}")


def _key(p: Answer, gen: Any) -> Call:
    return Call((p.key,))


SPECS = (
    FunctionSpec("answers.choice", None, Answer, _key,           # no reference: the rubric holds the key
                 hint="Write your answer in answers.yaml as `key: value`, e.g. `q4_1: b`.",
                 checks={"values": Check("answer in answers.yaml", Answer, _key, run=Probe(probes.answer), judge=judge,
                                         expected=lambda p, call: p)}),
)
