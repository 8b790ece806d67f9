"""Callable inputs the grader passes to student functions (the VampPrior's encoder), rebuilt in the worker.

A callable input is an object of one of these classes: the wire sends its name and its
tensors (`parts()`), and the worker rebuilds it from them.  The grader calls the same
object when it runs the reference, so both sides use one definition.  They are inputs, not
judges: whatever student code does with one only changes what it returns, which the
grader checks like any other value.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class GaussianEncoder:
    """u -> (u A + a, softplus(u B + b) + 0.05): a diagonal Gaussian q(z | u), for u of shape (..., D)."""

    A: torch.Tensor          # (D, K)
    a: torch.Tensor          # (K,)
    B: torch.Tensor          # (D, K)
    b: torch.Tensor          # (K,)

    def __call__(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return u @ self.A + self.a, F.softplus(u @ self.B + self.b) + 0.05

    def parts(self) -> tuple[torch.Tensor, ...]:
        return self.A, self.a, self.B, self.b


CALLABLES: dict[str, type] = {"gaussian_encoder": GaussianEncoder}


def callable_name(value: Any) -> str | None:
    """The wire name of a callable input, None for anything else."""
    return next((name for name, cls in CALLABLES.items() if type(value) is cls), None)
