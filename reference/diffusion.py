"""DDPM forward process (IFT6135 W2023 Q2, CMU 10-417 F2023 HW3 P3-P4).

betas is 1-D of length T with betas[t-1] = beta_t; t is 1-based; alpha_bar_0 = 1.
t is a Python int or a LongTensor of shape (B,) (one t per sample of x0).
"""
from __future__ import annotations

import torch
from torch import Tensor


def _check_betas(betas: Tensor) -> None:
    if not torch.is_tensor(betas) or betas.dim() != 1 or betas.numel() == 0:
        raise ValueError(f"betas must be a non-empty 1-D tensor, got {getattr(betas, 'shape', type(betas))}")
    if not bool(((betas > 0) & (betas < 1)).all()):
        raise ValueError(f"every beta must lie in (0, 1), got min={betas.min().item()!r}, max={betas.max().item()!r}")


def _check_t(t: int | Tensor, low: int, high: int) -> None:
    if isinstance(t, bool) or not (isinstance(t, int) or (torch.is_tensor(t) and not t.is_floating_point() and t.dtype != torch.bool)):
        raise ValueError(f"t must be an int or an integer tensor, got {t!r}")
    t_min, t_max = (int(t.min()), int(t.max())) if torch.is_tensor(t) else (t, t)
    if t_min < low or t_max > high:
        raise ValueError(f"t must lie in {low}..{high}, got t in {t_min}..{t_max}")


def _per_sample(values: Tensor, t: int | Tensor, like: Tensor) -> Tensor:
    """values[t], shaped to broadcast against `like`: a scalar for int t, (B, 1, ..., 1) for tensor t."""
    if torch.is_tensor(t):
        return values[t].reshape(-1, *([1] * (like.dim() - 1)))
    return values[t]


def alpha_bars(betas: Tensor) -> Tensor:
    r"""alpha_bar_t = prod_{s=1}^t (1 - beta_s) for t = 0..T, alpha_bar_0 = 1   (IFT6135 W2023 eq. 2).

    betas: (T,).  Returns (T + 1,).
    """
    _check_betas(betas)
    return torch.cat([torch.ones(1, dtype=betas.dtype, device=betas.device), torch.cumprod(1 - betas, dim=0)])


def q_sample(x0: Tensor, t: int | Tensor, betas: Tensor, eps: Tensor) -> Tensor:
    r"""x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps   (IFT6135 W2023 eq. 3), t in 0..T.

    x0, eps: (B, ...).  Returns (B, ...).
    """
    ab = alpha_bars(betas)
    _check_t(t, 0, betas.numel())
    ab_t = _per_sample(ab, t, x0)
    return ab_t.sqrt() * x0 + (1 - ab_t).sqrt() * eps


def constant_beta_marginal(x0: Tensor, t: int | Tensor, beta: float) -> tuple[Tensor, Tensor]:
    r"""q(x_t | x0) for a constant beta   (CMU 10-417 F2023 HW3 Q4.1a), t >= 0:

    mean = (1 - beta)^{t/2} x0,   var = 1 - (1 - beta)^t   (t factors, not t + 1).

    Returns (mean (B, ...), var broadcastable against mean).
    """
    beta = float(beta)
    if not 0 < beta < 1:
        raise ValueError(f"beta must lie in (0, 1), got beta={beta!r}")
    _check_t(t, 0, 2**62)
    if torch.is_tensor(t):
        t = t.to(x0.dtype).reshape(-1, *([1] * (x0.dim() - 1)))   # (B, 1, ..., 1)
    ab = torch.as_tensor(1 - beta, dtype=x0.dtype, device=x0.device) ** t
    return ab.sqrt() * x0, 1 - ab


def q_xt_given_x0(x0: Tensor, t: int | Tensor, betas: Tensor) -> tuple[Tensor, Tensor]:
    r"""q(x_t | x0) = N(sqrt(alpha_bar_t) x0, (1 - alpha_bar_t) I)   (IFT6135 W2023 eq. 3), t in 0..T."""
    ab = alpha_bars(betas)
    _check_t(t, 0, betas.numel())
    ab_t = _per_sample(ab, t, x0)
    return ab_t.sqrt() * x0, 1 - ab_t


def q_posterior(xt: Tensor, x0: Tensor, t: int | Tensor, betas: Tensor) -> tuple[Tensor, Tensor]:
    r"""q(x_{t-1} | x_t, x0) = N(mu_tilde, beta_tilde I)   (IFT6135 W2023 Q2.1), t in 1..T:

    mu_tilde = sqrt(ab_{t-1}) beta_t / (1 - ab_t) x0 + sqrt(alpha_t) (1 - ab_{t-1}) / (1 - ab_t) x_t,
    beta_tilde = (1 - ab_{t-1}) / (1 - ab_t) beta_t   (= 0 at t = 1, where mu_tilde = x0).
    """
    ab = alpha_bars(betas)
    _check_t(t, 1, betas.numel())
    t_prev = t - 1
    ab_t, ab_prev = _per_sample(ab, t, x0), _per_sample(ab, t_prev, x0)
    beta_t = _per_sample(betas, t_prev, x0)
    mean = ab_prev.sqrt() * beta_t / (1 - ab_t) * x0 + (1 - beta_t).sqrt() * (1 - ab_prev) / (1 - ab_t) * xt
    return mean, (1 - ab_prev) / (1 - ab_t) * beta_t


def mu_from_eps(xt: Tensor, eps: Tensor, t: int | Tensor, betas: Tensor) -> Tensor:
    r"""(x_t - beta_t / sqrt(1 - ab_t) eps) / sqrt(alpha_t)   (IFT6135 W2023 Q2.6, with the minus sign the text drops)."""
    ab = alpha_bars(betas)
    _check_t(t, 1, betas.numel())
    ab_t, beta_t = _per_sample(ab, t, xt), _per_sample(betas, t - 1, xt)
    return (xt - beta_t / (1 - ab_t).sqrt() * eps) / (1 - beta_t).sqrt()


def _check_sigma2(sigma2: Tensor, betas: Tensor, t: int | Tensor) -> Tensor:
    if not torch.is_tensor(sigma2) or tuple(sigma2.shape) != tuple(betas.shape):
        raise ValueError(f"sigma2 must have shape {tuple(betas.shape)} like betas, got {getattr(sigma2, 'shape', type(sigma2))}")
    used = sigma2[t - 1]
    if not bool((used > 0).all()):
        raise ValueError("sigma2 must be > 0 at every t it is used for (sigma2 = beta_tilde has beta_tilde_1 = 0)")
    return used


def ddpm_lambda(t: int | Tensor, betas: Tensor, sigma2: Tensor) -> Tensor:
    r"""lambda_t = beta_t^2 / (2 sigma_t^2 alpha_t (1 - ab_t)), t in 1..T; 0-dim for an int t, (B,) for a tensor t."""
    ab = alpha_bars(betas)
    _check_t(t, 1, betas.numel())
    s2 = _check_sigma2(sigma2, betas, t)
    beta_t = betas[t - 1]
    return beta_t**2 / (2 * s2 * (1 - beta_t) * (1 - ab[t]))


def _per_sample_sq_norm(a: Tensor, b: Tensor) -> Tensor:
    if a.shape != b.shape or a.dim() == 0:
        raise ValueError(f"eps and eps_pred must have the same (B, ...) shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    return ((a - b) ** 2).reshape(a.shape[0], -1).sum(-1)


def eps_loss(eps: Tensor, eps_pred: Tensor) -> Tensor:
    r"""L_simple = (1/B) sum_b ||eps_b - eps_pred_b||^2   (IFT6135 W2023 Q2.7), a 0-dim tensor."""
    return _per_sample_sq_norm(eps, eps_pred).mean()


def weighted_eps_loss(eps: Tensor, eps_pred: Tensor, t: int | Tensor, betas: Tensor, sigma2: Tensor) -> Tensor:
    r"""(1/B) sum_b lambda_{t_b} ||eps_b - eps_pred_b||^2, a 0-dim tensor."""
    return (ddpm_lambda(t, betas, sigma2) * _per_sample_sq_norm(eps, eps_pred)).mean()


def prior_kl(x0: Tensor, betas: Tensor) -> Tensor:
    r"""L_T = KL(N(sqrt(ab_T) x0, (1 - ab_T) I) || N(0, I)) = 1/2 [ab_T ||x0||^2 - d ab_T - d log(1 - ab_T)], shape (B,)."""
    ab_T = alpha_bars(betas)[-1]
    flat = x0.reshape(x0.shape[0], -1)
    d = flat.shape[1]
    return 0.5 * (ab_T * (flat**2).sum(-1) - d * ab_T - d * torch.log1p(-ab_T))


def denoising_kl(x0: Tensor, t: int | Tensor, eps: Tensor, eps_pred: Tensor, betas: Tensor, sigma2: Tensor) -> Tensor:
    r"""L_{t-1} integrand: KL(N(mu_tilde, beta_tilde I) || N(mu_theta, sigma_t^2 I)) per sample, t in 2..T, shape (B,).

    x_t = q_sample(x0, t, betas, eps), mu_theta = mu_from_eps(x_t, eps_pred, t, betas); equals
    lambda_t ||eps - eps_pred||^2 + d/2 (r - 1 - log r) with r = beta_tilde_t / sigma_t^2.
    """
    _check_betas(betas)
    _check_t(t, 2, betas.numel())
    _check_sigma2(sigma2, betas, t)
    s2 = _per_sample(sigma2, t - 1, x0)
    xt = q_sample(x0, t, betas, eps)
    mu_tilde, beta_tilde = q_posterior(xt, x0, t, betas)
    mu_theta = mu_from_eps(xt, eps_pred, t, betas)
    r = beta_tilde / s2
    per_elem = 0.5 * (r + (mu_tilde - mu_theta) ** 2 / s2 - 1 - torch.log(r))
    return per_elem.expand_as(x0).reshape(x0.shape[0], -1).sum(-1)
