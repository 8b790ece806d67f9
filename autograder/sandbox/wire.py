"""The one format in which values cross between grader and worker: JSON headers plus raw bytes.

A frame is  [u32 header length][header JSON][payload bytes...].  The header holds a
message whose values are encoded as JSON trees; tensors appear as
{"tensor": i, "dtype": "float64", "shape": [...]} and their bytes follow in order.
Nothing is ever pickled: decoding validates the dtype against an allow-list, the
shape, and nbytes == prod(shape) * itemsize == bytes received before allocating.
"""
from __future__ import annotations

import json
import math
import os
import struct
from typing import Any, Callable

import torch

MAX_HEADER_BYTES = 1 << 20
MAX_PAYLOAD_BYTES = 64 << 20
MAX_TENSORS = 64
MAX_TEXT = 4000          # characters of any message or traceback text a worker sends

# What a worker may report when a request fails (`{"status": "error", "kind": ...}`).
ERROR_KINDS = ("missing_module", "missing_function", "syntax_error", "import_error", "not_implemented",
               "exception", "bad_return")

DTYPES: dict[str, torch.dtype] = {
    "float64": torch.float64, "float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16,
    "int64": torch.int64, "int32": torch.int32, "int16": torch.int16, "int8": torch.int8, "uint8": torch.uint8,
    "bool": torch.bool,
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}


class WireError(Exception):
    """A frame that is malformed, oversized, or does not match its own description."""


def encode(value: Any, blobs: list[bytes]) -> Any:
    """Value (tensor, number, str, None, tuple/list, dict of str) -> JSON tree; tensor bytes go to `blobs`."""
    if isinstance(value, torch.Tensor):
        t = value.detach()
        if t.dtype not in DTYPE_NAMES:
            raise WireError(f"dtype {t.dtype} cannot cross the wire")
        t = t.cpu().contiguous()
        blobs.append(tensor_bytes(t))
        return {"tensor": len(blobs) - 1, "dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape)}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, (tuple, list)):
        return {"tuple" if isinstance(value, tuple) else "list": [encode(v, blobs) for v in value]}
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v, blobs) for k, v in value.items()}}
    raise WireError(f"{type(value).__name__} cannot cross the wire")


def tensor_bytes(t: torch.Tensor) -> bytes:
    """Raw bytes of a contiguous CPU tensor, without numpy (copied through a shared bytearray)."""
    buf = bytearray(t.numel() * t.element_size())
    if buf:
        torch.frombuffer(buf, dtype=torch.uint8).copy_(t.reshape(-1).view(torch.uint8))
    return bytes(buf)


def decode(tree: Any, blobs: list[bytes]) -> Any:
    """Inverse of `encode`, validating everything it reads."""
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if isinstance(tree, dict) and len(tree) >= 1:
        if "tensor" in tree:
            return _decode_tensor(tree, blobs)
        if set(tree) == {"float"} and tree["float"] in ("inf", "-inf", "nan"):
            return float(tree["float"])
        if set(tree) == {"tuple"} and isinstance(tree["tuple"], list):
            return tuple(decode(v, blobs) for v in tree["tuple"])
        if set(tree) == {"list"} and isinstance(tree["list"], list):
            return [decode(v, blobs) for v in tree["list"]]
        if set(tree) == {"dict"} and isinstance(tree["dict"], dict):
            return {str(k): decode(v, blobs) for k, v in tree["dict"].items()}
    raise WireError("malformed value in frame")


def _decode_tensor(tree: dict, blobs: list[bytes]) -> torch.Tensor:
    index, dtype_name, shape = tree.get("tensor"), tree.get("dtype"), tree.get("shape")
    if set(tree) != {"tensor", "dtype", "shape"} or not isinstance(index, int) or not 0 <= index < len(blobs):
        raise WireError("malformed tensor reference")
    if dtype_name not in DTYPES:
        raise WireError(f"dtype {dtype_name!r} is not allowed")
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
    return torch.frombuffer(bytearray(blob), dtype=dtype).reshape(shape)


def pack(message: dict) -> bytes:
    """Message dict (may hold tensors anywhere) -> one frame."""
    blobs: list[bytes] = []
    body = encode(message, blobs)
    header = json.dumps({"body": body, "sizes": [len(b) for b in blobs]}, allow_nan=False).encode()
    if len(header) > MAX_HEADER_BYTES or len(blobs) > MAX_TENSORS or sum(map(len, blobs)) > MAX_PAYLOAD_BYTES:
        raise WireError("message too large")
    return struct.pack("<I", len(header)) + header + b"".join(blobs)


def unpack_header(raw: bytes) -> tuple[Any, list[int]]:
    """Header bytes -> (body tree, blob sizes), rejecting anything out of bounds."""
    try:
        header = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WireError("header is not JSON") from exc
    sizes = header.get("sizes") if isinstance(header, dict) else None
    if not isinstance(sizes, list) or len(sizes) > MAX_TENSORS or not all(isinstance(s, int) and s >= 0 for s in sizes):
        raise WireError("malformed header")
    if sum(sizes) > MAX_PAYLOAD_BYTES:
        raise WireError("payload too large")
    return header.get("body"), sizes


def read_frame(read: Callable[[int], bytes]) -> Any:
    """One frame, from `read(n)`, which returns exactly n bytes (or raises): the length, the header, then each blob."""
    (size,) = struct.unpack("<I", read(4))
    if size > MAX_HEADER_BYTES:
        raise WireError("header too large")
    body, sizes = unpack_header(read(size))
    return decode(body, [read(n) for n in sizes])


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
