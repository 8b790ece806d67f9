"""Regimes of a function's arguments that a rubric's cases must reach, declared with its spec (`FunctionSpec.regimes`).

A `Regime` is a named predicate on the arguments of one call (by name, defaults filled in):
"t = T", "D = 1", "one component".  `audit` runs every case of a rubric on the reference,
records the arguments of each call of the function that returned, and lists the regimes no
call reached: a mistake that shows only there (a wrong index at t = T, a clamp at D = 1, a sum
over the wrong dimension that a square input hides) costs no points.  The helpers below build
the regimes STUDENT_API.md names; a spec may add its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch

NEAR = 1e-12             # "within 1e-12" of a probability's end


@dataclass(frozen=True)
class Regime:
    name: str
    holds: Callable[[dict[str, Any]], bool]

    def reached(self, arguments: dict[str, Any]) -> bool:
        try:
            return bool(self.holds(arguments))
        except (TypeError, ValueError, IndexError, AttributeError, RuntimeError):   # an argument of another form: not this one
            return False


def _any(value: Any, test: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    return bool(test(torch.as_tensor(value)).any())


def timesteps(low: int = 1, top: bool = True, t: str = "t", betas: str = "betas") -> tuple[Regime, ...]:
    """DDPM's t: its smallest value `low`, t = T (`top`), a LongTensor of mixed values, and a Python int."""
    return ((Regime(f"t = {low}", lambda a: _any(a[t], lambda v: v == low)),)
            + ((Regime("t = T", lambda a: _any(a[t], lambda v: v == len(a[betas]))),) if top else ())
            + (Regime("t a LongTensor of mixed values (batched)", lambda a: torch.is_tensor(a[t]) and a[t].unique().numel() > 1),
               Regime("t a Python int", lambda a: isinstance(a[t], int))))


def probability_ends(name: str) -> tuple[Regime, ...]:
    """A probability argument at exactly 0 and 1, and within NEAR of each without reaching it."""
    return (Regime(f"{name} = 0", lambda a: _any(a[name], lambda v: v == 0)),
            Regime(f"{name} = 1", lambda a: _any(a[name], lambda v: v == 1)),
            Regime(f"0 < {name} < {NEAR:g}", lambda a: _any(a[name], lambda v: (v > 0) & (v < NEAR))),
            Regime(f"1 - {NEAR:g} < {name} < 1", lambda a: _any(a[name], lambda v: (v < 1) & (v > 1 - NEAR))))


def size_one(name: str, dim: int, what: str) -> Regime:
    """A degenerate size: dimension `dim` of `name` is 1 (`what` says it in the homework's words: "one sample")."""
    return Regime(what, lambda a: a[name].shape[dim] == 1)


def non_square(name: str, what: str = "") -> Regime:
    """The last two dimensions of `name` differ (a transpose or a reduction over the wrong one would show)."""
    return Regime(what or f"{name} not square", lambda a: a[name].shape[-1] != a[name].shape[-2])


def asymmetric(name: str) -> Regime:
    """A square matrix argument that is not symmetric (S and S^T differ)."""
    return Regime(f"{name} not symmetric", lambda a: not torch.allclose(a[name], a[name].transpose(-1, -2)))


def forms(name: str, accepted: dict[str, Callable[[Any], bool]]) -> tuple[Regime, ...]:
    """Every accepted form of an argument: forms("idx", {"a LongTensor": is_tensor, "None": is_none})."""
    return tuple(Regime(f"{name} {label}", lambda a, test=test: test(a[name])) for label, test in accepted.items())


def flag(name: str) -> tuple[Regime, ...]:
    """A bool argument both True and False."""
    return forms(name, {"True": lambda v: v is True, "False": lambda v: v is False})


def is_tensor(value: Any) -> bool:
    return torch.is_tensor(value)


def is_none(value: Any) -> bool:
    return value is None
