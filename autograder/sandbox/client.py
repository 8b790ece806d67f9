"""The grader's client of a worker: facts about the submission's modules, then calls under deadlines.

A worker imports each module the grader needs before any input exists in it (`prepare`,
and again in every fresh worker before its first call of that module).  What an import
showed is kept as a *fact*: the module's functions and stubs, answers.yaml's mapping, or
why it failed.  Whether a module is missing, a function absent or a stub is therefore the
grader's own knowledge, established before any hidden input existed in the worker.

`call` then sends one request and turns whatever happened into a `CallOutcome`:
- every request carries a fresh nonce; a reply with another id, or any frame that fails to
  decode, or bytes waiting in the pipe before a request (written by nobody's request), is not
  this call's reply: the worker is ended and the call tried once more on a fresh one, and a
  second such reply ends this call only, as `protocol`;
- every read and write ends by the call's deadline, whatever the worker does (the channel's job);
- the inputs lie in the arena, memory shared with the worker: after the call the grader
  compares it with what it wrote, and lists the inputs the call changed;
- while it waits, and after each call, it measures what the sandbox user has written (its
  folder beyond the submission's own files, and its files in the shared temp dirs); past
  `disk_limit` the worker is ended, the extra files deleted, and the call ends as `disk`.
After a timeout, crash, bad frame or disk overrun every sandbox process is killed, and the
next call starts a fresh worker.
"""
from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from autograder.sandbox import cleanup, wire
from autograder.sandbox.channel import Timeout

BAD_RETURNS = ("device", "layout", "subclass", "object")
RANDOM_GENERATORS = ("torch", "numpy", "random")           # the global generators a worker watches


class Launcher(Protocol):
    """What starts workers (`zygote.Zygote`, `spawner.Spawner`): its sandbox account, the bytes a worker may write
    (None: not watched), and one channel per worker."""

    sandbox: Any
    disk_limit: int | None

    def open_channel(self, scratch: str, modules: dict[str, str], search_path: list[str], poll: Any) -> Any: ...


@dataclass
class CallOutcome:
    """What one call (or import) came to, as the grader observed it.

    status:  ok | error | timeout | crashed | protocol | disk
    kind:    for errors: missing_module, missing_function, not_implemented, import_unavailable (grader facts), syntax_error or
             import_error (the worker's import reply), import_timeout, import_crashed, import_protocol,
             import_disk (grader observations of an import), exception or bad_return (the worker's call reply)
    message, traceback: text the worker sent (student-controlled: for visible tests only, fenced); for disk,
             import_timeout and import_disk, the limit the grader set (MiB, seconds)
    changed: for ok: the inputs the call modified in place (positions among the positional, then keyword, arguments)
    drew:    for ok: the global random generators the result depends on (the worker's report: it can only cost the student)
    """

    status: str
    result: Any = None
    changed: list[int] = field(default_factory=list)
    drew: list[str] = field(default_factory=list)
    kind: str = ""
    message: str = ""
    traceback: str = ""
    value_error: bool = False
    stdout: str = ""


class _DiskFull(Exception):
    pass


class _Mismatch(Exception):
    """A frame that is not the reply to this request (another id, undecodable, or unasked for)."""


class WorkerClient:
    """Calls into the worker of one copy of a submission (at `scratch`); restarts it as needed.

    `import_timeout_s` bounds each import; `deadline` (time.monotonic()) is the run's budget, past which
    nothing waits; the launcher's `disk_limit` bounds what the sandbox user may write.
    """

    def __init__(self, launcher: Launcher, scratch: str, modules: dict[str, str], search_path: list[str], *,
                 import_timeout_s: float = 10.0, deadline: float = math.inf):
        self.launcher, self.scratch = launcher, scratch
        self.modules, self.search_path = modules, search_path
        self.import_timeout_s, self.deadline, self.disk_limit = import_timeout_s, deadline, launcher.disk_limit
        self.layers: dict | None = None
        self.facts: dict[str, dict | CallOutcome] = {}        # module -> its import reply, or why it cannot be used
        self._imported: set[str] = set()                       # modules imported in the current worker
        self._import_stdout: dict[str, str] = {}
        self._channel: Any = None
        if self.disk_limit is not None:
            self._keep = {rel for rel, _ in cleanup.walk_files(scratch)}   # the submission's own files
            self._base_bytes = cleanup.disk_bytes(scratch)

    # -- lifecycle -------------------------------------------------------------------------
    def _start(self) -> None:
        self._channel = self.launcher.open_channel(self.scratch, self.modules, self.search_path, self._check_disk)
        self.layers, self._imported = self._channel.layers, set()

    def stop(self) -> None:
        """End the worker (and anything it started); the next call starts a fresh one."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    def __enter__(self) -> WorkerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _read_frame(self, deadline: float) -> Any:
        try:
            return wire.read_frame(lambda n: self._channel.read(n, deadline))
        except (Timeout, _DiskFull, EOFError, OSError):
            raise
        except Exception as exc:  # noqa: BLE001 - whatever is wrong with a frame, it is not a reply
            raise _Mismatch from exc

    def _written(self) -> float:
        """Bytes the sandbox user has written: its folder beyond the submission's files, and its shared temp files."""
        try:
            used = cleanup.disk_bytes(self.scratch) - self._base_bytes
            if self.launcher.sandbox.uid is not None:
                used += cleanup.shared_temp_bytes(self.launcher.sandbox.uid)
        except cleanup.Unmeasurable:
            return math.inf
        return used

    def _check_disk(self) -> None:
        if self.disk_limit is not None and self._written() > self.disk_limit:
            raise _DiskFull

    # -- one exchange ------------------------------------------------------------------------
    def _exchange(self, body: dict, blobs: list[bytes], deadline: float) -> tuple[dict | None, CallOutcome | None, list]:
        """Send one request (its tensors in the arena) and read its reply: (reply, None, where the inputs were put),
        or (None, the failure) for a timeout, a crash or a disk overrun; _Mismatch for a reply that is not this one's."""
        if self._channel.stale():
            self._failed("protocol")
            raise _Mismatch
        ident = body["dict"]["id"]
        try:
            frame, placed = wire.frame(body, blobs, self._channel.arena)
            self._channel.write(frame, deadline)
            reply = self._read_frame(deadline)
            self._check_disk()
        except Timeout:
            return None, self._failed("timeout"), []
        except (EOFError, BrokenPipeError, ConnectionResetError):
            return None, self._failed("crashed"), []
        except _DiskFull:
            stdout = self._channel.stdout()
            self.stop()
            cleanup.remove_added(self.scratch, self._keep)
            if self.launcher.sandbox.uid is not None:
                cleanup.remove_files_of(self.launcher.sandbox.uid)
            return None, CallOutcome("disk", message=f"{self.disk_limit >> 20}", stdout=stdout), []
        except _Mismatch:
            self._failed("protocol")
            raise
        if not isinstance(reply, dict) or reply.get("id") != ident or reply.get("status") not in ("ok", "error"):
            self._failed("protocol")
            raise _Mismatch
        return reply, None, placed

    def _failed(self, status: str) -> CallOutcome:
        stdout = self._channel.stdout()
        self.stop()
        return CallOutcome(status, stdout=stdout)

    def _printed(self, reply: dict) -> str:
        """What the worker printed during this request: in the reply (a spawned worker) or in the output file."""
        printed = reply.pop("stdout", None)
        return printed[-8000:] if isinstance(printed, str) else self._channel.stdout()

    # -- imports -------------------------------------------------------------------------------
    def refuse(self, module: str, why: str) -> None:
        """A module the grader will not import (it needs packages the grader does not have): `why` says so."""
        self.facts[module] = CallOutcome("error", kind="import_unavailable", message=why)

    def prepare(self, modules: set[str]) -> None:
        """Import `modules` (those the phase grades) before any call: what each showed becomes a fact."""
        for module in sorted(modules):
            self._ensure(module)

    def _ensure(self, module: str) -> dict | CallOutcome:
        """The module's fact, importing it into the current worker first if need be (starting one if none runs)."""
        fact = self.facts.get(module)
        if isinstance(fact, CallOutcome):
            return fact
        if module not in self.modules:
            self.facts[module] = CallOutcome("error", kind="missing_module")
            return self.facts[module]
        if self._channel is not None and module in self._imported:
            return fact
        for attempt in range(2):
            if time.monotonic() >= self.deadline:
                return CallOutcome("timeout")                   # the run's budget is spent: no fact about the module
            if self._channel is None:
                self._start()
            body = {"dict": {"op": "import", "id": secrets.token_hex(8), "module": module}}
            budget_first = time.monotonic() + self.import_timeout_s > self.deadline
            try:
                reply, failure, _ = self._exchange(body, [], min(time.monotonic() + self.import_timeout_s, self.deadline))
            except _Mismatch:
                failure = CallOutcome("protocol") if attempt else None
                if failure is None:
                    continue
            if failure is not None and failure.status == "timeout" and budget_first:
                return failure
            if failure is not None:
                limit = failure.message if failure.status == "disk" else f"{self.import_timeout_s:g}"
                self.facts[module] = CallOutcome("error", kind=f"import_{failure.status}", message=limit, stdout=failure.stdout)
                return self.facts[module]
            break
        stdout = self._printed(reply)
        if reply["status"] == "error":
            kind = reply.get("kind") if reply.get("kind") in wire.IMPORT_ERRORS else "import_error"
            self.facts[module] = CallOutcome("error", kind=kind, message=_text(reply.get("message")),
                                             traceback=_text(reply.get("traceback")), stdout=stdout)
            return self.facts[module]
        self._imported.add(module)
        self._import_stdout[module] = self._import_stdout.get(module, "") + stdout
        if fact is None:
            self.facts[module] = {"functions": set(_names(reply.get("functions"))), "stubs": set(_names(reply.get("stubs"))),
                                  "answers": reply.get("answers") if isinstance(reply.get("answers"), dict) else {}}
        return self.facts[module]

    def answers(self) -> dict | CallOutcome:
        """The mapping answers.yaml holds (as parsed in a worker), or why it cannot be read."""
        fact = self._ensure("answers")
        return fact if isinstance(fact, CallOutcome) else fact["answers"]

    # -- calls ---------------------------------------------------------------------------------
    def call(self, module: str, function: str, args: tuple, kwargs: dict, timeout_s: float) -> CallOutcome:
        """Call `module.function(*args, **kwargs)` in the worker, at most `timeout_s` seconds (and within the budget)."""
        deadline = min(time.monotonic() + timeout_s, self.deadline)
        for attempt in range(2):
            fact = self._ensure(module)
            if isinstance(fact, CallOutcome):
                return fact
            if function not in fact["functions"]:
                return CallOutcome("error", kind="missing_function")
            if function in fact["stubs"]:
                return CallOutcome("error", kind="not_implemented")
            blobs: list[bytes] = []
            spans, encoded_args = [], []
            for value in args:
                start = len(blobs)
                encoded_args.append(wire.encode(value, blobs))
                spans.append((start, len(blobs)))
            encoded_kwargs = {}
            for key, value in kwargs.items():
                start = len(blobs)
                encoded_kwargs[key] = wire.encode(value, blobs)
                spans.append((start, len(blobs)))
            body = {"dict": {"op": "call", "id": secrets.token_hex(8), "module": module, "function": function,
                             "args": {"list": encoded_args}, "kwargs": {"dict": encoded_kwargs}}}
            try:
                reply, failure, placed = self._exchange(body, blobs, deadline)
            except _Mismatch:
                if attempt:
                    return CallOutcome("protocol", stdout=self._import_stdout.pop(module, ""))
                continue                                   # not this call's reply: once more, on a fresh worker
            stdout = self._import_stdout.pop(module, "")
            if failure is not None:
                failure.stdout = stdout + failure.stdout
                return failure
            return self._outcome(reply, spans, placed, stdout + self._printed(reply))
        raise AssertionError("unreachable")

    def _outcome(self, reply: dict, spans: list[tuple[int, int]], placed: list, stdout: str) -> CallOutcome:
        if reply["status"] == "error":
            kind = reply.get("kind") if reply.get("kind") in wire.CALL_ERRORS else "exception"
            return CallOutcome("error", kind=kind, message=_text(reply.get("message")), traceback=_text(reply.get("traceback")),
                               value_error=reply.get("value_error") is True, stdout=stdout)
        arena = self._channel.arena
        changed = [i for i, (start, end) in enumerate(spans)
                   if any(arena[off: off + len(blob)] != blob for off, blob in placed[start:end])]
        result = reply.get("result")
        if isinstance(result, dict) and "_bad" in result and (result.get("_bad") not in BAD_RETURNS or not isinstance(result.get("name"), str)):
            result = {"_bad": "object", "name": "?"}
        drew = [name for name in RANDOM_GENERATORS if name in _names(reply.get("drew"))]
        return CallOutcome("ok", result=result, changed=changed, drew=drew, stdout=stdout)


def _text(value: Any) -> str:
    return value[: wire.MAX_TEXT] if isinstance(value, str) else ""


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
