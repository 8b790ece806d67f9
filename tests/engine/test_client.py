"""The grader's side of the channel: bounded, non-blocking I/O, whatever the worker does with its end."""
import os
import time

import pytest

from autograder.sandbox import client


class _Pipes(client.WorkerClient):
    """A client over a bare pipe pair, no worker: only its I/O is under test."""

    def __init__(self, to_worker: int, from_worker: int):
        self._pipes, self.deadline, self.disk_limit = (from_worker, to_worker), float("inf"), 1 << 40

    def _written(self) -> int:
        return 0


def test_a_write_to_a_pipe_nobody_reads_ends_at_its_deadline():
    """The red team shrank the request pipe to 4 KiB and stopped reading: a blocking write never returned."""
    read_end, write_end = os.pipe()
    import fcntl

    fcntl.fcntl(write_end, 1031, 4096)                                       # F_SETPIPE_SZ, as the attack did
    fcntl.fcntl(write_end, fcntl.F_SETFL, fcntl.fcntl(write_end, fcntl.F_GETFL) | os.O_NONBLOCK)
    pipes = _Pipes(write_end, read_end)
    begin = time.monotonic()
    with pytest.raises(client._Timeout):
        pipes._write(b"x" * (64 << 10), time.monotonic() + 0.5)
    assert time.monotonic() - begin < 1.5
    os.close(read_end)
    os.close(write_end)


def test_a_read_of_a_reply_that_never_comes_ends_at_its_deadline():
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    os.write(write_end, b"\x10\x00")                                         # half a length, then nothing
    begin = time.monotonic()
    with pytest.raises(client._Timeout):
        _Pipes(write_end, read_end)._read(4, time.monotonic() + 0.3)
    assert time.monotonic() - begin < 1.0
    os.close(read_end)
    os.close(write_end)
