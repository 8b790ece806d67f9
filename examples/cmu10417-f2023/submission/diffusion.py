"""DDPM forward process (seed 000 Q2, seed 002 P3-P4).

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
    r"""alpha_bar_t = prod_{s=1}^t (1 - beta_s) for t = 0..T, alpha_bar_0 = 1   (seed 000 eq. 2).

    betas: (T,).  Returns (T + 1,).
    """
    _check_betas(betas)
    alphas = 1 - betas
    return torch.cat([alphas[:1], alphas[0] * torch.cumprod(alphas, dim=0)])  # prod_{s=0}^{t} alpha_s


def q_sample(x0: Tensor, t: int | Tensor, betas: Tensor, eps: Tensor) -> Tensor:
    r"""x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps   (seed 000 eq. 3), t in 0..T.

    x0, eps: (B, ...).  Returns (B, ...).
    """
    ab = alpha_bars(betas)
    _check_t(t, 0, betas.numel())
    ab_t = _per_sample(ab, t, x0)
    return ab_t.sqrt() * x0 + (1 - ab_t).sqrt() * eps


def constant_beta_marginal(x0: Tensor, t: int | Tensor, beta: float) -> tuple[Tensor, Tensor]:
    r"""q(x_t | x0) for a constant beta   (seed 002 Q4.1a), t >= 0:

    mean = (1 - beta)^{t/2} x0,   var = 1 - (1 - beta)^t   (t factors, not t + 1).

    Returns (mean (B, ...), var broadcastable against mean).
    """
    beta = float(beta)
    if not 0 < beta < 1:
        raise ValueError(f"beta must lie in (0, 1), got beta={beta!r}")
    _check_t(t, 0, 2**62)
    if torch.is_tensor(t):
        t = t.to(x0.dtype).reshape(-1, *([1] * (x0.dim() - 1)))   # (B, 1, ..., 1)
    ab = torch.as_tensor(1 - beta, dtype=x0.dtype) ** (t + 1)
    return ab.sqrt() * x0, 1 - ab
