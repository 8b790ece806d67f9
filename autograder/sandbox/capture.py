"""The worker's sys.stdout and sys.stderr: what student code prints, kept to a bounded size per call.

A forked worker writes it to a file the grader reads (`fd`); a spawned worker keeps it in
memory and sends it with each reply (`fd` None, `take()`).
"""
from __future__ import annotations

import io
import os

OUTPUT_CAP = 1 << 20


class CappedOutput(io.TextIOBase):
    """The first OUTPUT_CAP bytes of each call are kept, the rest dropped.

    Printing never fails and never fills the disk; the grader shows only the tail anyway.
    (Writes to fd 1 that bypass Python meet RLIMIT_FSIZE instead.)
    """

    def __init__(self, fd: int | None):
        self.fd, self.left, self.kept = fd, OUTPUT_CAP, bytearray()

    def reset(self) -> None:
        """A new call: a new allowance (the grader empties the capture file after each call)."""
        self.left = OUTPUT_CAP
        self.kept.clear()

    def take(self) -> str | None:
        """What this call printed, where it is kept in memory (None where it goes to a file)."""
        return None if self.fd is not None else self.kept.decode("utf-8", "replace")

    @property
    def encoding(self) -> str:
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        data = str(text).encode("utf-8", "replace")
        if self.left > 0:
            if len(data) >= self.left:
                data = data[: self.left] + b"\n[... output beyond 1 MiB dropped]\n"
            self.left -= len(data)
            if self.fd is None:
                self.kept += data
                return len(text)
            try:
                os.write(self.fd, data)
            except OSError:
                self.left = 0
        return len(text)
