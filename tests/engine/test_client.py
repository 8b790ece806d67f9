"""The grader's side of a worker's channel: every read and write ends by its deadline, whatever the worker does."""
import fcntl
import os
import subprocess
import sys
import time

import pytest

from autograder.sandbox.channel import PipeChannel, Timeout
from autograder.sandbox.spawner import ThreadChannel


def pipe_channel(to_worker: int, from_worker: int) -> PipeChannel:
    return PipeChannel(from_worker, to_worker, os.open(os.devnull, os.O_RDONLY), memoryview(bytearray(64)), {}, close=lambda: None)


def test_a_write_to_a_pipe_nobody_reads_ends_at_its_deadline():
    """The red team shrank the request pipe to 4 KiB and stopped reading: a blocking write never returned."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, 1031, 4096)                                       # F_SETPIPE_SZ, as the attack did
    channel = pipe_channel(write_end, read_end)
    begin = time.monotonic()
    with pytest.raises(Timeout):
        channel.write(b"x" * (64 << 10), time.monotonic() + 0.5)
    assert time.monotonic() - begin < 1.5
    channel.close()


def test_a_read_of_a_reply_that_never_comes_ends_at_its_deadline_and_polls_while_it_waits():
    read_end, write_end = os.pipe()
    polls = []
    channel = PipeChannel(read_end, write_end, os.open(os.devnull, os.O_RDONLY), memoryview(bytearray(64)), {},
                          close=lambda: None, poll=lambda: polls.append(1))
    os.write(write_end, b"\x10\x00")                                         # half a length, then nothing
    begin = time.monotonic()
    with pytest.raises(Timeout):
        channel.read(4, time.monotonic() + 0.3)
    assert time.monotonic() - begin < 1.0 and len(polls) >= 3                 # the disk watch ran while it waited
    channel.close()


def test_a_spawned_worker_that_never_reads_nor_answers_cannot_stall_the_thread_channel(tmp_path):
    import mmap

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, bufsize=0, start_new_session=True)
    path = tmp_path / "arena"
    path.write_bytes(b"\0" * 4096)
    with open(path, "r+b") as f:
        arena = mmap.mmap(f.fileno(), 4096)
    channel = ThreadChannel(proc, arena, str(path), lambda: None)
    begin = time.monotonic()
    with pytest.raises(Timeout):
        channel.write(b"x" * (4 << 20), time.monotonic() + 0.5)              # past any pipe buffer
    with pytest.raises(Timeout):
        channel.read(4, time.monotonic() + 0.3)
    assert time.monotonic() - begin < 2.0 and not channel.stale()
    channel.close()
    assert proc.poll() is not None and not path.exists()
