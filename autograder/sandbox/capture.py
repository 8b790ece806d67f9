"""The worker's sys.stdout and sys.stderr: what student code prints, kept to a bounded size per call."""
from __future__ import annotations

import io
import os

OUTPUT_CAP = 1 << 20


class CappedOutput(io.TextIOBase):
    """The first OUTPUT_CAP bytes of each call are kept, the rest dropped.

    Printing never fails and never fills the disk; the grader shows only the tail anyway.
    (Writes to fd 1 that bypass Python meet RLIMIT_FSIZE instead.)
    """

    def __init__(self, fd: int):
        self.fd, self.left = fd, OUTPUT_CAP

    def reset(self) -> None:
        """A new call: a new allowance (the grader empties the capture file after each call)."""
        self.left = OUTPUT_CAP

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
            try:
                os.write(self.fd, data)
            except OSError:
                self.left = 0
        return len(text)
