"""Inputs for flows.py: planar layers made invertible with u_hat (w^T u >= -1), Monte Carlo samples along dim 0."""
from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field

from autograder.specs.base import Call, CaseParams, FunctionSpec, Output, normal
from autograder.specs.regimes import Regime, size_one
from reference import flows

_LOGDET = "log|det df/dz| = log|1 + u^T psi(z)| with psi(z) = (1 - tanh^2(w^T z + b)) w (matrix determinant lemma)."


class Planar(CaseParams):
    batch: list[int] = [5]
    D: int = Field(default=2, ge=1)
    K: int = Field(default=3, ge=1, description="Layers (planar_flow_log_prob).")
    non_invertible: bool = Field(default=False, description="|w| = 1/2, b small and u corrected to w^T u = -2 instead of u_hat's "
                                                            "w^T u > -1: 1 + u^T psi(z) < 0 wherever |w^T z + b| < 0.88 (most z), "
                                                            "so log|.| needs its |.|.")
    invalid: Literal["shape_mismatch", "b_not_scalar", "log_q0_shape"] | None = None


def _layers(p: Planar, gen: torch.Generator, K: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    us, ws, bs = normal(gen, K, p.D), normal(gen, K, p.D), normal(gen, K)
    if p.non_invertible:
        ws, bs = 0.5 * ws / ws.norm(dim=-1, keepdim=True), 0.1 * bs
    wu = (ws * us).sum(-1)
    target = torch.full_like(wu, -2.0) if p.non_invertible else -1 + F.softplus(wu)      # u_hat (invertible): w^T u > -1
    us = us + ((target - wu) / (ws**2).sum(-1)).unsqueeze(-1) * ws
    return us, ws, bs


def _forward(p: Planar, gen: torch.Generator, bad: str | None = None) -> Call:
    us, ws, bs = _layers(p, gen, 1)
    z = normal(gen, *p.batch, p.D)
    b = bs.repeat(2) if bad == "b_not_scalar" else bs[0].item()
    return Call((z, torch.cat([us[0], us[0]]) if bad == "shape_mismatch" else us[0], ws[0], b))


def _log_prob(p: Planar, gen: torch.Generator, bad: str | None = None) -> Call:
    us, ws, bs = _layers(p, gen, p.K)
    z0 = normal(gen, *p.batch, p.D)
    log_q0 = -0.5 * (z0**2).sum(-1) - 0.5 * p.D * torch.log(torch.tensor(2 * torch.pi, dtype=torch.float64))
    if bad == "log_q0_shape":
        log_q0 = log_q0.unsqueeze(-1)
    return Call((z0, log_q0, us, ws, bs[:-1] if bad == "shape_mismatch" else bs))


class FlowElbo(CaseParams):
    L: int = Field(default=6, ge=1)
    batch: list[int] = [4]
    invalid: Literal["shape_mismatch"] | None = None


def _elbo(p: FlowElbo, gen: torch.Generator, bad: bool = False) -> Call:
    shape = (p.L, *p.batch)
    return Call((normal(gen, *shape) - 5.0, normal(gen, *shape) - 2.0, normal(gen, p.L + bad, *p.batch)))


SPECS = (
    FunctionSpec("flows.planar_forward", flows.planar_forward, Planar, _forward,
                 {kind: (lambda kind: lambda p, gen: _forward(p, gen, bad=kind))(kind)
                  for kind in ("shape_mismatch", "b_not_scalar")},
                 outputs=(Output("f_z"), Output("log_det")),
                 hint="f(z) = z + u tanh(w^T z + b) for each row z; " + _LOGDET,
                 regimes=(Regime("one z (1-D)", lambda a: a["z"].dim() == 1),
                          Regime("a batch of z (2-D or more)", lambda a: a["z"].dim() > 1))),
    FunctionSpec("flows.planar_flow_log_prob", flows.planar_flow_log_prob, Planar, _log_prob,
                 {kind: (lambda kind: lambda p, gen: _log_prob(p, gen, bad=kind))(kind)
                  for kind in ("shape_mismatch", "log_q0_shape")},
                 outputs=(Output("z_K"), Output("log_q_K")),
                 hint="ln q_K(z_K) = ln q_0(z_0) - sum_k ln|1 + u_k^T psi_k(z_{k-1})|: psi_k is evaluated at the layer's input. "
                      + _LOGDET,
                 regimes=(size_one("us", 0, "a single layer (K = 1)"), Regime("several layers", lambda a: a["us"].shape[0] > 1))),
    FunctionSpec("flows.flow_elbo", flows.flow_elbo, FlowElbo, _elbo, {"shape_mismatch": lambda p, gen: _elbo(p, gen, bad=True)},
                 hint="ELBO = mean over dim 0 of log p(x, z_K) - ln q0(z0) + sum_k ln|1 + u_k^T psi_k|; CSC 6137 HW2's eq. (12) "
                      "has the opposite sign (it is the free energy, -ELBO).",
                 regimes=(size_one("log_p_xzK", 0, "one Monte Carlo sample (L = 1)"),)),
)
