"""Compare what a submission returned with the reference, and say precisely how they differ.

The comparison never trusts the returned object: it is rebuilt from raw bytes by the
wire format, so it is a plain tensor, a number, a tuple/list, or a description of
something that could not cross ({"_bad": category, "name": type name}).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from autograder.specs.base import Call, Comparison, Output, Tolerance


@dataclass(frozen=True)
class Mismatch:
    """Why one returned value is wrong.

    `detail` is for visible tests only.  `summary` names the kind of problem; hidden tests
    show it only when `public` (it depends on the submission alone, never on hidden inputs).
    """

    summary: str
    detail: str = ""
    public: bool = False


def describe_bad(value: dict) -> str:
    """What a worker returned that could not cross the wire as a plain value, from its category and type name
    (identifier characters only; shown as code, since the student chose it)."""
    name = f"`{value.get('name', '?')}`"
    return {"device": f"a tensor on device {name}", "layout": f"a {name} tensor", "subclass": f"a torch.Tensor subclass ({name})",
            }.get(value.get("_bad"), f"an object of type {name}")


def _describe(value: Any) -> str:
    if isinstance(value, dict) and "_bad" in value:
        return describe_bad(value)
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} values"
    return f"a {type(value).__name__}"


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def compare_tensor(got: Any, expected: torch.Tensor, tol: Tolerance, name: str, broadcast_shape: tuple | None = None) -> Mismatch | None:
    """None if `got` matches `expected` within `tol`; else the first reason it does not."""
    if not isinstance(got, torch.Tensor):
        return Mismatch("wrong type", f"`{name}` is {_describe(got)}, expected a torch.Tensor")
    if expected.dtype == torch.bool:
        if got.dtype != torch.bool:
            return Mismatch("wrong dtype", f"`{name}` has dtype {got.dtype}, expected a bool tensor (torch.bool)")
    elif expected.is_floating_point():
        if got.dtype not in (torch.float32, torch.float64):
            return Mismatch("wrong dtype", f"`{name}` has dtype {got.dtype}, expected a floating tensor "
                            "(torch.float64 like the inputs, or torch.float32)")
    elif got.dtype.is_floating_point or got.dtype == torch.bool:
        return Mismatch("wrong dtype", f"`{name}` has dtype {got.dtype}, expected an integer tensor ({expected.dtype})")
    target = tuple(expected.shape)
    if broadcast_shape is not None:
        # Tensor.expand is the one-way broadcast check (torch.broadcast_shapes would import sympy, ~0.4 s).
        try:
            got, expected = got.expand(broadcast_shape), expected.expand(broadcast_shape)
        except RuntimeError:
            return Mismatch("wrong shape", f"`{name}` has shape {tuple(got.shape)}, which does not broadcast to {broadcast_shape}")
    elif tuple(got.shape) != target:
        return Mismatch("wrong shape", f"`{name}` has shape {tuple(got.shape)}, expected {target}")
    if expected.dtype == torch.bool or not expected.is_floating_point():
        wrong = got != expected
        if bool(wrong.any()):
            idx = tuple(int(i) for i in wrong.nonzero()[0])
            return Mismatch("wrong values", f"`{name}` differs at {int(wrong.sum())} of {wrong.numel()} entries; first at "
                            f"index {idx}: got {got[idx].item()}, expected {expected[idx].item()}")
        return None
    g, e = got.to(torch.float64), expected.to(torch.float64)
    close = torch.isclose(g, e, rtol=tol.rtol, atol=tol.atol, equal_nan=True)
    if bool(close.all()):
        return None
    err = (g - e).abs()
    excess = torch.where(close, torch.zeros_like(err), torch.nan_to_num(err - tol.atol - tol.rtol * e.abs(), nan=float("inf"), posinf=float("inf")))
    flat = int(excess.reshape(-1).argmax())
    idx = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), g.shape)) if g.dim() else ()
    finite = torch.isfinite(err) & ~close
    max_abs = err[finite].max().item() if bool(finite.any()) else float("nan")
    rel = (err / e.abs().clamp_min(1e-300))[finite]
    max_rel = rel.max().item() if rel.numel() else float("nan")
    gv, ev = g[idx].item(), e[idx].item()
    kind = "non-finite values" if not bool(torch.isfinite(g).all()) and bool(torch.isfinite(e).all()) else "wrong values"
    where = f" at index {idx}" if idx else ""
    return Mismatch(kind, f"`{name}` differs from the expected values at {int((~close).sum())} of {close.numel()} entries; "
                    f"worst{where}: got {_fmt(gv)}, expected {_fmt(ev)} (max abs error {_fmt(max_abs)}, max rel error "
                    f"{_fmt(max_rel)}; allowed |got - expected| <= {tol.atol:g} + {tol.rtol:g} * |expected|)")


def compare(got: Any, expected: Any, tol: Tolerance, outputs: tuple[Output, ...], only: int | None) -> Mismatch | None:
    """Compare a whole return value (a tensor, or a tuple of tensors described by `outputs`)."""
    if len(outputs) == 1:
        return compare_tensor(got, expected, tol, outputs[0].name)
    if not isinstance(got, (tuple, list)) or len(got) != len(outputs):
        names = ", ".join(o.name for o in outputs)
        return Mismatch("wrong type", f"returned {_describe(got)}, expected a tuple of {len(outputs)} tensors ({names})")
    for i, out in enumerate(outputs):
        if only is not None and i != only:
            continue
        shape = tuple(expected[out.broadcast_to].shape) if out.broadcast_to is not None else None
        problem = compare_tensor(got[i], expected[i], tol, out.name, shape)
        if problem:
            return problem
    return None


def compare_value(got: Any, expected: Any, call: Call, comparison: Comparison) -> Mismatch | None:
    """The `values` judge: `compare` under the item's comparison."""
    return compare(got, expected, comparison.tolerance, comparison.outputs, comparison.only)
