"""The grader's `side` for checks: the reference functions, some possibly replaced by known wrong answers.

A check's `run(side, call)` takes its functions from a side (`specs.base.Side`).  In the
worker the side is the student's code; in the grader it is a `ReferenceSide`, which also
records which functions were used, in order.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable


class ReferenceSide:
    def __init__(self, override: dict[str, Callable[..., Any]] | None = None):
        self.override, self.used = override or {}, []

    def function(self, qualname: str) -> Callable[..., Any]:
        self.used.append(qualname)
        if qualname in self.override:
            return self.override[qualname]
        module, name = qualname.split(".")
        return getattr(importlib.import_module(f"reference.{module}"), name)

    def answer(self, key: str) -> Any:
        raise LookupError("answers have no reference implementation; the rubric holds the key")
