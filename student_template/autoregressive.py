"""Masked convolutions (IFT6135 F2023 Q1, IFT6135 H2019 Q4).  Implement each function; keep the names and signatures.

Conventions (see STUDENT_API.md):
- Convolutions are cross-correlations (no kernel flip, as torch.nn.functional.conv2d),
  with zero padding k // 2 so a 5x5 input stays 5x5.
- Masks, kernels and pixels are named 1-based: the centre of a k x k kernel is c = (k + 1)/2,
  and pixel (3, 3) is "33", the third row and third column.
- mask_types names the layers in order, first layer first: "AB" is A then B.
- Never modify inputs; raise ValueError on invalid input (mask type not "A"/"B", even
  kernel size, channel mismatch, a pixel outside the grid, ...).
"""
import torch


def pixelcnn_mask(mask_type, kernel_size=3):
    """Return the (k, k) float mask of 0s and 1s: 1 where i < c, or i = c and j < c (type A) / j <= c (type B)."""
    raise NotImplementedError


def masked_conv2d(x, weight, bias, mask_type):
    """Return the masked cross-correlation: x (N, C_in, H, W), weight (C_out, C_in, k, k), bias (C_out,) or None."""
    raise NotImplementedError


def receptive_field(mask_types, size=5, pixel=(3, 3)):
    """Return a (size, size) bool tensor: the input pixels that output `pixel` depends on through 3x3 masked layers."""
    raise NotImplementedError
