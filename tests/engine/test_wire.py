"""The wire format: exact round trips, and refusal of anything that lies about itself."""
import json
import struct

import pytest
import torch

from autograder.sandbox import wire


def _decode(frame: bytes):
    read, more = wire.buffer_reader(frame)
    value = wire.read_frame(read)
    assert not more()
    return value


def test_round_trip_is_bit_exact_for_every_allowed_dtype_and_structure():
    message = {"args": [torch.randn(3, 4, dtype=torch.float64), torch.tensor([True, False]), torch.arange(5),
                        torch.randn(2, dtype=torch.float32)[:1], torch.empty(0, 3), 3, 1.5, float("inf"), None, "x",
                        (torch.tensor(2.0),)]}
    back = _decode(wire.pack(message))
    for a, b in zip(message["args"], back["args"]):
        if isinstance(a, torch.Tensor):
            assert a.dtype == b.dtype and torch.equal(a, b)
        elif isinstance(a, tuple):
            assert torch.equal(a[0], b[0])
        else:
            assert a == b


def test_declared_size_must_match_the_bytes_sent():
    header = json.dumps({"body": {"tensor": 0, "dtype": "float64", "shape": [1000, 1000]}, "sizes": [8]}).encode()
    body, sizes = wire.unpack_header(header)
    with pytest.raises(wire.WireError, match="declares"):
        wire.decode(body, [b"\0" * 8])


@pytest.mark.parametrize("tree", [
    {"tensor": 0, "dtype": "object", "shape": [1]},
    {"tensor": 0, "dtype": "float64", "shape": [-1]},
    {"tensor": 5, "dtype": "float64", "shape": [1]},
    {"tensor": 0, "dtype": "float64", "shape": [1], "extra": 1},
    {"pickle": "gASVAAAAAAAAAAA="},
    {"float": "__import__('os')"},
])
def test_malformed_values_are_rejected(tree):
    with pytest.raises(wire.WireError):
        wire.decode(tree, [b"\0" * 8])


def test_headers_that_claim_too_much_are_rejected_before_reading():
    with pytest.raises(wire.WireError):
        wire.unpack_header(json.dumps({"body": None, "sizes": [wire.MAX_PAYLOAD_BYTES + 1]}).encode())
    with pytest.raises(wire.WireError):
        wire.unpack_header(b"\xff\xfe not json")


def test_objects_that_are_not_plain_values_cannot_be_sent():
    with pytest.raises(wire.WireError):
        wire.pack({"x": object()})


def test_a_truncated_frame_or_an_oversized_header_is_refused():
    frame = wire.pack({"x": torch.arange(4)})
    with pytest.raises(wire.WireError, match="truncated"):
        wire.read_frame(wire.buffer_reader(frame[:-1])[0])
    with pytest.raises(wire.WireError, match="header too large"):
        wire.read_frame(wire.buffer_reader(struct.pack("<I", wire.MAX_HEADER_BYTES + 1))[0])
