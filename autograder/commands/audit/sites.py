"""Which regimes of each operation in a reference function the cases reach: both signs of an `abs`, both sides of a clamp.

Coverage.py sees Python branches only; a regime of a tensor operation is a branch inside its
argument.  The cases run on the reference under a `TorchFunctionMode` that, for each call of
an operation below made from the audited function's own lines, records which regimes that
call's arguments fall in.  A site (line and operation) that never falls in one of its regimes
is a place where a student's mistake costs no points: an `abs` whose argument is never
negative cannot tell `log|det|` from `log det`.

| operation | regimes |
|---|---|
| abs, slogdet | argument (determinant) < 0, and > 0 |
| clamp, clamp_min, clamp_max | some entry clipped, some not |
| maximum, minimum, two-tensor max/min | each argument the larger somewhere |
| where | condition True somewhere, and False somewhere |
| exp, logsumexp, logaddexp, softplus, softmax, log_softmax, logsigmoid | |x| <= LARGE somewhere, and |x| > LARGE somewhere |
| log1p, expm1 | |x| >= TINY somewhere, and 0 < |x| < TINY somewhere |

LARGE = log(largest float64) ~ 709.78: beyond it exp overflows (or, negated, underflows to 0),
so a naive log(sum(exp(x))), log(1 + exp(x)), exp(x) / sum(exp(x)), ... gives inf or -inf where the stable form is
finite.  TINY = 1e-8: below it 1 + x keeps fewer than half of x's digits, so log(1 + x) or
exp(x) - 1 loses what log1p and expm1 keep.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

LARGE = math.log(sys.float_info.max)
TINY = 1e-8
_TORCH = str(Path(torch.__file__).parent)            # frames in torch's own Python code are not the reference's


def _tensor(value: Any) -> torch.Tensor | None:
    return value.detach().to(torch.float64) if isinstance(value, torch.Tensor) and value.is_floating_point() else None


def _which(**labelled: torch.Tensor) -> set[str]:
    """The labels whose mask holds somewhere (keyword names are the regimes' keys in EXPECTED)."""
    return {key for key, mask in labelled.items() if bool(mask.any())}


def _signs(x: torch.Tensor) -> set[str]:
    return _which(negative=x < 0, positive=x > 0)


def _magnitude(x: torch.Tensor) -> set[str]:
    return _which(moderate=x.abs() <= LARGE, large=x.abs() > LARGE)


def _smallness(x: torch.Tensor) -> set[str]:
    return _which(ordinary=x.abs() >= TINY, tiny=(x != 0) & (x.abs() < TINY))


def _clamp(x: torch.Tensor, args: tuple, kwargs: dict, name: str) -> set[str]:
    low = kwargs.get("min", args[0] if args and name != "clamp_max" else None)
    high = kwargs.get("max", args[1] if len(args) > 1 else (args[0] if args and name == "clamp_max" else None))
    if low is None and high is None:
        return set()
    clipped = torch.zeros_like(x, dtype=torch.bool)
    if low is not None:
        clipped |= x < low
    if high is not None:
        clipped |= x > high
    return _which(clipped=clipped, inside=~clipped)


EXPECTED = {            # kind -> regime key -> how a report names it
    "abs": {"negative": "an argument < 0", "positive": "an argument > 0"},
    "slogdet": {"negative": "a determinant < 0", "positive": "a determinant > 0"},
    "clamp": {"clipped": "an entry clipped", "inside": "an entry inside the bounds"},
    "larger": {"first": "the first argument the larger", "second": "the second argument the larger"},
    "where": {"true": "the condition True", "false": "the condition False"},
    "magnitude": {"moderate": f"|argument| <= {LARGE:.0f}", "large": f"|argument| > {LARGE:.0f} (the naive formula overflows)"},
    "smallness": {"ordinary": f"|argument| >= {TINY:g}", "tiny": f"0 < |argument| < {TINY:g} (1 + x loses it)"},
}
KIND = {**dict.fromkeys(("abs", "__abs__", "absolute"), "abs"), **dict.fromkeys(("linalg_slogdet", "slogdet"), "slogdet"),
        **dict.fromkeys(("clamp", "clip", "clamp_min", "clamp_max"), "clamp"),
        **dict.fromkeys(("maximum", "minimum", "fmax", "fmin", "max", "min"), "larger"), "where": "where",
        **dict.fromkeys(("exp", "logsumexp", "logaddexp", "softplus", "softmax", "log_softmax", "logsigmoid"), "magnitude"),
        **dict.fromkeys(("log1p", "expm1"), "smallness")}


def reached(name: str, args: tuple, kwargs: dict) -> set[str] | None:
    """The regimes one call of the operation `name` falls in (None: not an operation this module judges)."""
    kind = KIND.get(name)
    x = _tensor(args[0]) if args else _tensor(kwargs.get("input"))
    if kind == "where" and args and isinstance(args[0], torch.Tensor) and len(args) == 3:
        return _which(true=args[0].bool(), false=~args[0].bool())
    if kind == "larger":
        other = _tensor(args[1]) if len(args) > 1 else None
        return _which(first=x > other, second=other > x) if x is not None and other is not None else None
    if x is None or kind is None or kind == "where":
        return None
    if kind == "slogdet":
        det = torch.linalg.det(x)
        return _which(negative=det < 0, positive=det > 0)
    if kind == "clamp":
        return _clamp(x, args[1:], kwargs, name)
    return {"abs": _signs, "magnitude": _magnitude, "smallness": _smallness}[kind](x)


@dataclass
class Sites(TorchFunctionMode):
    """Records, per site (function, line, operation) of the file `path` run within a call of `function`, the regimes
    its calls fell in: the function's own lines and its helpers' in that file."""

    path: str
    module: str
    function: str
    seen: dict[tuple[str, int, str], set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()

    def _within(self, frame: Any) -> bool:
        while frame is not None:
            if frame.f_code.co_filename == self.path and frame.f_code.co_name == self.function:
                return True
            frame = frame.f_back
        return False

    def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        kwargs = kwargs or {}
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename.startswith(_TORCH):
            frame = frame.f_back                        # a torch function written in Python: its caller's line
        name = getattr(func, "__name__", "")
        if name in KIND and frame is not None and frame.f_code.co_filename == self.path and self._within(frame):
            regimes = reached(name, args, kwargs)
            if regimes is not None:
                self.seen.setdefault((frame.f_code.co_name, frame.f_lineno, KIND[name]), set()).update(regimes)
        return func(*args, **kwargs)

    def unreached(self) -> list[str]:
        """'module.function:line operation: never <regime>' for each regime of a site that no call fell in (a helper's
        site as 'module.function -> helper:line')."""
        out = []
        for (function, line, kind), regimes in sorted(self.seen.items()):
            where = f"{self.module}.{self.function}" + (f" -> {function}" if function != self.function else "")
            out += [f"{where}:{line} {kind}: never {label}" for key, label in EXPECTED[kind].items() if key not in regimes]
        return out
