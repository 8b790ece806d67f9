"""Probes: grader code that runs inside the worker and drives the student's own functions.

A probe is called as `probe(side, *args)`.  In the worker, `side.function("module.name")`
is the student's function and `side.answer(key)` reads their answers.yaml; in the grader,
`side` is the reference, so the expected value is the very same probe run on the
reference (see `checks.py`).  Probes hold no secret: the zygote loads this module before
forking, and whatever a probe returns is checked by the grader like any other output.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F


def _tensor(value: Any, shape: tuple[int, ...], what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor) or tuple(value.shape) != shape:
        got = f"shape {tuple(value.shape)}" if isinstance(value, torch.Tensor) else type(value).__name__
        raise ValueError(f"{what} returned {got}, expected a tensor of shape {shape}")
    return value


def receptive_field_autograd(side, mask_types: str, weights: torch.Tensor, size: int, pixel: tuple[int, int]) -> torch.Tensor:
    r"""Input pixels whose gradient at output `pixel` (1-based) is non-zero, through the student's masked_conv2d.

    One single-channel 3x3 layer per letter of `mask_types` (first letter first), weights
    (L, 3, 3) strictly positive so that no gradient cancels, no bias, no activation.
    """
    conv = side.function("autoregressive.masked_conv2d")
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    h = x
    for mask_type, w in zip(mask_types, weights):
        h = _tensor(conv(h, w.reshape(1, 1, 3, 3), None, mask_type), (1, 1, size, size), "masked_conv2d")
    if not h.requires_grad:
        raise RuntimeError("no gradient reaches the input through masked_conv2d: keep the computation in torch "
                           "(no numpy, no .detach(), no torch.no_grad()) so autograd can follow it")
    (grad,) = torch.autograd.grad(h[0, 0, pixel[0] - 1, pixel[1] - 1], x, allow_unused=True)
    return torch.zeros(size, size, dtype=torch.bool) if grad is None else grad[0, 0] != 0


def simsiam_H_residual(side, W: torch.Tensor, Wp: torch.Tensor, X: torch.Tensor, Xp: torch.Tensor) -> torch.Tensor:
    r"""H vec(W) + vec(W_dot) with column-stacking vec(W) = W.T.reshape(-1); zero when simsiam_H and
    encoder_update(..., stop_grad=False) describe the same linear map, W_dot = -dJ/dW."""
    n2, n1 = W.shape
    H = _tensor(side.function("simsiam.simsiam_H")(Wp, X, Xp), (n1 * n2, n1 * n2), "simsiam_H")
    W_dot = _tensor(side.function("simsiam.encoder_update")(W, Wp, X, Xp, False), (n2, n1), "encoder_update")
    return H.double() @ W.T.reshape(-1) + W_dot.double().T.reshape(-1)


def kl_duals(side, t_p: torch.Tensor, t_q: torch.Tensor) -> tuple[Any, Any]:
    """(R1[T], R2[T]) from the student's two functions on the same critic values."""
    return side.function("divergences.kl_dual_r1")(t_p, t_q), side.function("divergences.kl_dual_r2")(t_p, t_q)


def vamp_prior(side, z: torch.Tensor, pseudo_inputs: torch.Tensor, A: torch.Tensor, a: torch.Tensor,
               B: torch.Tensor, b: torch.Tensor) -> Any:
    r"""log_vamp_prior with the grader's encoder u -> (u A + a, softplus(u B + b) + 0.05), which takes (K, D) or (D,)."""
    def encoder(u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return u @ A + a, F.softplus(u @ B + b) + 0.05

    return side.function("priors.log_vamp_prior")(z, pseudo_inputs, encoder)


def answer(side, key: str) -> Any:
    """The value of `key` in the student's answers.yaml."""
    return side.answer(key)


PROBES = {f.__name__: f for f in (receptive_field_autograd, simsiam_H_residual, kl_duals, vamp_prior, answer)}
