"""Workers where the zygote cannot run (macOS, Windows, no fork, no /proc): each a fresh interpreter.

On a student's own machine the local check protects nothing secret, so a worker needs no
confinement, only to be a separate process with deadlines: `python -m autograder.sandbox.spawned`,
started at once (its torch import overlaps the grader's), then told where to work.  Requests
and replies cross its stdin and stdout; a reader thread turns them into deadline-bounded
reads (select() does not work on Windows pipes); its inputs live in an arena file both map;
what it prints comes back in each reply.  Closing a channel kills the process (and, where
there are sessions, everything it started).
"""
from __future__ import annotations

import mmap
import os
import queue
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from autograder.sandbox.channel import POLL_S, Timeout, greet
from autograder.sandbox.startup import ONE_THREAD

HELLO_TIMEOUT_S = 120.0           # a student's laptop may take a while to import torch
ARENA_BYTES = 16 << 20
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class Account:
    """No separate account: the worker runs as whoever runs the check."""

    uid = gid = user = None


class Spawner:
    """Starts spawned workers; one is started at once, so its interpreter loads while the grader does."""

    sandbox = Account()
    disk_limit = None                 # the student's own machine: no disk watch

    def __init__(self) -> None:
        self._ready: subprocess.Popen | None = self._launch()

    @staticmethod
    def _launch() -> subprocess.Popen:
        """The interpreter, from a neutral folder and without "" on its path, so no file of the student's shadows a module."""
        code = (f"import sys; sys.path[:] = [{PACKAGE_ROOT!r}] + [p for p in sys.path if p not in ('', '.')]; "
                "from autograder.sandbox.spawned import main; main()")
        return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir(), start_new_session=os.name == "posix",
                                bufsize=0, env=os.environ | ONE_THREAD)

    def open_channel(self, scratch: str, modules: dict[str, str], search_path: list[str],
                     poll: Callable[[], None] = lambda: None) -> ThreadChannel:
        from autograder.sandbox import wire     # torch: imported here, so the worker starts before the grader's import

        proc, self._ready = self._ready or self._launch(), None
        fd, path = tempfile.mkstemp(prefix=".arena-", dir=os.path.dirname(scratch))
        os.ftruncate(fd, ARENA_BYTES)
        arena = mmap.mmap(fd, ARENA_BYTES)
        os.close(fd)
        channel = ThreadChannel(proc, arena, path, poll)
        ident = secrets.token_hex(8)
        setup = {"scratch": scratch, "modules": modules, "search_path": search_path, "arena": path,
                 "arena_bytes": ARENA_BYTES, "id": ident}
        channel.write(wire.pack(setup), time.monotonic() + HELLO_TIMEOUT_S)
        return greet(channel, ident, HELLO_TIMEOUT_S, " (is torch importable in this Python?)")

    def clean_up(self) -> list[str]:
        return []

    def close(self) -> None:
        if self._ready is not None:
            _kill(self._ready)
            self._ready = None

    def __enter__(self) -> Spawner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _kill(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except OSError:
        pass
    proc.wait()


class ThreadChannel:
    """A spawned worker's stdin and stdout, read by a thread into a buffer the grader waits on with a deadline."""

    def __init__(self, proc: subprocess.Popen, arena: mmap.mmap, arena_path: str, poll: Callable[[], None]):
        self.proc, self.arena, self._arena_path, self.poll = proc, arena, arena_path, poll
        self.layers: dict = {}
        self._buffer, self._eof, self._lock = bytearray(), False, threading.Condition()
        self._writes: queue.Queue = queue.Queue()
        threading.Thread(target=self._reader, daemon=True).start()
        threading.Thread(target=self._writer, daemon=True).start()

    def _reader(self) -> None:
        stream = self.proc.stdout
        while True:
            try:
                chunk = stream.read(1 << 16)
            except (OSError, ValueError):
                chunk = b""
            with self._lock:
                if not chunk:
                    self._eof = True
                else:
                    self._buffer += chunk
                self._lock.notify_all()
            if not chunk:
                return

    def _writer(self) -> None:
        while (item := self._writes.get()) is not None:
            data, done = item
            try:
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            except (OSError, ValueError):
                pass
            done.set()

    def read(self, n: int, deadline: float) -> bytes:
        with self._lock:
            while len(self._buffer) < n:
                if self._eof:
                    raise EOFError
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Timeout
                self._lock.wait(min(remaining, POLL_S))
            data = bytes(self._buffer[:n])
            del self._buffer[:n]
            return data

    def write(self, data: bytes, deadline: float) -> None:
        done = threading.Event()
        self._writes.put((data, done))
        if not done.wait(max(deadline - time.monotonic(), 0)):
            raise Timeout

    def stale(self) -> bool:
        with self._lock:
            return bool(self._buffer)

    def stdout(self) -> str:
        return ""                                   # a spawned worker's output comes in its replies

    def close(self) -> None:
        self._writes.put(None)
        _kill(self.proc)
        self.arena.close()
        try:
            os.unlink(self._arena_path)
        except OSError:
            pass
