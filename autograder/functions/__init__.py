"""What the grader knows about each graded function: how to build its inputs and read its outputs.

A `FunctionSpec` ties a student-facing function ("vae.gkl") to its reference, a pydantic
model of the case parameters an instructor may set in a rubric, a builder that turns
parameters and a seeded generator into a call, named invalid-input variants for `raises`
checks, per-output comparison rules, and named `Check`s beyond values and raises: a
property of the output, or a probe (grader code run in the worker, see `probes.py`)
that drives the student's functions and whose reference value is the same probe run
on the reference.  One module here per student module.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from pydantic import BaseModel, ConfigDict, Field


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
class Check:
    """A named check (rubric `check: <name>`) with its own inputs and verdict.

    probe:    a function of `autograder.probes`, called as probe(student, *args) in the
              worker; its expected value is probe(reference, *args) in the grader.
    judge:    judge(got, expected, call, tolerance) -> Mismatch | None, for a property;
              default: compare with the expected value.
    expected: expected(params, call) when the expected value is not computed (answers).
    """

    title: str
    params: type[CaseParams]
    build: Callable[[Any, torch.Generator], Call]
    probe: Callable[..., Any] | None = None
    judge: Callable[..., Any] | None = None
    expected: Callable[[Any, Call], Any] | None = None
    outputs: tuple[Output, ...] | None = None
    hint: str = ""


@dataclass(frozen=True)
class FunctionSpec:
    qualname: str
    reference: Callable[..., Any]
    params: type[CaseParams]
    build: Callable[[Any, torch.Generator], Call]
    invalid: dict[str, Callable[[Any, torch.Generator], Call]] = field(default_factory=dict)
    outputs: tuple[Output, ...] = (Output("result"),)
    hint: str = ""
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def module(self) -> str:
        return self.qualname.split(".")[0]

    @property
    def function(self) -> str:
        return self.qualname.split(".")[1]

    @property
    def arg_names(self) -> list[str]:
        return list(inspect.signature(self.reference).parameters)


def normal(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def uniform(gen: torch.Generator, low: float, high: float, *shape: int) -> torch.Tensor:
    return low + (high - low) * torch.rand(*shape, generator=gen, dtype=torch.float64)


def registry() -> dict[str, FunctionSpec]:
    """Every graded function by qualified name ("vae.gkl")."""
    from autograder.functions import answers, autoregressive, diffusion, divergences, flows, gan, gcn, priors, simsiam, vae

    modules = (vae, gcn, diffusion, autoregressive, gan, divergences, simsiam, flows, priors, answers)
    return {spec.qualname: spec for module in modules for spec in module.SPECS}
