"""The one format in which values cross between grader and worker: JSON headers plus raw bytes.

A frame is  [u32 header length][header JSON][payload bytes...].  The header holds a
message whose values are encoded as JSON trees; tensors appear as
{"tensor": i, "dtype": "float64", "shape": [...]} and their bytes follow in order.
Nothing is ever pickled: decoding validates the dtype against an allow-list, the
shape, and nbytes == prod(shape) * itemsize == bytes received before allocating, and
refuses trees nested deeper than MAX_DEPTH.  Any frame that does not decode raises
WireError, whatever is wrong with it.

A request's tensors may instead lie in the *arena*, memory shared by the grader and the
worker (`frame(..., arena=...)`): the header then lists their [offset, size] and the
worker's tensors are views of that memory, so what a call does to its inputs is what the
grader reads back afterwards (the worker's own account of it is never needed).  Only
requests use the arena; a reply that refers to it is refused.

Besides plain values, a request may carry the callable inputs of `callables.py` (the
grader's VampPrior encoder), rebuilt in the worker from their tensors.
"""
from __future__ import annotations

import json
import math
import os
import struct
from typing import Any, Callable

import torch

from autograder.sandbox.callables import CALLABLES, callable_name

MAX_HEADER_BYTES = 1 << 20
MAX_PAYLOAD_BYTES = 64 << 20
MAX_TENSORS = 64
MAX_DEPTH = 32
MAX_TEXT = 4000          # characters of any message or traceback text a worker sends
ARENA_ALIGN = 64

# What a worker may report when a request fails (`{"status": "error", "kind": ...}`), by request.
IMPORT_ERRORS = ("syntax_error", "import_error")
CALL_ERRORS = ("exception", "bad_return")

DTYPES: dict[str, torch.dtype] = {
    "float64": torch.float64, "float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16,
    "int64": torch.int64, "int32": torch.int32, "int16": torch.int16, "int8": torch.int8, "uint8": torch.uint8,
    "bool": torch.bool,
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}


class WireError(Exception):
    """A frame that is malformed, oversized, or does not match its own description."""


def encode(value: Any, blobs: list[bytes], depth: int = 0) -> Any:
    """Value (tensor, number, str, None, tuple/list, dict of str, a callable input) -> JSON tree; tensor bytes go to `blobs`."""
    if depth > MAX_DEPTH:
        raise WireError(f"values nested more than {MAX_DEPTH} deep cannot cross the wire")
    if isinstance(value, torch.Tensor):
        t = value.detach()
        if t.dtype not in DTYPE_NAMES:
            raise WireError(f"dtype {t.dtype} cannot cross the wire")
        t = t.cpu().resolve_conj().resolve_neg().contiguous()
        blobs.append(tensor_bytes(t))
        return {"tensor": len(blobs) - 1, "dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape)}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, (tuple, list)):
        return {"tuple" if isinstance(value, tuple) else "list": [encode(v, blobs, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v, blobs, depth + 1) for k, v in value.items()}}
    name = callable_name(value)
    if name is not None:
        return {"callable": name, "args": [encode(v, blobs, depth + 1) for v in value.parts()]}
    raise WireError(f"{type(value).__name__} cannot cross the wire")


def tensor_bytes(t: torch.Tensor) -> bytes:
    """Raw bytes of a contiguous CPU tensor, without numpy (copied through a shared bytearray)."""
    buf = bytearray(t.numel() * t.element_size())
    if buf:
        torch.frombuffer(buf, dtype=torch.uint8).copy_(t.reshape(-1).view(torch.uint8))
    return bytes(buf)


def decode(tree: Any, blobs: list, callables: bool = False, depth: int = 0) -> Any:
    """Inverse of `encode`, validating everything it reads; callable inputs only where `callables` (requests)."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deep")
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if isinstance(tree, dict) and len(tree) >= 1:
        if "tensor" in tree:
            return _decode_tensor(tree, blobs)
        if set(tree) == {"float"} and tree["float"] in ("inf", "-inf", "nan"):
            return float(tree["float"])
        if set(tree) == {"tuple"} and isinstance(tree["tuple"], list):
            return tuple(decode(v, blobs, callables, depth + 1) for v in tree["tuple"])
        if set(tree) == {"list"} and isinstance(tree["list"], list):
            return [decode(v, blobs, callables, depth + 1) for v in tree["list"]]
        if set(tree) == {"dict"} and isinstance(tree["dict"], dict):
            return {str(k): decode(v, blobs, callables, depth + 1) for k, v in tree["dict"].items()}
        if callables and set(tree) == {"callable", "args"} and tree["callable"] in CALLABLES and isinstance(tree["args"], list):
            return CALLABLES[tree["callable"]](*(decode(v, blobs, callables, depth + 1) for v in tree["args"]))
    raise WireError("malformed value in frame")


def _decode_tensor(tree: dict, blobs: list) -> torch.Tensor:
    index, dtype_name, shape = tree.get("tensor"), tree.get("dtype"), tree.get("shape")
    if set(tree) != {"tensor", "dtype", "shape"} or not isinstance(index, int) or not 0 <= index < len(blobs):
        raise WireError("malformed tensor reference")
    if not isinstance(dtype_name, str) or dtype_name not in DTYPES:
        raise WireError(f"dtype {str(dtype_name)[:40]!r} is not allowed")
    if not isinstance(shape, list) or len(shape) > 16 or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise WireError("malformed tensor shape")
    dtype = DTYPES[dtype_name]
    itemsize = torch.empty((), dtype=dtype).element_size()
    nbytes = math.prod(shape) * itemsize
    blob = blobs[index]
    if nbytes != len(blob) or nbytes > MAX_PAYLOAD_BYTES:
        raise WireError(f"tensor declares {nbytes} bytes but {len(blob)} were sent")
    if nbytes == 0:
        return torch.empty(shape, dtype=dtype)
    if isinstance(blob, memoryview):                     # a view of the arena: the tensor shares its memory
        return torch.frombuffer(blob, dtype=dtype).reshape(shape)
    return torch.frombuffer(bytearray(blob), dtype=dtype).reshape(shape)


def frame(body: Any, blobs: list[bytes], arena: memoryview | None = None) -> tuple[bytes, list[tuple[int, bytes]]]:
    """An encoded body and its blobs -> one frame, and where each blob was placed in the arena (if one is given)."""
    placed, offset = [], 0
    if arena is not None:
        for blob in blobs:
            if offset + len(blob) > len(arena):
                raise WireError("inputs too large for the arena")
            arena[offset: offset + len(blob)] = blob
            placed.append((offset, blob))
            offset += -(-len(blob) // ARENA_ALIGN) * ARENA_ALIGN
    header = {"body": body, "sizes": [] if arena is not None else [len(b) for b in blobs]}
    if arena is not None:
        header["arena"] = [[off, len(blob)] for off, blob in placed]
    raw = json.dumps(header, allow_nan=False).encode()
    if len(raw) > MAX_HEADER_BYTES or len(blobs) > MAX_TENSORS or sum(map(len, blobs)) > MAX_PAYLOAD_BYTES:
        raise WireError("message too large")
    return struct.pack("<I", len(raw)) + raw + (b"" if arena is not None else b"".join(blobs)), placed


def pack(message: dict) -> bytes:
    """Message dict (may hold tensors anywhere) -> one frame, tensor bytes inline."""
    blobs: list[bytes] = []
    return frame(encode(message, blobs), blobs)[0]


def unpack_header(raw: bytes) -> tuple[Any, list[int], list[list[int]]]:
    """Header bytes -> (body tree, inline blob sizes, arena [offset, size] pairs), rejecting anything out of bounds."""
    try:
        header = json.loads(raw)
    except Exception as exc:  # noqa: BLE001 - not JSON, not UTF-8, nested past the parser's recursion limit, ...
        raise WireError("header is not JSON") from exc
    if not isinstance(header, dict):
        raise WireError("malformed header")
    sizes, arena = header.get("sizes"), header.get("arena", [])
    if not isinstance(sizes, list) or len(sizes) > MAX_TENSORS or not all(isinstance(s, int) and s >= 0 for s in sizes):
        raise WireError("malformed header")
    if not isinstance(arena, list) or len(arena) > MAX_TENSORS or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, int) and v >= 0 for v in p) for p in arena):
        raise WireError("malformed arena references")
    if sum(sizes) + sum(n for _, n in arena) > MAX_PAYLOAD_BYTES:
        raise WireError("payload too large")
    return header.get("body"), sizes, arena


def read_frame(read: Callable[[int], bytes], arena: memoryview | None = None, callables: bool = False) -> Any:
    """One frame, from `read(n)`, which returns exactly n bytes (or raises): the length, the header, then each blob.

    Arena references are accepted only where `arena` is given (a worker reading a request).
    """
    (size,) = struct.unpack("<I", read(4))
    if size > MAX_HEADER_BYTES:
        raise WireError("header too large")
    body, sizes, refs = unpack_header(read(size))
    if refs and arena is None:
        raise WireError("arena references where none is shared")
    if refs and any(off + n > len(arena) for off, n in refs):
        raise WireError("arena reference out of bounds")
    blobs = [read(n) for n in sizes] if not refs else [arena[off: off + n] for off, n in refs]
    return decode(body, blobs, callables)


def exact_reader(fd: int) -> Callable[[int], bytes]:
    """`read(n)` for read_frame: blocking reads of exactly n bytes from `fd` (EOFError on a closed pipe)."""
    def read(n: int) -> bytes:
        chunks, remaining = [], n
        while remaining:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                raise EOFError("pipe closed")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    return read


def buffer_reader(data: bytes) -> tuple[Callable[[int], bytes], Callable[[], bool]]:
    """`read(n)` for read_frame over bytes in memory, and `more()`: whether any byte is left."""
    offset = 0

    def read(n: int) -> bytes:
        nonlocal offset
        if offset + n > len(data):
            raise WireError("truncated frame")
        offset += n
        return data[offset - n: offset]
    return read, lambda: offset < len(data)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
