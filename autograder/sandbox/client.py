"""The grader's client of a worker: one call at a time, each under a deadline enforced from outside.

`WorkerClient.call` sends a request, waits with select() until the deadline, and turns
whatever happened into a `CallOutcome`: a result, an error the worker reported, a
timeout, a crash, or a protocol violation.  After a timeout, crash or bad frame it kills
every sandbox process and starts a fresh worker on the next call.
"""
from __future__ import annotations

import fcntl
import os
import select
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from autograder.sandbox import wire
from autograder.sandbox.zygote import Zygote

HELLO_TIMEOUT_S = 30.0
STDOUT_CAP = 8000


@dataclass
class CallOutcome:
    status: str                     # ok | error | timeout | crashed | protocol
    result: Any = None
    args_after: list = field(default_factory=list)
    kwargs_after: dict = field(default_factory=dict)
    kind: str = ""                  # for status == error: one of wire.ERROR_KINDS
    message: str = ""               # student-controlled text: show for visible tests only
    traceback: str = ""
    exception_types: tuple[str, ...] = ()   # class names along the raised exception's MRO
    stdout: str = ""


class _Timeout(Exception):
    pass


class WorkerClient:
    """Calls into the worker of one copy of a submission (at `scratch`); restarts it as needed."""

    def __init__(self, zygote: Zygote, scratch: str, modules: dict[str, str], search_path: list[str]):
        self.zygote, self.scratch = zygote, scratch
        self.modules, self.search_path = modules, search_path
        self.layers: dict | None = None
        self._pipes: tuple[int, int] | None = None
        self._out: int | None = None
        self.failed_imports: dict[str, CallOutcome] = {}
        self.imported: set[str] = set()

    # -- lifecycle -------------------------------------------------------------------------
    def _start(self) -> None:
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        out = tempfile.TemporaryFile(dir=os.path.dirname(self.scratch))
        self._out = os.dup(out.fileno())
        fcntl.fcntl(self._out, fcntl.F_SETFL, fcntl.fcntl(self._out, fcntl.F_GETFL) | os.O_APPEND)   # see _stdout
        out.close()
        try:
            self.zygote.spawn(self.scratch, self.modules, self.search_path, to_r, from_w, self._out)
        finally:
            os.close(to_r)
            os.close(from_w)
        self._pipes = (from_r, to_w)
        hello = self._read_frame(time.monotonic() + HELLO_TIMEOUT_S)
        if not isinstance(hello, dict) or not isinstance(hello.get("layers"), dict):
            raise RuntimeError("the worker did not start")
        self.layers = hello["layers"]

    def stop(self) -> None:
        """Kill the worker (and anything it started); the next call starts a fresh one."""
        if self._pipes is not None:
            for fd in self._pipes:
                os.close(fd)
            self._pipes = None
            self.zygote.kill_all()
        if self._out is not None:
            os.close(self._out)
            self._out = None

    def __enter__(self) -> WorkerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- frames ----------------------------------------------------------------------------
    def _read(self, n: int, deadline: float) -> bytes:
        fd, chunks = self._pipes[0], []
        while n:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise _Timeout
            chunk = os.read(fd, min(n, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _read_frame(self, deadline: float) -> Any:
        return wire.read_frame(lambda n: self._read(n, deadline))

    def _write(self, data: bytes, deadline: float) -> None:
        fd, view = self._pipes[1], memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
                raise _Timeout
            view = view[os.write(fd, view[: 1 << 16]):]

    def _stdout(self) -> str:
        if self._out is None:
            return ""
        end = os.fstat(self._out).st_size
        start = max(0, end - STDOUT_CAP)
        data = os.pread(self._out, end - start, start) if end > start else b""
        os.ftruncate(self._out, 0)            # each call starts an empty file (the worker appends), so RLIMIT_FSIZE is per call
        return ("[...]\n" if start > 0 else "") + data.decode("utf-8", "replace").replace("\x00", "")

    # -- calls -----------------------------------------------------------------------------
    def call(self, module: str, function: str, args: tuple, kwargs: dict, timeout_s: float, probe: str | None = None) -> CallOutcome:
        """Call `module.function(*args, **kwargs)` in the worker, or the named probe (`probes.py`) with those arguments."""
        if module in self.failed_imports:
            return self.failed_imports[module]
        request = {"module": module, "function": function, "probe": probe, "args": list(args), "kwargs": kwargs}
        outcome = self._call(request, time.monotonic() + timeout_s)
        if outcome.status == "error" and outcome.kind in ("missing_module", "syntax_error", "import_error"):
            self.failed_imports[module] = outcome
        elif outcome.status == "timeout" and module not in self.imported and self._import_hangs(module, timeout_s):
            outcome = CallOutcome("error", kind="import_error", stdout=outcome.stdout,
                                  message=f"importing {module}.py did not finish within {timeout_s:g} s (code at module "
                                          "level runs on import: move slow work into functions)")
            self.failed_imports[module] = outcome
        elif outcome.status in ("ok", "error"):
            self.imported.add(module)
        return outcome

    def _import_hangs(self, module: str, timeout_s: float) -> bool:
        """After a first call timed out: does importing the module alone time out too (on a fresh worker)?"""
        outcome = self._call({"module": module, "import_only": True}, time.monotonic() + timeout_s)
        if outcome.status == "ok":
            self.imported.add(module)
        elif outcome.status == "error":
            self.failed_imports[module] = outcome
        return outcome.status == "timeout"

    def _call(self, request: dict, deadline: float) -> CallOutcome:
        try:
            if self._pipes is None:
                self._start()
            self._write(wire.pack(request), deadline)
            reply = self._read_frame(deadline)
        except _Timeout:
            stdout = self._stdout()
            self.stop()
            return CallOutcome("timeout", stdout=stdout)
        except (EOFError, BrokenPipeError, ConnectionResetError):
            stdout = self._stdout()
            self.stop()
            return CallOutcome("crashed", stdout=stdout)
        except wire.WireError:
            stdout = self._stdout()
            self.stop()
            return CallOutcome("protocol", stdout=stdout)
        return self._interpret(reply)

    def _interpret(self, reply: Any) -> CallOutcome:
        stdout = self._stdout()
        if not isinstance(reply, dict) or reply.get("status") not in ("ok", "error"):
            self.stop()
            return CallOutcome("protocol", stdout=stdout)
        if reply["status"] == "error":
            kind = reply.get("kind") if reply.get("kind") in wire.ERROR_KINDS else "exception"
            text = lambda key: str(reply.get(key) or "")[:wire.MAX_TEXT]  # noqa: E731
            types = reply.get("types") if isinstance(reply.get("types"), list) else []
            return CallOutcome("error", kind=kind, message=text("message"), traceback=text("traceback"),
                               exception_types=tuple(str(t)[:100] for t in types[:20]), stdout=stdout)
        args_after = reply.get("inputs_after")
        kwargs_after = reply.get("kwargs_after")
        return CallOutcome("ok", result=reply.get("result"), args_after=args_after if isinstance(args_after, list) else [],
                           kwargs_after=kwargs_after if isinstance(kwargs_after, dict) else {}, stdout=stdout)
