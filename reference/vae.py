"""VAE kernels: reparameterisation, Gaussian KL, ELBO forms, IWAE (seeds 002, 003, 004).

Conventions: the event dimension is the last one; sigma is a standard deviation (> 0).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor


def _check_sigma(sigma: Tensor) -> None:
    if not torch.is_tensor(sigma):
        raise ValueError(f"sigma must be a tensor, got {type(sigma).__name__}")
    if not bool((sigma > 0).all()):
        raise ValueError(f"sigma must be > 0 (a standard deviation), got min(sigma)={sigma.min().item()!r}")


def _check_same_shape(**tensors: Tensor) -> None:
    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"arguments must have the same shape, got {shapes}")


def reparameterize(mu: Tensor, sigma: Tensor, eps: Tensor) -> Tensor:
    r"""h = mu + sigma * eps   (CMU 10-417 F2023 HW3 P1 Q2, IFT6135 H2019 Q1.1).

    mu, sigma, eps: (..., k); sigma > 0.  Returns (..., k).
    """
    _check_sigma(sigma)
    return mu + sigma * eps


def reparameterize_full(mu: Tensor, S: Tensor, z0: Tensor) -> Tensor:
    r"""g(z0) = mu + S z0 for each row z0 of (..., K)   (IFT6135 H2019 Q1.2).

    mu: (K,), S: (K, K) non-singular, z0: (..., K).  Returns (..., K).
    """
    _check_square_nonsingular(S)
    return mu + z0 @ S.transpose(-1, -2)


def log_density_full(z: Tensor, mu: Tensor, S: Tensor) -> Tensor:
    r"""log N(z; mu, S S^T) by change of variables   (IFT6135 H2019 eq. 1).

    log q(z) = log N(S^{-1}(z - mu); 0, I) - log|det S|
             = -1/2 ||S^{-1}(z - mu)||^2 - K/2 log(2 pi) - log|det S|

    z: (..., K), mu: (K,), S: (K, K) non-singular.  Returns (...).
    """
    _check_square_nonsingular(S)
    k = S.shape[-1]
    diff = (z - mu).unsqueeze(-1)                                # (..., K, 1)
    u = torch.linalg.solve(S.expand(*diff.shape[:-2], k, k), diff).squeeze(-1)
    logabsdet = torch.linalg.slogdet(S).logabsdet
    return -0.5 * (u**2).sum(-1) - 0.5 * k * math.log(2 * math.pi) - logabsdet


def _check_square_nonsingular(S: Tensor) -> None:
    if S.dim() != 2 or S.shape[0] != S.shape[1]:
        raise ValueError(f"S must be a square (K, K) matrix, got shape {tuple(S.shape)}")
    if torch.linalg.slogdet(S).sign.item() == 0:
        raise ValueError("S must be non-singular, got det(S) = 0")


def gkl(mu: Tensor, sigma: Tensor) -> Tensor:
    r"""KL( N(mu, diag sigma^2) || N(0, I) ), summed over the last dim.

    GKL = sum_j [ -log sigma_j + (sigma_j^2 + mu_j^2 - 1) / 2 ]   (CMU 10-417 F2023 HW3, eq. 2)

    mu, sigma: (..., k), sigma > 0.  Returns (...).
    """
    _check_same_shape(mu=mu, sigma=sigma)
    _check_sigma(sigma)
    return (-sigma.log() + (sigma**2 + mu**2 - 1) / 2).sum(dim=-1)


def vae_loss_grads(dlrecon_dh: Tensor, mu: Tensor, sigma: Tensor, eps: Tensor) -> tuple[Tensor, Tensor]:
    r"""Gradients of l = l_recon(h) + GKL(mu, sigma) with h = mu + sigma * eps   (CMU 10-417 F2023 HW3 P1 Q4).

    dl/dmu_j    = dl_recon/dh_j + mu_j
    dl/dsigma_j = dl_recon/dh_j * eps_j + sigma_j - 1/sigma_j

    All arguments (..., k).  Returns (dl_dmu, dl_dsigma), each (..., k).
    """
    _check_sigma(sigma)
    return dlrecon_dh + mu, dlrecon_dh * eps + sigma - 1 / sigma


def gaussian_entropy(sigma: Tensor) -> Tensor:
    r"""H(N(mu, diag sigma^2)) = sum_j log sigma_j + k/2 log(2 pi e); (..., k) -> (...)."""
    _check_sigma(sigma)
    k = sigma.shape[-1]
    return sigma.log().sum(-1) + 0.5 * k * math.log(2 * math.pi * math.e)


def elbo_joint(log_px_given_z: Tensor, log_pz: Tensor, log_qz: Tensor) -> Tensor:
    r"""ELBO = E_q[log p(x|z) + log p(z) - log q(z|x)]   (CSC 6137 HW2 eq. 1).

    Inputs: (L, ...) with the L Monte Carlo samples along dim 0.  Returns (...).
    """
    _check_same_shape(log_px_given_z=log_px_given_z, log_pz=log_pz, log_qz=log_qz)
    if log_px_given_z.dim() == 0:
        raise ValueError("the log-densities need the Monte Carlo samples along dim 0")
    return (log_px_given_z + log_pz - log_qz).mean(dim=0)


def elbo_entropy(log_px_given_z: Tensor, log_pz: Tensor, sigma: Tensor) -> Tensor:
    r"""ELBO = E_q[log p(x|z) + log p(z)] + H(q)   (CSC 6137 HW2 eq. 2), q = N(mu, diag sigma^2).

    log_px_given_z, log_pz: (L, ...); sigma: (..., k).  Returns (...).
    """
    return (log_px_given_z + log_pz).mean(dim=0) + gaussian_entropy(sigma)


def elbo_kl(log_px_given_z: Tensor, mu: Tensor, sigma: Tensor) -> Tensor:
    r"""ELBO = E_q[log p(x|z)] - KL(q || N(0, I))   (CSC 6137 HW2 eq. 3, CMU 10-417 F2023 HW3 eq. 3).

    log_px_given_z: (L, ...); mu, sigma: (..., k).  Returns (...).
    """
    return log_px_given_z.mean(dim=0) - gkl(mu, sigma)


def iwae_bound(log_w: Tensor) -> Tensor:
    r"""L_k estimate = logsumexp_j(log w_j) - log k over the last dim   (IFT6135 F2023 Q3.4, IFT6135 H2019 Q3).

    log_w: (..., k) with k >= 1.  Returns (...).  logsumexp keeps it finite for large |log w|.
    """
    k = log_w.shape[-1] if log_w.dim() > 0 else 0
    if k < 1:
        raise ValueError(f"log_w must have k >= 1 samples along the last dim, got shape {tuple(log_w.shape)}")
    return torch.logsumexp(log_w, dim=-1) - math.log(k)


def beta_vae_loss(recon_nll: Tensor, mu: Tensor, sigma: Tensor, beta: float) -> Tensor:
    r"""beta-VAE loss = recon_nll + beta * GKL(mu, sigma)   (CSC 6137 HW2 Q5.2); beta >= 0.

    recon_nll: (...); mu, sigma: (..., k).  Returns (...).
    """
    if float(beta) < 0:
        raise ValueError(f"beta must be >= 0, got beta={float(beta)!r}")
    return recon_nll + beta * gkl(mu, sigma)
