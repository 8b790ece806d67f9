"""The verdicts of grading: one per case, one per item (what `runner` produces and `render` and `results` read)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autograder.grading.rubric import GradedItem
from autograder.sandbox.client import CallOutcome
from autograder.specs.base import Call

# The module or function cannot be used at all (grader facts, or what an import showed): every case fails alike.
MODULE_LEVEL = ("missing_module", "missing_function", "not_implemented", "syntax_error", "import_error", "import_timeout",
                "import_crashed", "import_protocol", "import_disk", "import_unavailable")


@dataclass
class CaseResult:
    """The verdict on one case.

    `summary` is safe in hidden tests only when `public` (it depends on the submission alone);
    `detail` (shown after the case's name) and `block` (shown below it, e.g. a traceback or a
    grid) are for visible tests only.
    """

    passed: bool
    summary: str = ""
    detail: str = ""
    block: str = ""
    call: Call | None = None
    expected: Any = None
    outcome: CallOutcome | None = None
    misconception: str | None = None
    public: bool = False

    @property
    def module_level(self) -> bool:
        """The module or function could not be used at all: every other case fails the same way."""
        return self.outcome is not None and self.outcome.status == "error" and self.outcome.kind in MODULE_LEVEL


@dataclass
class ItemResult:
    graded: GradedItem
    score: float
    cases: list[CaseResult] = field(default_factory=list)
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.score >= self.graded.item.points and all(c.passed for c in self.cases)
