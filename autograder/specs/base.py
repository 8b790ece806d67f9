"""The types every function spec is made of: case parameters, calls, outputs, tolerances, checks.

A `FunctionSpec` ties a student-facing function ("vae.gkl") to its reference, a pydantic
model of the case parameters an instructor may set in a rubric, a builder that turns
parameters and a seeded generator into a call, named invalid-input variants, per-output
comparison rules, and its `checks`: every way a rubric item may grade it.  Each check is
a `Check`: `values` (match the reference) and `raises` (ValueError on an invalid variant)
exist for every function (`raises` where it has invalid variants); named checks add a
property of the output, or a probe (`autograder.grading.probes`: grader code that drives
several of the student's functions, each call crossing the wire) whose expected value is
the same probe run on the reference.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Protocol

import torch
from pydantic import BaseModel, ConfigDict, Field

from autograder.grading.compare import compare_value
from autograder.specs.regimes import Regime


class Tolerance(BaseModel):
    """|got - expected| <= atol + rtol * |expected|, elementwise, in float64."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rtol: float = Field(default=1e-5, ge=0)
    atol: float = Field(default=1e-6, ge=0)


class CaseParams(BaseModel):
    """Parameters common to every case; each function adds its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int | None = Field(default=None, description="Seed for this case; derived from the rubric seed when omitted.")
    repeat: int = Field(default=1, ge=1, le=100, description="Run this case this many times with different seeds.")
    invalid: str | None = Field(default=None, description="Name of an invalid-input variant (for `raises` checks).")


@dataclass(frozen=True)
class Call:
    """Positional and keyword arguments of one call."""

    args: tuple
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Output:
    """How to compare one returned tensor.

    `broadcast_to` names the output whose shape it may broadcast to; `show(got, expected)`
    renders a failing value for visible feedback (a receptive field as a grid).
    """

    name: str
    broadcast_to: int | None = None
    show: Callable[[torch.Tensor, torch.Tensor], str] | None = None


@dataclass(frozen=True)
class Comparison:
    """How one item compares values: its tolerance, its check's outputs, and (`only`) the one output it grades."""

    tolerance: Tolerance
    outputs: tuple[Output, ...]
    only: int | None = None


Builder = Callable[[Any, torch.Generator], Call]


@dataclass(frozen=True)
class Misconception:
    """A known mistake: `wrong` takes the graded function's arguments and returns what a student holding it returns."""

    name: str
    wrong: Callable[..., Any]
    hint: str


class Side(Protocol):
    """Where a check's functions come from: the reference, or the student's code (called in the worker)."""

    def function(self, qualname: str) -> Callable[..., Any]: ...

    def answer(self, key: str) -> Any: ...


@dataclass(frozen=True)
class Direct:
    """A check's value is the function itself called on the case's arguments."""

    qualname: str

    def __call__(self, side: Side, call: Call) -> Any:
        return side.function(self.qualname)(*call.args, **call.kwargs)

    def uses(self, call: Call) -> list[str]:
        return [self.qualname]


@dataclass(frozen=True)
class Probe:
    """A check's value is grader code that drives the functions of `side` (`autograder.grading.probes`)."""

    function: Callable[..., Any]

    def __call__(self, side: Side, call: Call) -> Any:
        return self.function(side, *call.args, **call.kwargs)

    def uses(self, call: Call) -> list[str]:
        """The functions it calls, in first-call order, as the probe declares them (`probes.drives`)."""
        return list(self.function.drives)


Judge = Callable[[Any, Any, Call, Comparison], Any]           # (got, expected, call, comparison) -> Mismatch | None


@dataclass(frozen=True)
class Check:
    """One way to grade a function (rubric `check: <name>`): its inputs, what is judged, and how.

    build:    the case's call from its parameters and a seeded generator.
    run:      what is judged: `Direct` (the function itself) or a `Probe`; run(side, call), in the
              grader, gives the expected value on the reference and the student's value through
              calls into the worker.
    judge:    judge(got, expected, call, comparison) -> Mismatch | None (default: compare with
              the expected value).
    raises:   the check passes when the call raises ValueError (there is no value to judge).
    expected: expected(params, call), where the expected value is not run on the reference
              (an answer key lives in the rubric).

    A spec completes its checks: `name` from its key, `run` (Direct), `outputs` and `hint`
    from the spec where they are left out.
    """

    title: str
    params: type[CaseParams]
    build: Builder
    run: Direct | Probe | None = None
    judge: Judge = compare_value
    outputs: tuple[Output, ...] | None = None
    hint: str = ""
    expected: Callable[[Any, Call], Any] | None = None
    raises: bool = False
    name: str = ""

    def problem(self, params: CaseParams, invalid: dict[str, Builder]) -> str | None:
        """Why these case parameters cannot be used with this check (None when they can)."""
        if self.raises and params.invalid is None:
            return "a raises check needs an invalid variant, one of " + ", ".join(invalid)
        if not self.raises and params.invalid is not None:
            return "only raises checks take invalid cases"
        return None


@dataclass(frozen=True)
class FunctionSpec:
    """A graded function and every check a rubric may grade it with (see the module docstring).

    `checks` as given holds the named checks; `values` (and `raises`, where there are invalid
    variants) are added unless given, so afterwards `checks` lists every check of the function,
    each complete.
    """

    qualname: str
    reference: Callable[..., Any] | None
    params: type[CaseParams]
    build: Builder
    invalid: dict[str, Builder] = field(default_factory=dict)
    outputs: tuple[Output, ...] = (Output("result"),)
    hint: str = ""
    checks: dict[str, Check] = field(default_factory=dict)
    tolerance: Tolerance | None = None                     # where an item sets none (before the rubric's default)
    mistakes: tuple[Misconception, ...] = ()
    arguments: tuple[str, ...] = ()                        # the arguments' names, where the reference's signature lacks them
    regimes: tuple[Regime, ...] = ()                       # what the cases must reach (`specs.regimes`, measured by `audit`)

    def __post_init__(self) -> None:
        given = {"values": Check("values", self.params, self.build)}
        if self.invalid:
            given["raises"] = Check("raises ValueError on invalid input", self.params, self._invalid_call, raises=True)
        given |= self.checks
        object.__setattr__(self, "checks", {
            name: replace(check, name=name, run=check.run or Direct(self.qualname), outputs=check.outputs or self.outputs,
                          hint=check.hint or self.hint)
            for name, check in given.items()})

    def _invalid_call(self, params: CaseParams, gen: torch.Generator) -> Call:
        return self.invalid[params.invalid](params, gen)

    @property
    def module(self) -> str:
        return self.qualname.split(".")[0]

    @property
    def function(self) -> str:
        return self.qualname.split(".")[1]

    @property
    def arg_names(self) -> list[str]:
        if self.arguments:
            return list(self.arguments)
        return list(inspect.signature(self.reference).parameters) if self.reference else []


def normal(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def uniform(gen: torch.Generator, low: float, high: float, *shape: int) -> torch.Tensor:
    return low + (high - low) * torch.rand(*shape, generator=gen, dtype=torch.float64)
