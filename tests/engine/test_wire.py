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
    body, sizes, _ = wire.unpack_header(header)
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


@pytest.mark.parametrize("header", [
    b'{"body": ' + b"[" * 50_000 + b"]" * 50_000 + b', "sizes": []}',                      # past the parser's recursion limit
    json.dumps({"body": {"tensor": 0, "dtype": ["x"], "shape": [1]}, "sizes": [8]}).encode(),   # an unhashable dtype
    json.dumps({"body": {"tensor": 0, "dtype": "float64", "shape": [1]}, "sizes": [8], "arena": [[0, 8]]}).encode(),
    json.dumps({"body": {"list": [[]] * 3}, "sizes": []}).encode(),
    json.dumps([1, 2]).encode(),
])
def test_any_frame_that_does_not_decode_raises_wire_error_whatever_is_wrong(header):
    """A reply that is not JSON, nests too deep, names a dtype that is not a string, or points into an arena the
    grader never shares: each is a WireError, never another exception escaping into the grader."""
    frame = struct.pack("<I", len(header)) + header + b"\0" * 8
    with pytest.raises(wire.WireError):
        wire.read_frame(wire.buffer_reader(frame)[0])


def test_values_nested_past_the_depth_limit_are_refused_both_ways():
    deep: list = []
    for _ in range(wire.MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(wire.WireError):
        wire.pack({"result": deep})
    tree: dict = {"list": []}
    for _ in range(wire.MAX_DEPTH + 2):
        tree = {"list": [tree]}
    with pytest.raises(wire.WireError, match="too deep"):
        wire.decode(tree, [])


def test_arena_inputs_are_views_of_the_shared_memory_so_in_place_changes_are_seen_there():
    arena = memoryview(bytearray(1 << 12))
    blobs: list[bytes] = []
    body = wire.encode({"args": [torch.arange(4, dtype=torch.float64), torch.ones(2, dtype=torch.int64)]}, blobs)
    frame, placed = wire.frame(body, blobs, arena)
    assert [off % wire.ARENA_ALIGN for off, _ in placed] == [0, 0] and len(frame) < 200      # no tensor bytes in the frame
    request = wire.read_frame(wire.buffer_reader(frame)[0], arena)
    x = request["args"][0]
    assert torch.equal(x, torch.arange(4, dtype=torch.float64))
    x.add_(1)                                                   # what a student's in-place update does
    off, original = placed[0]
    assert bytes(arena[off: off + len(original)]) != original and bytes(arena[placed[1][0]:][:16]) == placed[1][1]


def test_a_frame_pointing_outside_the_arena_is_refused():
    header = json.dumps({"body": {"tensor": 0, "dtype": "uint8", "shape": [16]}, "sizes": [], "arena": [[4090, 16]]}).encode()
    with pytest.raises(wire.WireError, match="out of bounds"):
        wire.read_frame(wire.buffer_reader(struct.pack("<I", len(header)) + header)[0], memoryview(bytearray(4096)))


def test_a_conjugated_or_negated_view_crosses_as_its_values():
    a = torch.complex(torch.tensor([1.0, 2.0]), torch.tensor([3.0, -4.0])).conj().imag     # negative bit set
    assert torch.equal(_decode(wire.pack({"x": a}))["x"], torch.tensor([-3.0, 4.0]))


def test_the_encoder_crosses_as_a_callable_input_only_into_a_worker():
    from autograder.sandbox.callables import GaussianEncoder

    encoder = GaussianEncoder(*(t.double() for t in (torch.eye(2), torch.zeros(2), torch.eye(2), torch.ones(2))))
    frame = wire.pack({"args": [encoder]})
    rebuilt = wire.read_frame(wire.buffer_reader(frame)[0], callables=True)["args"][0]
    u = torch.randn(3, 2, dtype=torch.float64)
    assert all(torch.equal(a, b) for a, b in zip(rebuilt(u), encoder(u)))
    with pytest.raises(wire.WireError):
        wire.read_frame(wire.buffer_reader(frame)[0])            # a reply may not carry one
