"""Linear SimSiam dynamics (IFT6135 W2023 Q4).

W: (n2, n1) encoder, Wp: (n2, n2) predictor, X = E[xbar xbar^T] and X' (augmentation
noise) symmetric PSD (n1, n1).  Second moments: E[x1 x1^T] = E[x2 x2^T] = X + X', E[x1 x2^T] = X.
vec is column stacking: vec(W) = W.T.reshape(-1), so vec(B W C) = (C^T kron B) vec(W).
"""
from __future__ import annotations

import torch
from torch import Tensor


def _check_psd(name: str, M: Tensor) -> None:
    if M.dim() != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {tuple(M.shape)}")
    scale = max(M.abs().max().item(), 1.0)
    if not torch.allclose(M, M.T, rtol=0, atol=1e-10 * scale):
        raise ValueError(f"{name} must be symmetric")
    if torch.linalg.eigvalsh(M).min().item() < -1e-10 * scale:
        raise ValueError(f"{name} must be positive semi-definite")


def _check(W: Tensor, Wp: Tensor, X: Tensor, Xp: Tensor) -> None:
    _check_psd("X", X)
    _check_psd("Xp", Xp)
    if X.shape != Xp.shape:
        raise ValueError(f"X and Xp must have the same shape, got {tuple(X.shape)} and {tuple(Xp.shape)}")
    if W is not None and (W.dim() != 2 or W.shape[1] != X.shape[0]):
        raise ValueError(f"W must have shape (n2, {X.shape[0]}), got {tuple(W.shape)}")
    n2 = W.shape[0] if W is not None else Wp.shape[0]
    if tuple(Wp.shape) != (n2, n2):
        raise ValueError(f"Wp must have shape ({n2}, {n2}), got {tuple(Wp.shape)}")


def simsiam_loss(W: Tensor, Wp: Tensor, X: Tensor, Xp: Tensor) -> Tensor:
    r"""J = 1/2 [tr(Wp^T Wp F1) - tr(Wp F12) - tr(F12 Wp) + tr(F2)]   (eq. 6),

    with F1 = F2 = W (X + X') W^T and F12 = F21 = W X W^T.  Returns a 0-dim tensor.
    """
    _check(W, Wp, X, Xp)
    F1, F12 = W @ (X + Xp) @ W.T, W @ X @ W.T
    return 0.5 * (torch.trace(Wp.T @ Wp @ F1) - 2 * torch.trace(Wp @ F12) + torch.trace(F1))


def predictor_update(W: Tensor, Wp: Tensor, X: Tensor, Xp: Tensor) -> Tensor:
    r"""Wp_dot = -dJ/dWp = F12 - Wp F1 = W X W^T - Wp W (X + X') W^T   (Q4.2)."""
    _check(W, Wp, X, Xp)
    return _wp_dot(W, Wp, X, Xp)


def encoder_update(W: Tensor, Wp: Tensor, X: Tensor, Xp: Tensor, stop_grad: bool) -> Tensor:
    r"""W_dot = -dJ/dW   (Q4.3).

    stop_grad=True (target W x2 constant):  Wp^T (W X - Wp W (X + X'));
    stop_grad=False:  -[(Wp^T Wp + I) W X' + (Wp - I)^T (Wp - I) W X].
    """
    _check(W, Wp, X, Xp)
    if not isinstance(stop_grad, bool):
        raise ValueError(f"stop_grad must be a bool, got {stop_grad!r}")
    return _w_dot(W, Wp, X, Xp, stop_grad)


def _wp_dot(W: Tensor, Wp: Tensor, X: Tensor, Xp: Tensor) -> Tensor:
    return W @ X @ W.T - Wp @ W @ (X + Xp) @ W.T


def _w_dot(W: Tensor, Wp: Tensor, X: Tensor, Xp: Tensor, stop_grad: bool) -> Tensor:
    if stop_grad:
        return Wp.T @ (W @ X - Wp @ W @ (X + Xp))
    eye = torch.eye(Wp.shape[0], dtype=Wp.dtype, device=Wp.device)
    return -((Wp.T @ Wp + eye) @ W @ Xp + (Wp - eye).T @ (Wp - eye) @ W @ X)


def simsiam_H(Wp: Tensor, X: Tensor, Xp: Tensor) -> Tensor:
    r"""H = X' kron (Wp^T Wp + I) + X kron (Wp - I)^T (Wp - I), so that vec(W_dot) = -H vec(W) without stop-grad.

    Shape (n1 n2, n1 n2), for column-stacking vec.  Symmetric PSD, lambda_min(H) >= lambda_min(X').
    """
    _check(None, Wp, X, Xp)
    eye = torch.eye(Wp.shape[0], dtype=Wp.dtype, device=Wp.device)
    return torch.kron(Xp, Wp.T @ Wp + eye) + torch.kron(X, (Wp - eye).T @ (Wp - eye))


def simulate(W0: Tensor, Wp0: Tensor, X: Tensor, Xp: Tensor, dt: float, steps: int,
             stop_grad: bool = False, predictor: bool = True) -> Tensor:
    r"""||W||_F before the first and after each of `steps` forward-Euler steps, shape (steps + 1,).

    One step: W <- W + dt W_dot(W, Wp), Wp <- Wp + dt Wp_dot(W, Wp), both from the current (W, Wp).
    predictor=False fixes Wp = I (then, without stop-grad, W_n = W0 (I - 2 dt X')^n).
    """
    _check(W0, Wp0, X, Xp)
    if not isinstance(stop_grad, bool) or not isinstance(predictor, bool):
        raise ValueError("stop_grad and predictor must be bools")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an int >= 0, got {steps!r}")
    if not float(dt) > 0:
        raise ValueError(f"dt must be > 0, got {dt!r}")
    W = W0.clone()
    Wp = Wp0.clone() if predictor else torch.eye(W0.shape[0], dtype=W0.dtype, device=W0.device)
    norms = [torch.linalg.matrix_norm(W)]
    for _ in range(steps):
        W_dot = _w_dot(W, Wp, X, Xp, stop_grad)
        if predictor:
            Wp = Wp + dt * _wp_dot(W, Wp, X, Xp)
        W = W + dt * W_dot
        norms.append(torch.linalg.matrix_norm(W))
    return torch.stack(norms)
