"""The byte channel between the grader and one worker: bounded reads and writes, the arena, the worker's output.

A channel is what a launcher (`zygote.Zygote`, `spawner.Spawner`) hands the grader's client
for one worker.  Every read and write ends by its deadline (`Timeout`), whatever the
worker does with its end, and while it waits the channel calls `poll()` every POLL_S
(the client's disk watch), so nothing can stall the grader.  `arena` is the grader's view
of the memory the worker's inputs live in; `close()` ends the worker and all it started.

`PipeChannel` is the POSIX one: two non-blocking pipe descriptors and select().
"""
from __future__ import annotations

import os
import select
import time
from typing import Any, Callable


POLL_S = 0.05
STDOUT_CAP = 8000


class Timeout(Exception):
    """The deadline passed before the worker read or wrote what it had to."""


class PipeChannel:
    """A worker reached through two pipes (non-blocking on the grader's side), its output in a file the grader
    empties after each call, and an arena mapped by both."""

    def __init__(self, read_fd: int, write_fd: int, output_fd: int, arena: memoryview, layers: dict,
                 close: Callable[[], None], poll: Callable[[], None] = lambda: None):
        for fd in (read_fd, write_fd):
            os.set_blocking(fd, False)
        self.read_fd, self.write_fd, self.output_fd = read_fd, write_fd, output_fd
        self.arena, self.layers, self._close, self.poll = arena, layers, close, poll

    def _wait(self, fd: int, write: bool, deadline: float) -> None:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Timeout
            sets = ([], [fd], []) if write else ([fd], [], [])
            if any(select.select(*sets, min(remaining, POLL_S))):
                return
            self.poll()

    def read(self, n: int, deadline: float) -> bytes:
        """Exactly n bytes; EOFError when the worker is gone."""
        chunks = []
        while n:
            self._wait(self.read_fd, False, deadline)
            try:
                chunk = os.read(self.read_fd, min(n, 1 << 20))
            except BlockingIOError:
                continue
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def write(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            self._wait(self.write_fd, True, deadline)
            try:
                view = view[os.write(self.write_fd, view[: 1 << 16]):]
            except BlockingIOError:
                continue

    def stale(self) -> bool:
        """Bytes waiting before any request: something the worker wrote that nobody asked for."""
        return bool(select.select([self.read_fd], [], [], 0)[0])

    def stdout(self) -> str:
        """What the worker printed since the last call (the tail, STDOUT_CAP characters); the file starts empty again."""
        end = os.fstat(self.output_fd).st_size
        start = max(0, end - STDOUT_CAP)
        data = os.pread(self.output_fd, end - start, start) if end > start else b""
        os.ftruncate(self.output_fd, 0)          # the worker appends, so RLIMIT_FSIZE applies per call
        return ("[...]\n" if start > 0 else "") + data.decode("utf-8", "replace").replace("\x00", "")

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd, self.output_fd):
            os.close(fd)
        self._close()


def greet(channel: Any, ident: str, timeout_s: float, hint: str = "") -> Any:
    """The channel, once its worker's first frame has said which layers it has (with the `ident` it was given);
    a worker that does not say so in time is ended, and RuntimeError raised."""
    from autograder.sandbox import wire         # torch: not at import, so the portable launcher starts first

    try:
        hello = wire.read_frame(lambda n: channel.read(n, time.monotonic() + timeout_s))
    except Exception:  # noqa: BLE001 - no hello, whatever the reason
        hello = None
    if not isinstance(hello, dict) or hello.get("id") != ident or not isinstance(hello.get("layers"), dict):
        channel.close()
        raise RuntimeError("the worker did not start" + hint)
    channel.layers = hello["layers"]
    return channel
