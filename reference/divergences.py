"""Variational (dual) representations of KL(p || q)   (IFT6135 H2019 Q6).

R1[T] = E_p[T] - E_q[e^{T - 1}]   (f-divergence dual, f(u) = u log u, f*(t) = e^{t-1});
R2[T] = E_p[T] - log E_q[e^T]     (Donsker-Varadhan).  For every T: R1 <= R2 <= KL.
Both take T evaluated on samples of p and of q, average over all of them, return 0-dim.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor


def _check_samples(t_p: Tensor, t_q: Tensor) -> None:
    if t_p.numel() == 0 or t_q.numel() == 0:
        raise ValueError("t_p and t_q need at least one sample each")


def kl_dual_r1(t_p: Tensor, t_q: Tensor) -> Tensor:
    r"""R1 = mean(t_p) - mean(exp(t_q - 1))."""
    _check_samples(t_p, t_q)
    return t_p.mean() - torch.exp(t_q - 1).mean()


def kl_dual_r2(t_p: Tensor, t_q: Tensor) -> Tensor:
    r"""R2 = mean(t_p) - log mean(exp(t_q)) = mean(t_p) - (logsumexp(t_q) - log n): no overflow for large T."""
    _check_samples(t_p, t_q)
    return t_p.mean() - (torch.logsumexp(t_q.reshape(-1), 0) - math.log(t_q.numel()))
