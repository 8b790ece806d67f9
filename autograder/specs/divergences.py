"""Inputs for divergences.py: critic values T on samples of p and q, including ones where exp(T) overflows."""
from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from autograder.grading import probes
from autograder.specs.base import Call, CaseParams, Check, FunctionSpec, Probe, Output, normal
from autograder.specs.regimes import size_one, Regime
from autograder.grading.properties import ordered_pair
from reference import divergences


class Critic(CaseParams):
    n_p: int = Field(default=16, ge=1)
    n_q: int = Field(default=12, ge=1)
    scale: float = Field(default=1.0, ge=0)
    offset: float = Field(default=0.0, description="Added to every T; 1000 overflows a naive exp, -1000 underflows it.")
    invalid: Literal["empty"] | None = None


def _critic(p: Critic, gen: torch.Generator) -> Call:
    return Call((p.offset + p.scale * normal(gen, p.n_p), p.offset + p.scale * normal(gen, p.n_q)))


_EMPTY = {"empty": lambda p, gen: Call((normal(gen, 0), normal(gen, p.n_q)))}
_CRITIC_REGIMES = (size_one("t_q", 0, "one sample of q"),
                   Regime("t_p and t_q of different sizes", lambda a: len(a["t_p"]) != len(a["t_q"])))

SPECS = (
    FunctionSpec("divergences.kl_dual_r1", divergences.kl_dual_r1, Critic, _critic, _EMPTY,
                 hint="R1[T] = mean(t_p) - mean(exp(t_q - 1)): note the minus sign (lost in the homework's text) and the -1.",
                 regimes=_CRITIC_REGIMES),
    FunctionSpec("divergences.kl_dual_r2", divergences.kl_dual_r2, Critic, _critic, _EMPTY,
                 hint="R2[T] = mean(t_p) - log mean(exp(t_q)); compute log mean exp as torch.logsumexp(t_q, 0) - log n, "
                      "or exp overflows for large T.",
                 checks={"r1_le_r2": Check("R1[T] <= R2[T] on the same critic values", Critic, _critic, run=Probe(probes.kl_duals),
                                           judge=ordered_pair, outputs=(Output("R1"), Output("R2")),
                                           hint="R2 - R1 = m/e - log m >= 0 with m = E_q[e^T]: R1 never exceeds R2.")},
                 regimes=_CRITIC_REGIMES),
)
