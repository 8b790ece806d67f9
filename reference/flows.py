"""Planar flows and the ELBO with a flow posterior (CSC 6137 HW2 Q2).

f(z) = z + u h(w^T z + b), h = tanh, psi(z) = h'(w^T z + b) w, log|det df/dz| = log|1 + u^T psi(z)|.
z: (..., D); u, w: (D,); b: a scalar.
"""
from __future__ import annotations

import torch
from torch import Tensor


def planar_forward(z: Tensor, u: Tensor, w: Tensor, b: float | Tensor) -> tuple[Tensor, Tensor]:
    r"""(f(z), log|1 + u^T psi(z)|) with shapes (..., D) and (...)."""
    D = z.shape[-1] if z.dim() else 0
    if z.dim() == 0 or tuple(u.shape) != (D,) or tuple(w.shape) != (D,):
        raise ValueError(f"z must be (..., D) with u, w of shape (D,), got {tuple(z.shape)}, {tuple(u.shape)}, {tuple(w.shape)}")
    if torch.is_tensor(b) and b.numel() != 1:
        raise ValueError(f"b must be a scalar, got shape {tuple(b.shape)}")
    a = z @ w + b
    h = torch.tanh(a)
    psi = (1 - h**2).unsqueeze(-1) * w
    return z + h.unsqueeze(-1) * u, torch.log(torch.abs(1 + psi @ u))


def planar_flow_log_prob(z0: Tensor, log_q0: Tensor, us: Tensor, ws: Tensor, bs: Tensor) -> tuple[Tensor, Tensor]:
    r"""(z_K, ln q_K(z_K) = ln q_0(z_0) - sum_k ln|1 + u_k^T psi_k(z_{k-1})|); us, ws: (K, D), bs: (K,)."""
    if us.dim() != 2 or us.shape != ws.shape or tuple(bs.shape) != (us.shape[0],):
        raise ValueError(f"us, ws must be (K, D) and bs (K,), got {tuple(us.shape)}, {tuple(ws.shape)}, {tuple(bs.shape)}")
    if tuple(log_q0.shape) != tuple(z0.shape[:-1]):
        raise ValueError(f"log_q0 must have shape {tuple(z0.shape[:-1])}, got {tuple(log_q0.shape)}")
    z, log_q = z0, log_q0
    for k in range(us.shape[0]):
        z, log_det = planar_forward(z, us[k], ws[k], bs[k])
        log_q = log_q - log_det
    return z, log_q


def flow_elbo(log_p_xzK: Tensor, log_q0_z0: Tensor, sum_logdet: Tensor) -> Tensor:
    r"""ELBO = E_q0[log p(x, z_K)] - E_q0[ln q0(z0)] + E_q0[sum_k ln|1 + u_k^T psi_k|], samples along dim 0.

    (CSC 6137 HW2's eq. 12 has the opposite sign: it is the free energy, -ELBO.)
    """
    if not log_p_xzK.shape == log_q0_z0.shape == sum_logdet.shape or log_p_xzK.dim() == 0:
        raise ValueError("the three arguments must have the same shape (L, ...)")
    return (log_p_xzK - log_q0_z0 + sum_logdet).mean(0)
