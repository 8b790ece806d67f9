"""Inputs for diffusion.py: linear beta schedules, 1-based t as an int or a (B,) LongTensor."""
from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from autograder.functions import Call, CaseParams, FunctionSpec, Output, normal

from reference import diffusion

TChoice = int | Literal["batched", "last"]


class Schedule(CaseParams):
    T: int = Field(default=10, ge=1)
    beta_start: float = Field(default=0.05, gt=0, lt=1)
    beta_end: float = Field(default=0.3, gt=0, lt=1)
    batch: int = Field(default=4, ge=1)
    dim: int = Field(default=3, ge=1)
    t: TChoice = Field(default="batched", description="An int, 'last' (= T), or 'batched' (a random LongTensor of shape (batch,)).")
    invalid: Literal["beta_one", "beta_zero", "beta_negative", "betas_2d", "t_too_large", "t_negative", "t_float"] | None = None


def betas(p: Schedule) -> torch.Tensor:
    return torch.linspace(p.beta_start, p.beta_end, p.T, dtype=torch.float64)


def pick_t(p: Schedule, gen: torch.Generator, low: int = 0) -> int | torch.Tensor:
    if p.t == "batched":
        return torch.randint(low, p.T + 1, (p.batch,), generator=gen)
    return p.T if p.t == "last" else p.t


def _bad_betas(kind: str, p: Schedule) -> torch.Tensor:
    b = betas(p).clone()
    if kind == "betas_2d":
        return b.unsqueeze(0)
    b[-1] = {"beta_one": 1.0, "beta_zero": 0.0, "beta_negative": -0.1}[kind]
    return b


def _alpha_bars(p: Schedule, gen: torch.Generator) -> Call:
    return Call((betas(p),))


def _q_sample(p: Schedule, gen: torch.Generator) -> Call:
    return Call((normal(gen, p.batch, p.dim), pick_t(p, gen), betas(p), normal(gen, p.batch, p.dim)))


def _q_sample_bad(kind: str):
    def build(p: Schedule, gen: torch.Generator) -> Call:
        x0, t, b, eps = _q_sample(p, gen).args
        if kind.startswith("beta"):
            b = _bad_betas(kind, p)
        else:
            t = {"t_too_large": p.T + 1, "t_negative": -1, "t_float": 1.5}[kind]
        return Call((x0, t, b, eps))
    return build


class ConstantBeta(CaseParams):
    beta: float = Field(default=0.1, gt=0, lt=1)
    batch: int = Field(default=4, ge=1)
    dim: int = Field(default=3, ge=1)
    t: int | Literal["batched"] = Field(default="batched", description="An int >= 0, or 'batched' (t in 0..max_t per sample).")
    max_t: int = Field(default=50, ge=0)
    invalid: Literal["beta_one", "beta_zero", "t_negative"] | None = None


def _constant(p: ConstantBeta, gen: torch.Generator, beta: float | None = None, t: int | None = None) -> Call:
    t_value = torch.randint(0, p.max_t + 1, (p.batch,), generator=gen) if p.t == "batched" else p.t
    return Call((normal(gen, p.batch, p.dim), t_value if t is None else t, p.beta if beta is None else beta))


_T_HINT = "t is 1-based with alpha_bar_0 = 1; a LongTensor t of shape (B,) picks one alpha_bar per sample (reshape it to broadcast)."

SPECS = (
    FunctionSpec("diffusion.alpha_bars", diffusion.alpha_bars, Schedule, _alpha_bars,
                 {k: (lambda kind: lambda p, gen: Call((_bad_betas(kind, p),)))(k)
                  for k in ("beta_one", "beta_zero", "beta_negative", "betas_2d")},
                 hint="Return T + 1 values: alpha_bars[0] = 1 and alpha_bars[t] = prod_{s=1}^{t} (1 - beta_s)."),
    FunctionSpec("diffusion.q_sample", diffusion.q_sample, Schedule, _q_sample,
                 {k: _q_sample_bad(k) for k in ("beta_one", "beta_zero", "t_too_large", "t_negative", "t_float")},
                 hint="x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps. " + _T_HINT),
    FunctionSpec("diffusion.constant_beta_marginal", diffusion.constant_beta_marginal, ConstantBeta, _constant,
                 {"beta_one": lambda p, gen: _constant(p, gen, beta=1.0), "beta_zero": lambda p, gen: _constant(p, gen, beta=0.0),
                  "t_negative": lambda p, gen: _constant(p, gen, t=-1)},
                 outputs=(Output("mean"), Output("var", broadcast_to=0)),
                 hint="x_t | x0 ~ N((1 - beta)^{t/2} x0, (1 - (1 - beta)^t) I): t factors of (1 - beta)."),
)
