"""Where a check's functions come from (`specs.base.Side`): the reference, or the student's code in the worker.

A check's `run(side, call)` always runs in the grader.  With a `ReferenceSide` its functions
are the reference's (some possibly replaced by known wrong answers), and the side records
which were used, in order.  With a `StudentSide` each function is a call into the worker,
under the case's deadline: its result comes back over the wire as a plain value, and a call
that gives none (an error, a timeout, a crash, an input modified in place, a value that
cannot be graded, a draw from a global random generator) raises `StudentFailed` with what
the grader observed.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from autograder.sandbox.client import CallOutcome, WorkerClient


class ReferenceSide:
    def __init__(self, override: dict[str, Callable[..., Any]] | None = None):
        self.override, self.used = override or {}, []

    def function(self, qualname: str) -> Callable[..., Any]:
        self.used.append(qualname)
        if qualname in self.override:
            return self.override[qualname]
        from autograder import course
        from autograder.specs.registry import registry

        spec = registry().get(qualname)
        if spec is not None:
            return spec.reference
        module, name = qualname.split(".")
        return getattr(course.active().reference_module(module), name)   # a function only a course's test calls

    def answer(self, key: str) -> Any:
        raise LookupError("answers have no reference implementation; the rubric holds the key")


class StudentFailed(Exception):
    """A call into the student's code gave no value to use: `outcome` says why, for the function `qualname`;
    `changed` names the inputs it modified in place; `outcome.drew` the global random generators it drew from."""

    def __init__(self, outcome: CallOutcome, qualname: str, changed: list[str] = ()):
        super().__init__(qualname)
        self.outcome, self.qualname, self.changed = outcome, qualname, list(changed)


class StudentSide:
    """The student's functions, called from the grader; `arg_names(qualname)` names their positional arguments.

    Every call ends by `deadline`, and (where given) within `per_call_s` seconds of its start.
    """

    def __init__(self, client: WorkerClient, deadline: float, arg_names: Callable[[str], list[str]],
                 per_call_s: float | None = None):
        self.client, self.deadline, self.arg_names, self.per_call_s = client, deadline, arg_names, per_call_s
        self.outcomes: list[CallOutcome] = []

    def function(self, qualname: str) -> Callable[..., Any]:
        module, name = qualname.split(".")

        def call(*args: Any, **kwargs: Any) -> Any:
            remaining = max(self.deadline - time.monotonic(), 0.0)
            outcome = self.client.call(module, name, args, kwargs, min(remaining, self.per_call_s or remaining))
            self.outcomes.append(outcome)
            if outcome.changed:
                names = self.arg_names(qualname)
                labels = [names[i] if i < len(names) else f"argument {i + 1}" for i in range(len(args))] + list(kwargs)
                raise StudentFailed(outcome, qualname, [labels[i] for i in outcome.changed])
            if outcome.status != "ok" or outcome.drew or (isinstance(outcome.result, dict) and "_bad" in outcome.result):
                raise StudentFailed(outcome, qualname)
            return outcome.result
        return call

    def answer(self, key: str) -> Any:
        found = self.client.answers()
        if isinstance(found, CallOutcome):
            raise StudentFailed(found, "answers.choice")
        if key not in found:
            raise StudentFailed(CallOutcome("error", kind="missing_function", message=key), "answers.choice")
        return found[key]

    @property
    def stdout(self) -> str:
        return "".join(o.stdout for o in self.outcomes)
