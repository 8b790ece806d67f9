"""Inputs for diffusion.py: linear beta schedules, 1-based t as an int or a (B,) LongTensor."""
from __future__ import annotations

from typing import ClassVar, Literal

import torch
from pydantic import Field, model_validator

from autograder.specs.base import Call, CaseParams, Check, FunctionSpec, Output, normal
from autograder.specs.regimes import non_square, size_one, timesteps
from autograder.grading.properties import degenerate_at_t1

from reference import diffusion

TChoice = int | Literal["batched", "last"]


class Schedule(CaseParams):
    T: int = Field(default=10, ge=1)
    beta_start: float = Field(default=0.05, gt=0, lt=1)
    beta_end: float = Field(default=0.3, gt=0, lt=1)
    batch: int = Field(default=4, ge=1)
    dim: int = Field(default=3, ge=1)
    t: TChoice = Field(default="batched", description="An int, 'last' (= T), or 'batched' (a random LongTensor of shape (batch,)).")
    sigma2: Literal["beta", "beta_tilde"] = Field(default="beta", description="sigma_t^2 = beta_t, or beta_tilde_t (0 at t = 1).")
    invalid: Literal["beta_one", "beta_zero", "beta_negative", "betas_2d", "t_too_large", "t_negative", "t_float",
                     "t_below_range", "sigma2_zero_used", "shape_mismatch"] | None = None
    t_min: ClassVar[int] = 0

    @property
    def t_low(self) -> int:
        """The smallest t this function accepts here (sigma2 = beta_tilde is 0 at t = 1)."""
        return max(self.t_min, 2 if self.sigma2 == "beta_tilde" else 0)

    @model_validator(mode="after")
    def _t_in_range(self) -> "Schedule":
        if isinstance(self.t, int) and not self.t_low <= self.t <= self.T:
            raise ValueError(f"t must lie in {self.t_low}..T={self.T} here, got {self.t}")
        return self


class ScheduleFrom1(Schedule):
    t_min: ClassVar[int] = 1


class ScheduleFrom2(Schedule):
    t_min: ClassVar[int] = 2


def betas(p: Schedule) -> torch.Tensor:
    return torch.linspace(p.beta_start, p.beta_end, p.T, dtype=torch.float64)


def pick_t(p: Schedule, gen: torch.Generator) -> int | torch.Tensor:
    if p.t == "batched":
        return torch.randint(p.t_low, p.T + 1, (p.batch,), generator=gen)
    return p.T if p.t == "last" else p.t


def sigma2(p: Schedule) -> torch.Tensor:
    b = betas(p)
    if p.sigma2 == "beta":
        return b.clone()
    ab = torch.cat([torch.ones(1, dtype=torch.float64), torch.cumprod(1 - b, 0)])
    return (1 - ab[:-1]) / (1 - ab[1:]) * b


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


def _bad_t(kind: str, p: Schedule) -> int | float:
    return {"t_too_large": p.T + 1, "t_negative": -1, "t_float": 1.5, "t_below_range": p.t_low - 1}[kind]


def _variant(make, t_at: int | None, betas_at: int | None):
    """Invalid-input variants of a builder: replace the t argument (index t_at) or the betas (index betas_at)."""
    def variants(*kinds: str) -> dict:
        def one(kind: str):
            def build(p: Schedule, gen: torch.Generator) -> Call:
                args = list(make(p, gen).args)
                if kind.startswith("beta"):
                    args[betas_at] = _bad_betas(kind, p)
                elif kind.startswith("t_"):
                    args[t_at] = _bad_t(kind, p)
                elif kind == "sigma2_zero_used":          # sigma2 = beta_tilde (0 at t = 1) used at t = 1
                    args[t_at], args[-1] = 1, sigma2(p.model_copy(update={"sigma2": "beta_tilde"}))
                else:                                     # shape_mismatch: eps_pred one column short
                    args[1] = args[1][..., :-1]
                return Call(tuple(args))
            return build
        return {kind: one(kind) for kind in kinds}
    return variants


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


def _xt_x0(p: Schedule, gen: torch.Generator) -> Call:
    return Call((normal(gen, p.batch, p.dim), normal(gen, p.batch, p.dim), pick_t(p, gen), betas(p)))


def _x0_t(p: Schedule, gen: torch.Generator) -> Call:
    return Call((normal(gen, p.batch, p.dim), pick_t(p, gen), betas(p)))


def _lambda(p: Schedule, gen: torch.Generator) -> Call:
    return Call((pick_t(p, gen), betas(p), sigma2(p)))


def _eps_pair(p: Schedule, gen: torch.Generator) -> Call:
    return Call((normal(gen, p.batch, p.dim), normal(gen, p.batch, p.dim)))


def _weighted(p: Schedule, gen: torch.Generator) -> Call:
    return Call((normal(gen, p.batch, p.dim), normal(gen, p.batch, p.dim), pick_t(p, gen), betas(p), sigma2(p)))


def _prior_kl(p: Schedule, gen: torch.Generator) -> Call:
    return Call((normal(gen, p.batch, p.dim), betas(p)))


def _denoising(p: Schedule, gen: torch.Generator) -> Call:
    x0, t = normal(gen, p.batch, p.dim), pick_t(p, gen)
    return Call((x0, t, normal(gen, p.batch, p.dim), normal(gen, p.batch, p.dim), betas(p), sigma2(p)))


def _denoising_shape(p: Schedule, gen: torch.Generator) -> Call:
    x0, t, eps, pred, b, s2 = _denoising(p, gen).args
    return Call((x0, t, eps, pred, b, s2[:-1]))


_T_HINT = "t is 1-based with alpha_bar_0 = 1; a LongTensor t of shape (B,) picks one alpha_bar per sample (reshape it to broadcast)."

SPECS = (
    FunctionSpec("diffusion.alpha_bars", diffusion.alpha_bars, Schedule, _alpha_bars,
                 _variant(_alpha_bars, None, 0)("beta_one", "beta_zero", "beta_negative", "betas_2d"),
                 hint="Return T + 1 values: alpha_bars[0] = 1 and alpha_bars[t] = prod_{s=1}^{t} (1 - beta_s).",
                 regimes=(size_one("betas", 0, "T = 1"),)),
    FunctionSpec("diffusion.q_sample", diffusion.q_sample, Schedule, _q_sample,
                 _variant(_q_sample, 1, 2)("beta_one", "beta_zero", "t_too_large", "t_negative", "t_float"),
                 hint="x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps. " + _T_HINT,
                 regimes=timesteps(0)),
    FunctionSpec("diffusion.constant_beta_marginal", diffusion.constant_beta_marginal, ConstantBeta, _constant,
                 {"beta_one": lambda p, gen: _constant(p, gen, beta=1.0), "beta_zero": lambda p, gen: _constant(p, gen, beta=0.0),
                  "t_negative": lambda p, gen: _constant(p, gen, t=-1)},
                 outputs=(Output("mean"), Output("var", broadcast_to=0)),
                 hint="x_t | x0 ~ N((1 - beta)^{t/2} x0, (1 - (1 - beta)^t) I): t factors of (1 - beta).",
                 regimes=timesteps(0, top=False)),
    FunctionSpec("diffusion.q_xt_given_x0", diffusion.q_xt_given_x0, Schedule, _x0_t,
                 _variant(_x0_t, 1, 2)("beta_one", "beta_zero", "betas_2d", "t_too_large", "t_negative", "t_float"),
                 outputs=(Output("mean"), Output("var", broadcast_to=0)),
                 hint="q(x_t | x0) = N(sqrt(alpha_bar_t) x0, (1 - alpha_bar_t) I); t = 0 gives mean x0 and variance 0. " + _T_HINT,
                 regimes=timesteps(0)),
    FunctionSpec("diffusion.q_posterior", diffusion.q_posterior, ScheduleFrom1, _xt_x0,
                 _variant(_xt_x0, 2, 3)("beta_one", "t_too_large", "t_below_range", "t_float"),
                 outputs=(Output("mu_tilde"), Output("beta_tilde", broadcast_to=0)),
                 hint="mu_tilde = sqrt(ab_{t-1}) beta_t/(1 - ab_t) x0 + sqrt(alpha_t)(1 - ab_{t-1})/(1 - ab_t) x_t and "
                      "beta_tilde = (1 - ab_{t-1})/(1 - ab_t) beta_t; at t = 1 they are x0 and 0. " + _T_HINT,
                 checks={"t1_degenerate": Check("t = 1: mu_tilde = x0 and beta_tilde = 0", ScheduleFrom1,
                                                lambda p, gen: _xt_x0(p.model_copy(update={"t": 1}), gen),
                                                judge=degenerate_at_t1)},
                 regimes=timesteps(1)),
    FunctionSpec("diffusion.mu_from_eps", diffusion.mu_from_eps, ScheduleFrom1, _xt_x0,
                 _variant(_xt_x0, 2, 3)("beta_one", "t_too_large", "t_below_range"),
                 hint="mu = (x_t - beta_t / sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_t): note the minus sign, which IFT6135 W2023's "
                      "Q2.6 drops. " + _T_HINT,
                 regimes=timesteps(1)),
    FunctionSpec("diffusion.ddpm_lambda", diffusion.ddpm_lambda, ScheduleFrom1, _lambda,
                 _variant(_lambda, 0, 1)("beta_one", "t_too_large", "t_below_range", "sigma2_zero_used"),
                 hint="lambda_t = beta_t^2 / (2 sigma_t^2 alpha_t (1 - alpha_bar_t)), one value per t; raise ValueError when "
                      "a sigma_t^2 you use is 0. " + _T_HINT,
                 regimes=timesteps(1)),
    FunctionSpec("diffusion.eps_loss", diffusion.eps_loss, Schedule, _eps_pair, _variant(_eps_pair, None, None)("shape_mismatch"),
                 hint="Sum the squared error over every non-batch dimension, then average over the batch; return a 0-dim tensor.",
                 regimes=(size_one("eps", 0, "one sample (batch 1)"),
                          non_square("eps", "batch size different from the dimension"))),
    FunctionSpec("diffusion.weighted_eps_loss", diffusion.weighted_eps_loss, ScheduleFrom1, _weighted,
                 _variant(_weighted, 2, 3)("beta_one", "t_too_large", "t_below_range", "sigma2_zero_used", "shape_mismatch"),
                 hint="mean_b lambda_{t_b} ||eps_b - eps_pred_b||^2, with each sample's own lambda_t. " + _T_HINT,
                 regimes=timesteps(1)),
    FunctionSpec("diffusion.prior_kl", diffusion.prior_kl, Schedule, _prior_kl, _variant(_prior_kl, None, 1)("beta_one", "betas_2d"),
                 hint="L_T = KL(N(sqrt(ab_T) x0, (1 - ab_T) I) || N(0, I)) = 1/2 [ab_T ||x0||^2 - d ab_T - d log(1 - ab_T)] per sample."),
    FunctionSpec("diffusion.denoising_kl", diffusion.denoising_kl, ScheduleFrom2, _denoising,
                 {**_variant(_denoising, 1, 4)("beta_one", "t_too_large", "t_below_range"), "shape_mismatch": _denoising_shape},
                 hint="x_t = q_sample(x0, t, eps); KL(N(mu_tilde, beta_tilde I) || N(mu_from_eps(x_t, eps_pred), sigma_t^2 I)) "
                      "summed over each sample's dimensions, for t in 2..T. " + _T_HINT,
                 regimes=timesteps(2)),
)
