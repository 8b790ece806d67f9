"""The pieces feedback is made of: Python literals and snippets that reproduce a call, case
descriptions without secrets, and a boolean field drawn as a grid.  (`render.py` decides
which pieces a test shows; `autograder/safe_text.py` fences the student's own text.)
"""
from __future__ import annotations

from typing import Any

import torch

from autograder.safe_text import fence
from autograder.sandbox.callables import callable_name
from autograder.specs.base import Call, FunctionSpec, Tolerance

MAX_SNIPPET_ELEMENTS = 400


def literal(value: Any) -> str:
    """Python source that rebuilds `value` exactly (floats print with full precision)."""
    if isinstance(value, torch.Tensor):
        return f"torch.tensor({value.tolist()!r}, dtype={value.dtype})"
    if isinstance(value, tuple):
        return "(" + ", ".join(literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, float) and value != value:
        return 'float("nan")'
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return f'float("{value}")'
    return repr(value)


def _size(value: Any) -> int:
    if isinstance(value, torch.Tensor):
        return value.numel()
    if isinstance(value, (tuple, list)):
        return sum(_size(v) for v in value)
    return 1


def snippet(spec: FunctionSpec, call: Call, expected: Any, tol: Tolerance | None, raises: bool) -> str:
    """A copy-pasteable script that calls the student's function on this case and checks it (that it raises ValueError)."""
    if _size(call.args) + _size(call.kwargs) + _size(expected) > MAX_SNIPPET_ELEMENTS or any(
            callable_name(v) for v in (*call.args, *call.kwargs.values())):
        return ""                                       # too large to paste, or an input (an encoder) with no literal
    names = spec.arg_names
    lines = ["import torch", f"from {spec.module} import {spec.function}", ""]
    lines += [f"{names[i]} = {literal(v)}" for i, v in enumerate(call.args)]
    lines += [f"{k} = {literal(v)}" for k, v in call.kwargs.items()]
    call_args = ", ".join([names[i] for i in range(len(call.args))] + [f"{k}={k}" for k in call.kwargs])
    if raises:
        lines += ["", "try:", f"    {spec.function}({call_args})", "except ValueError as exc:", "    print('ok: ValueError:', exc)",
                  "else:", "    print('expected a ValueError')"]
    else:
        lines += ["", f"got = {spec.function}({call_args})", f"expected = {literal(expected)}",
                  f"torch.testing.assert_close(got, expected, rtol={tol.rtol!r}, atol={tol.atol!r}, check_dtype=False)"]
    return "```python\n" + "\n".join(lines) + "\n```"


def describe_case(params: Any) -> str:
    """The parameters an instructor set for a case, minus seeds and anything marked secret (an answer key)."""
    secret = {name for name, f in type(params).model_fields.items() if (f.json_schema_extra or {}).get("secret")}
    shown = {k: v for k, v in params.model_dump(exclude_defaults=True).items() if k not in ("seed", "repeat", *secret)}
    return ", ".join(f"{k}={v!r}" for k, v in shown.items()) or "default parameters"


def grid(got: torch.Tensor, expected: torch.Tensor) -> str:
    """A boolean field drawn side by side, yours vs expected, with 1-based pixel names of the differences."""
    n_rows, n_cols = expected.shape
    got, expected = got.to(torch.bool), expected.to(torch.bool)
    header = "   " + " ".join(str(c + 1)[-1] for c in range(n_cols))
    width = len(header)
    lines = [f"{'yours':<{width}}     expected", f"{header}     {header}"]
    for r in range(n_rows):
        cells = [" ".join("#" if m[r, c] else "." for c in range(n_cols)) for m in (got, expected)]
        lines.append(f"{r + 1:>2} {cells[0]}     {r + 1:>2} {cells[1]}")
    names = lambda mask: " ".join(f"{r + 1}{c + 1}" for r, c in mask.nonzero().tolist()) or "none"  # noqa: E731
    lines += ["", f"missing: {names(expected & ~got)}", f"extra:   {names(got & ~expected)}"]
    return fence("\n".join(lines))
