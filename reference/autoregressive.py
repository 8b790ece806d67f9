"""Masked convolutions and their receptive fields (IFT6135 F2023 Q1, IFT6135 H2019 Q4).

Conventions: cross-correlation (no kernel flip), zero padding k//2, masks and pixels
named 1-based with centre c = (k + 1)/2; the first letter of `mask_types` is the first layer.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


def _check_mask_type(mask_type: str) -> None:
    if mask_type not in ("A", "B"):
        raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")


def pixelcnn_mask(mask_type: str, kernel_size: int = 3) -> Tensor:
    r"""The (k, k) PixelCNN mask, 1-based with centre c = (k + 1)/2:

    M_ij = 1 if i < c, or i = c and j < c (type A) / j <= c (type B); 0 elsewhere.
    """
    _check_mask_type(mask_type)
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be a positive odd int, got {kernel_size!r}")
    c = kernel_size // 2                                   # 0-based centre
    mask = torch.zeros(kernel_size, kernel_size, dtype=torch.float64)
    mask[:c] = 1
    mask[c, : c + (mask_type == "B")] = 1
    return mask


def masked_conv2d(x: Tensor, weight: Tensor, bias: Tensor | None, mask_type: str) -> Tensor:
    r"""y = (weight * M) cross-correlated with x, zero padding k//2, plus bias.

    x: (N, C_in, H, W); weight: (C_out, C_in, k, k), k odd; bias: (C_out,) or None.  Returns (N, C_out, H, W).
    """
    _check_mask_type(mask_type)
    if x.dim() != 4 or weight.dim() != 4:
        raise ValueError(f"x and weight must be 4-D, got shapes {tuple(x.shape)} and {tuple(weight.shape)}")
    k = weight.shape[-1]
    if weight.shape[-2] != k or k % 2 == 0:
        raise ValueError(f"the kernel must be square with an odd size, got {tuple(weight.shape[-2:])}")
    if weight.shape[1] != x.shape[1]:
        raise ValueError(f"weight expects {weight.shape[1]} input channels, x has {x.shape[1]}")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"bias must have shape ({weight.shape[0]},), got {tuple(bias.shape)}")
    mask = pixelcnn_mask(mask_type, k).to(weight)
    return F.conv2d(x, weight * mask, bias, padding=k // 2)


def _check_field_args(mask_types: str | Sequence[str], size: int, pixel: Sequence[int]) -> list[str]:
    types = list(mask_types)
    if not types:
        raise ValueError("mask_types must name at least one layer")
    for t in types:
        _check_mask_type(t)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    if len(pixel) != 2 or not all(isinstance(p, int) and 1 <= p <= size for p in pixel):
        raise ValueError(f"pixel must be (row, col) with 1-based entries in 1..{size}, got {tuple(pixel)!r}")
    return types


def receptive_field(mask_types: str | Sequence[str], size: int = 5, pixel: tuple[int, int] = (3, 3)) -> Tensor:
    r"""Input pixels that output `pixel` depends on through a stack of 3x3 masked layers.

    Enumerated as Minkowski sums of the mask offsets, last layer first, dropping positions
    outside the grid (zero padding carries no input).  Returns a (size, size) bool tensor.
    """
    types = _check_field_args(mask_types, size, pixel)
    reached = {(pixel[0] - 1, pixel[1] - 1)}
    for t in reversed(types):
        offsets = [(i - 1, j - 1) for i, j in (pixelcnn_mask(t, 3) > 0).nonzero().tolist()]
        reached = {(r + dr, c + dc) for r, c in reached for dr, dc in offsets if 0 <= r + dr < size and 0 <= c + dc < size}
    field = torch.zeros(size, size, dtype=torch.bool)
    for r, c in reached:
        field[r, c] = True
    return field
