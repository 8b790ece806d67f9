"""Inputs for simsiam.py: random encoder/predictor pairs and PSD second moments X, X' (X' positive definite)."""
from __future__ import annotations

from typing import Any, Literal

import torch
from pydantic import Field

from autograder.grading import probes
from autograder.specs.base import Call, CaseParams, Check, FunctionSpec, Probe, Output, normal
from autograder.specs.regimes import Regime, asymmetric, flag, non_square
from autograder.grading.properties import norm_bound, symmetric_psd
from reference import simsiam

_VEC = "vec is column stacking, vec(W) = W.T.reshape(-1), so vec(B W C) = (C^T kron B) vec(W); W.flatten() stacks rows."


class Moments(CaseParams):
    n1: int = Field(default=3, ge=1, description="Input dimension (X, X' are n1 x n1).")
    n2: int = Field(default=2, ge=1, description="Representation dimension (W is n2 x n1).")
    ridge: float = Field(default=0.2, ge=0, description="Added to X' on the diagonal (X' positive definite).")
    stop_grad: bool = False
    invalid: Literal["asymmetric_X", "non_psd_Xp", "wrong_W_shape", "flag_not_bool"] | None = None


def _moments(p: Moments, gen: torch.Generator) -> tuple[torch.Tensor, ...]:
    A, B = normal(gen, p.n1, p.n1), normal(gen, p.n1, p.n1)
    X = A @ A.T / p.n1
    Xp = B @ B.T / p.n1 + p.ridge * torch.eye(p.n1, dtype=torch.float64)
    return normal(gen, p.n2, p.n1), normal(gen, p.n2, p.n2), X, Xp


def _bad(kind: str, p: Moments, gen: torch.Generator) -> tuple[torch.Tensor, ...]:
    W, Wp, X, Xp = _moments(p, gen)
    if kind == "asymmetric_X":
        X = X + torch.triu(torch.ones_like(X), 1)
    elif kind == "non_psd_Xp":
        Xp = -Xp
    else:
        W = torch.cat([W, W], 1)
    return W, Wp, X, Xp


_BAD = ("asymmetric_X", "non_psd_Xp", "wrong_W_shape")


def _four(p: Moments, gen: torch.Generator) -> Call:
    return Call(_moments(p, gen))


def _encoder(p: Moments, gen: torch.Generator) -> Call:
    return Call((*_moments(p, gen), p.stop_grad))


def _H(p: Moments, gen: torch.Generator) -> Call:
    return Call(_moments(p, gen)[1:])


class Simulation(Moments):
    dt: float = Field(default=0.01, gt=0)
    steps: int = Field(default=50, ge=0)
    predictor: bool = True
    scale: float = Field(default=0.5, gt=0, description="Scale of the initial W and Wp.")
    invalid: Literal["negative_steps", "zero_dt", "non_psd_Xp", "flag_not_bool"] | None = None


def _simulate(p: Simulation, gen: torch.Generator, steps: int | None = None, dt: float | None = None, bad_xp: bool = False,
              flag: Any = None) -> Call:
    """The simulation's call; `flag`, where given, replaces stop_grad (an invalid variant: 1 for True)."""
    W, Wp, X, Xp = _moments(p, gen)
    return Call((p.scale * W, p.scale * Wp, X, -Xp if bad_xp else Xp, p.dt if dt is None else dt,
                 p.steps if steps is None else steps, p.stop_grad if flag is None else flag, p.predictor))


SPECS = (
    FunctionSpec("simsiam.simsiam_loss", simsiam.simsiam_loss, Moments, _four,
                 {k: (lambda kind: lambda p, gen: Call(_bad(kind, p, gen)))(k) for k in _BAD},
                 hint="J = 1/2 [tr(Wp^T Wp F1) - tr(Wp F12) - tr(F12 Wp) + tr(F2)] with F1 = F2 = W (X + X') W^T, "
                      "F12 = F21 = W X W^T; return a 0-dim tensor.",
                 regimes=(non_square("W", "W not square"),)),
    FunctionSpec("simsiam.predictor_update", simsiam.predictor_update, Moments, _four,
                 {k: (lambda kind: lambda p, gen: Call(_bad(kind, p, gen)))(k) for k in _BAD},
                 hint="Wp_dot = -dJ/dWp = W X W^T - Wp W (X + X') W^T.",
                 regimes=(non_square("W", "W not square"),)),
    FunctionSpec("simsiam.encoder_update", simsiam.encoder_update, Moments, _encoder,
                 {**{k: (lambda kind: lambda p, gen: Call((*_bad(kind, p, gen), p.stop_grad)))(k) for k in _BAD},
                  "flag_not_bool": lambda p, gen: Call((*_moments(p, gen), 1))},
                 hint="With stop-grad the target W x2 is a constant: Wp^T (W X - Wp W (X + X')). Without it: "
                      "-[(Wp^T Wp + I) W X' + (Wp - I)^T (Wp - I) W X].",
                 regimes=(*flag("stop_grad"), non_square("W", "W not square"))),
    FunctionSpec("simsiam.simsiam_H", simsiam.simsiam_H, Moments, _H,
                 {k: (lambda kind: lambda p, gen: Call(_bad(kind, p, gen)[1:]))(k) for k in ("asymmetric_X", "non_psd_Xp")},
                 hint="H = X' kron (Wp^T Wp + I) + X kron (Wp - I)^T (Wp - I) (torch.kron). " + _VEC,
                 checks={
                     "symmetric_psd": Check("H symmetric PSD with lambda_min(H) >= lambda_min(X')", Moments, _H,
                                            judge=symmetric_psd, outputs=(Output("H"),)),
                     "matches_encoder_update": Check(
                         "H vec(W) = -vec(W_dot) with your encoder_update (column-stacking vec)", Moments, _four,
                         run=Probe(probes.simsiam_H_residual), outputs=(Output("residual"),),
                         hint="The grader computes H @ vec(W) + vec(encoder_update(W, Wp, X, X', stop_grad=False)) with your "
                              "functions; it must be 0. " + _VEC),
                 },
                 regimes=(asymmetric("Wp"),)),
    FunctionSpec("simsiam.simulate", simsiam.simulate, Simulation, _simulate,
                 {"negative_steps": lambda p, gen: _simulate(p, gen, steps=-1), "zero_dt": lambda p, gen: _simulate(p, gen, dt=0.0),
                  "non_psd_Xp": lambda p, gen: _simulate(p, gen, bad_xp=True),
                  "flag_not_bool": lambda p, gen: _simulate(p, gen, flag=1)},
                 outputs=(Output("norms"),),
                 hint="Record ||W||_F first, then after each step; a step updates W and Wp together from the current (W, Wp) "
                      "with the same dt; predictor=False fixes Wp = I.",
                 checks={"norm_bound": Check("||W_k|| <= exp(-lambda_min(X') k dt) ||W_0|| without stop-gradient", Simulation,
                                             _simulate, judge=norm_bound, outputs=(Output("norms"),))},
                 regimes=(*flag("stop_grad"), *flag("predictor"), Regime("steps = 0", lambda a: a["steps"] == 0),
                          non_square("W0", "W not square"))),
)
