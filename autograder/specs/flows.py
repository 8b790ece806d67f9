"""Inputs for flows.py: planar layers made invertible with u_hat (w^T u >= -1), Monte Carlo samples along dim 0."""
from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field

from autograder.specs.base import Call, CaseParams, FunctionSpec, Output, normal
from reference import flows

_LOGDET = "log|det df/dz| = log|1 + u^T psi(z)| with psi(z) = (1 - tanh^2(w^T z + b)) w (matrix determinant lemma)."


class Planar(CaseParams):
    batch: list[int] = [5]
    D: int = Field(default=2, ge=1)
    K: int = Field(default=3, ge=1, description="Layers (planar_flow_log_prob).")
    invalid: Literal["shape_mismatch"] | None = None


def _layers(p: Planar, gen: torch.Generator, K: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    us, ws, bs = normal(gen, K, p.D), normal(gen, K, p.D), normal(gen, K)
    wu = (ws * us).sum(-1)
    us = us + ((-1 + F.softplus(wu) - wu) / (ws**2).sum(-1)).unsqueeze(-1) * ws      # u_hat: invertible
    return us, ws, bs


def _forward(p: Planar, gen: torch.Generator, bad: bool = False) -> Call:
    us, ws, bs = _layers(p, gen, 1)
    z = normal(gen, *p.batch, p.D)
    return Call((z, torch.cat([us[0], us[0]]) if bad else us[0], ws[0], bs[0].item()))


def _log_prob(p: Planar, gen: torch.Generator, bad: bool = False) -> Call:
    us, ws, bs = _layers(p, gen, p.K)
    z0 = normal(gen, *p.batch, p.D)
    log_q0 = -0.5 * (z0**2).sum(-1) - 0.5 * p.D * torch.log(torch.tensor(2 * torch.pi, dtype=torch.float64))
    return Call((z0, log_q0, us, ws, bs[:-1] if bad else bs))


class FlowElbo(CaseParams):
    L: int = Field(default=6, ge=1)
    batch: list[int] = [4]
    invalid: Literal["shape_mismatch"] | None = None


def _elbo(p: FlowElbo, gen: torch.Generator, bad: bool = False) -> Call:
    shape = (p.L, *p.batch)
    return Call((normal(gen, *shape) - 5.0, normal(gen, *shape) - 2.0, normal(gen, p.L + bad, *p.batch)))


SPECS = (
    FunctionSpec("flows.planar_forward", flows.planar_forward, Planar, _forward,
                 {"shape_mismatch": lambda p, gen: _forward(p, gen, bad=True)},
                 outputs=(Output("f_z"), Output("log_det")),
                 hint="f(z) = z + u tanh(w^T z + b) for each row z; " + _LOGDET),
    FunctionSpec("flows.planar_flow_log_prob", flows.planar_flow_log_prob, Planar, _log_prob,
                 {"shape_mismatch": lambda p, gen: _log_prob(p, gen, bad=True)},
                 outputs=(Output("z_K"), Output("log_q_K")),
                 hint="ln q_K(z_K) = ln q_0(z_0) - sum_k ln|1 + u_k^T psi_k(z_{k-1})|: psi_k is evaluated at the layer's input. "
                      + _LOGDET),
    FunctionSpec("flows.flow_elbo", flows.flow_elbo, FlowElbo, _elbo, {"shape_mismatch": lambda p, gen: _elbo(p, gen, bad=True)},
                 hint="ELBO = mean over dim 0 of log p(x, z_K) - ln q0(z0) + sum_k ln|1 + u_k^T psi_k|; CSC 6137 HW2's eq. (12) "
                      "has the opposite sign (it is the free energy, -ELBO)."),
)
