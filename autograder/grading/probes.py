"""Probes: grader code that drives several of a side's functions and combines what they return.

A probe is called as `probe(side, *args)`.  It runs in the grader, always: with the
student's side (`sides.StudentSide`) each function it calls is one call into the worker,
whose result crosses the wire as a plain value before the probe looks at it; with the
reference side the same probe gives the expected value.  Nothing a worker does can change
what a probe computes from those values.  A value a probe cannot use raises `ProbeError`
with a message about the student's function (never about hidden inputs).
"""
from __future__ import annotations

from typing import Any, Callable

import torch


def drives(*qualnames: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the functions a probe calls, in the order it first calls them (tests check the declaration)."""
    def mark(probe: Callable[..., Any]) -> Callable[..., Any]:
        probe.drives = qualnames
        return probe
    return mark


class ProbeError(Exception):
    """A student's function returned something a probe cannot combine (the wrong type or shape)."""


def _tensor(value: Any, shape: tuple[int, ...], what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor) or tuple(value.shape) != shape or not (value.is_floating_point() or value.dtype == torch.bool):
        got = f"shape {tuple(value.shape)} ({value.dtype})" if isinstance(value, torch.Tensor) else type(value).__name__
        raise ProbeError(f"{what} returned {got}, expected a floating tensor of shape {shape}")
    return value


@drives("autoregressive.masked_conv2d")
def receptive_field_impulses(side, mask_types: str, weights: torch.Tensor, size: int, pixel: tuple[int, int]) -> torch.Tensor:
    r"""Input pixels that output `pixel` (1-based) responds to, through the side's masked_conv2d.

    One single-channel 3x3 layer per letter of `mask_types` (first letter first), weights
    (L, 3, 3) strictly positive, no bias, no activation: the stack is linear with positive
    coefficients, so feeding it one unit impulse per input pixel (a batch of size^2 images)
    and reading the output at `pixel` gives exactly the pixels with a non-zero weight, with
    no cancellation.  (The same field autograd would give, from values alone.)
    """
    conv = side.function("autoregressive.masked_conv2d")
    n = size * size
    h = torch.eye(n, dtype=torch.float64).reshape(n, 1, size, size)
    for mask_type, w in zip(mask_types, weights):
        h = _tensor(conv(h, w.reshape(1, 1, 3, 3), None, mask_type), (n, 1, size, size), "masked_conv2d").double()
    return (h[:, 0, pixel[0] - 1, pixel[1] - 1] != 0).reshape(size, size)


@drives("simsiam.simsiam_H", "simsiam.encoder_update")
def simsiam_H_residual(side, W: torch.Tensor, Wp: torch.Tensor, X: torch.Tensor, Xp: torch.Tensor) -> torch.Tensor:
    r"""H vec(W) + vec(W_dot) with column-stacking vec(W) = W.T.reshape(-1); zero when simsiam_H and
    encoder_update(..., stop_grad=False) describe the same linear map, W_dot = -dJ/dW."""
    n2, n1 = W.shape
    H = _tensor(side.function("simsiam.simsiam_H")(Wp, X, Xp), (n1 * n2, n1 * n2), "simsiam_H")
    W_dot = _tensor(side.function("simsiam.encoder_update")(W, Wp, X, Xp, False), (n2, n1), "encoder_update")
    return H.double() @ W.T.reshape(-1) + W_dot.double().T.reshape(-1)


@drives("divergences.kl_dual_r1", "divergences.kl_dual_r2")
def kl_duals(side, t_p: torch.Tensor, t_q: torch.Tensor) -> tuple[Any, Any]:
    """(R1[T], R2[T]) from the side's two functions on the same critic values."""
    return side.function("divergences.kl_dual_r1")(t_p, t_q), side.function("divergences.kl_dual_r2")(t_p, t_q)


@drives("answers.choice")
def answer(side, key: str) -> Any:
    """The value of `key` in the side's answers.yaml."""
    return side.answer(key)
