"""A worker as a fresh interpreter (`spawner.Spawner`): torch first, then the setup frame, then requests.

Its stdin and stdout carry frames; they are moved to other descriptors first and 0, 1 and 2
pointed at the null device, so nothing printed by C code can break a frame.  What student
code prints is kept in memory and sent with each reply.
"""
from __future__ import annotations

import mmap
import os
import sys

from autograder.sandbox import wire
from autograder.sandbox.capture import CappedOutput
from autograder.sandbox.startup import prepare_torch
from autograder.sandbox.worker import serve


def main() -> None:
    requests, replies = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    prepare_torch()
    setup = wire.read_frame(wire.exact_reader(requests))
    with open(setup["arena"], "r+b") as f:
        arena = memoryview(mmap.mmap(f.fileno(), setup["arena_bytes"]))
    os.chdir(setup["scratch"])
    os.environ.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""})
    sys.stdout = sys.stderr = CappedOutput(None)
    sys.dont_write_bytecode = True
    sys.path.extend(setup["search_path"])
    wire.write_all(replies, wire.pack({"layers": {"spawned": True}, "id": setup["id"]}))
    serve(requests, replies, arena, setup["modules"], setup["scratch"])
