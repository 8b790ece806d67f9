"""Known wrong answers, used to recognise a student's mistake and answer it with a hint.

Each function takes the same arguments as the graded function it shadows and returns
what a student holding that misconception would return.  `MISCONCEPTIONS` maps a
graded function ("module.function") to its known mistakes; the grader compares a
failing output against each and, on a match, shows that mistake's hint.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch import Tensor

from reference import diffusion


@dataclass(frozen=True)
class Misconception:
    name: str
    wrong: Callable[..., Any]
    hint: str


def wrong_vae_dsigma_seed002(dlrecon_dh: Tensor, mu: Tensor, sigma: Tensor, eps: Tensor) -> tuple[Tensor, Tensor]:
    """Seed 002 P1 Q4(b): dh_j/dsigma_j taken as e^{-sigma_j} instead of eps_j."""
    return dlrecon_dh + mu, dlrecon_dh * torch.exp(-sigma) + sigma - 1 / sigma


def gkl_sigma_as_variance(mu: Tensor, sigma: Tensor) -> Tensor:
    """sigma read as a variance: -1/2 log sigma + (sigma + mu^2 - 1)/2."""
    return (-0.5 * sigma.log() + (sigma + mu**2 - 1) / 2).sum(-1)


def gkl_sigma_as_log_variance(mu: Tensor, sigma: Tensor) -> Tensor:
    """sigma read as log sigma^2: -sigma/2 + (e^sigma + mu^2 - 1)/2."""
    return (-0.5 * sigma + (sigma.exp() + mu**2 - 1) / 2).sum(-1)


def gkl_no_sum(mu: Tensor, sigma: Tensor) -> Tensor:
    """Per-dimension KL, not summed over the event dimension."""
    return -sigma.log() + (sigma**2 + mu**2 - 1) / 2


def reparameterize_sigma_as_variance(mu: Tensor, sigma: Tensor, eps: Tensor) -> Tensor:
    return mu + sigma.sqrt() * eps


def reparameterize_sigma_as_log_variance(mu: Tensor, sigma: Tensor, eps: Tensor) -> Tensor:
    return mu + (0.5 * sigma).exp() * eps


def wrong_alpha_bar_seed002(betas: Tensor) -> Tensor:
    """Seed 002 P4 Q1(a): alpha_bar_t = prod_{s=0}^{t} alpha_s, t + 1 factors (alpha_0 read as alpha_1)."""
    alphas = 1 - betas
    return torch.cat([alphas[:1], alphas[0] * torch.cumprod(alphas, dim=0)])


def q_sample_wrong_alpha_bar(x0: Tensor, t: int | Tensor, betas: Tensor, eps: Tensor) -> Tensor:
    ab = wrong_alpha_bar_seed002(betas)
    ab_t = diffusion._per_sample(ab, t, x0)
    return ab_t.sqrt() * x0 + (1 - ab_t).sqrt() * eps


def q_sample_zero_based_t(x0: Tensor, t: int | Tensor, betas: Tensor, eps: Tensor) -> Tensor:
    """alpha_bar indexed as if t were 0-based: alpha_bar_{t+1} used for t."""
    ab = torch.cumprod(1 - betas, dim=0)
    ab_t = diffusion._per_sample(ab, t if not torch.is_tensor(t) else t.clamp(max=betas.numel() - 1), x0)
    return ab_t.sqrt() * x0 + (1 - ab_t).sqrt() * eps


def q_sample_variance_as_std(x0: Tensor, t: int | Tensor, betas: Tensor, eps: Tensor) -> Tensor:
    """Noise scaled by (1 - alpha_bar_t) instead of its square root."""
    ab_t = diffusion._per_sample(diffusion.alpha_bars(betas), t, x0)
    return ab_t.sqrt() * x0 + (1 - ab_t) * eps


def constant_beta_marginal_t_plus_1(x0: Tensor, t: int | Tensor, beta: float) -> tuple[Tensor, Tensor]:
    """Seed 002 P4 Q1(a): (1 - beta)^{t+1}, one factor too many."""
    if torch.is_tensor(t):
        t = t.to(x0.dtype).reshape(-1, *([1] * (x0.dim() - 1)))
    ab = torch.as_tensor(1 - float(beta), dtype=x0.dtype) ** (t + 1)
    return ab.sqrt() * x0, 1 - ab


_ALPHA_BAR_HINT = (
    "alpha_bar_t = prod_{s=1}^{t} (1 - beta_s) has exactly t factors and alpha_bar_0 = 1 (the empty product); "
    "your values match prod_{s=0}^{t}, one factor too many (the mistake in seed 002 P4 Q1a)."
)
_SIGMA_HINT = "sigma is a standard deviation (not a variance, not a log-variance)."

MISCONCEPTIONS: dict[str, tuple[Misconception, ...]] = {
    "vae.vae_loss_grads": (
        Misconception(
            "dsigma_exp_minus_sigma",
            wrong_vae_dsigma_seed002,
            "dh_j/dsigma_j = eps_j because h_j = mu_j + sigma_j * eps_j; your dl/dsigma uses e^{-sigma_j} "
            "instead of eps_j (the mistake in seed 002 P1 Q4b). The KL part sigma_j - 1/sigma_j is right.",
        ),
    ),
    "vae.gkl": (
        Misconception("sigma_as_variance", gkl_sigma_as_variance, _SIGMA_HINT + " Your values match sigma read as a variance."),
        Misconception("sigma_as_log_variance", gkl_sigma_as_log_variance, _SIGMA_HINT + " Your values match sigma read as log sigma^2."),
        Misconception("no_sum", gkl_no_sum, "GKL sums over the last (event) dimension; you returned one value per dimension."),
    ),
    "vae.reparameterize": (
        Misconception("sigma_as_variance", reparameterize_sigma_as_variance, _SIGMA_HINT + " Your values match mu + sqrt(sigma) * eps."),
        Misconception("sigma_as_log_variance", reparameterize_sigma_as_log_variance, _SIGMA_HINT + " Your values match mu + exp(sigma / 2) * eps."),
    ),
    "diffusion.alpha_bars": (Misconception("t_plus_1_factors", wrong_alpha_bar_seed002, _ALPHA_BAR_HINT),),
    "diffusion.q_sample": (
        Misconception("t_plus_1_factors", q_sample_wrong_alpha_bar, _ALPHA_BAR_HINT),
        Misconception(
            "zero_based_t", q_sample_zero_based_t,
            "t is 1-based and alpha_bars[0] = 1: x_t uses alpha_bar_t = prod_{s=1}^{t}, not alpha_bar_{t+1}.",
        ),
        Misconception(
            "variance_as_std", q_sample_variance_as_std,
            "The noise is scaled by the standard deviation sqrt(1 - alpha_bar_t), not by the variance 1 - alpha_bar_t.",
        ),
    ),
    "diffusion.constant_beta_marginal": (
        Misconception(
            "t_plus_1_factors", constant_beta_marginal_t_plus_1,
            "With a constant beta, alpha_bar_t = (1 - beta)^t (t factors): mean (1 - beta)^{t/2} x0, variance "
            "1 - (1 - beta)^t. Your values match the exponent t + 1 (the mistake in seed 002 P4 Q1a).",
        ),
    ),
}

__all__ = ["MISCONCEPTIONS", "Misconception"]
