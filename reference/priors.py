"""Learned VAE priors (CSC 6137 HW2 Q3): Gaussian mixtures, VampPrior, aggregated posterior.

z: (..., K); component parameters (C, K); sigmas are standard deviations (> 0).
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor


def _log_normal_components(z: Tensor, means: Tensor, sigmas: Tensor) -> Tensor:
    """log N(z; means[c], diag sigmas[c]^2) for every component: (..., C)."""
    if means.dim() != 2 or means.shape != sigmas.shape or z.shape[-1:] != means.shape[-1:]:
        raise ValueError(f"means and sigmas must be (C, {z.shape[-1]}), got {tuple(means.shape)} and {tuple(sigmas.shape)}")
    if not bool((sigmas > 0).all()):
        raise ValueError("sigmas must be > 0 (standard deviations)")
    diff = (z.unsqueeze(-2) - means) / sigmas
    return (-0.5 * diff**2 - sigmas.log() - 0.5 * math.log(2 * math.pi)).sum(-1)


def log_mog_prior(z: Tensor, means: Tensor, sigmas: Tensor, weights: Tensor | None = None) -> Tensor:
    r"""log sum_c w_c N(z; mu_c, diag sigma_c^2), by logsumexp; uniform w_c = 1/C by default.  Returns (...)."""
    comps = _log_normal_components(z, means, sigmas)
    C = means.shape[0]
    if weights is None:
        return torch.logsumexp(comps, -1) - math.log(C)
    if tuple(weights.shape) != (C,) or not bool((weights >= 0).all()) or abs(weights.sum().item() - 1) > 1e-6:
        raise ValueError("weights must be (C,), >= 0 and sum to 1")
    return torch.logsumexp(comps + torch.log(weights), -1)


def log_vamp_prior(z: Tensor, pseudo_inputs: Tensor, encoder: Callable[[Tensor], tuple[Tensor, Tensor]]) -> Tensor:
    r"""log (1/K) sum_k q(z | u_k), with (mu, sigma) = encoder(pseudo_inputs) of shape (K, k)."""
    mu, sigma = encoder(pseudo_inputs)
    return log_mog_prior(z, mu, sigma)


def log_aggregated_posterior(z: Tensor, mus: Tensor, sigmas: Tensor) -> Tensor:
    r"""log q(z) = log (1/N) sum_n N(z; mus[n], diag sigmas[n]^2)."""
    return log_mog_prior(z, mus, sigmas)
