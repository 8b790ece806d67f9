"""The fork server that makes workers: started before the rubric, the reference or any input exists.

The grader forks the zygote right after importing torch, so a worker (a fork of the
zygote) starts in milliseconds with torch loaded, yet its memory holds nothing secret: the
first thing the zygote does is wipe the environment it inherited, in os.environ and in the
block the kernel wrote on its stack at exec (`scrub_environment`).  The zygote stays root:
it forks workers that confine themselves (`worker.become`), and on request kills every
process of the sandbox uid and removes its System V IPC objects.  It talks to the grader
over a Unix socket that also carries the worker's pipes, output file and arena (SCM_RIGHTS).
"""
from __future__ import annotations

import ctypes
import fcntl
import json
import mmap
import os
import secrets
import select
import signal
import socket
import sys
import tempfile
import time
from typing import Callable

from autograder.sandbox import forked, wire
from autograder.sandbox.accounts import Lease, Sandbox
from autograder.sandbox.channel import PipeChannel, greet
from autograder.sandbox.cleanup import remove_files_of, remove_scratch_of
from autograder.sandbox.confine import Limits

_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER = 1, 36
ASK_TIMEOUT_S = 60.0
HELLO_TIMEOUT_S = 30.0
ARENA_BYTES = wire.MAX_PAYLOAD_BYTES
WORKER_EXIT_S = 2.0               # a SIGKILLed worker is gone in milliseconds; past this, the kill loop takes over


class Zygote:
    """Grader-side handle on the fork server."""

    def __init__(self, lease: Lease, limits: Limits = Limits()):
        """Fork the zygote for the account `lease` holds (released by `close`); a stale lease's leftovers are
        cleared before any worker starts."""
        self.lease, self.sandbox, self.disk_limit = lease, lease.sandbox, limits.disk_bytes
        sandbox = lease.sandbox
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:   # pragma: no cover - runs in the child
            ours.close()
            try:
                _serve(theirs, sandbox, limits)
            finally:
                os._exit(0)
        theirs.close()
        ours.settimeout(ASK_TIMEOUT_S)            # the zygote is ours, but a grader never waits without a bound
        self.sock = ours
        if lease.stale:
            self.clean_up()
            if lease.dead_holder:
                remove_scratch_of(lease.dead_holder)

    def _ask(self, request: dict, fds: list[int] = ()) -> dict:
        socket.send_fds(self.sock, [json.dumps(request).encode()], list(fds))
        reply = self.sock.recv(65536)
        if not reply:
            raise RuntimeError("the zygote exited")
        return json.loads(reply)

    def spawn(self, scratch: str, modules: dict[str, str], search_path: list[str], to_worker: int, from_worker: int,
              output: int, arena: int, arena_bytes: int, ident: str) -> int:
        """Fork a confined worker, at home in `scratch`, that reads requests on `to_worker`, answers on `from_worker`
        (its first frame, with `ident`, says which layers it has), and maps the memfd `arena` of `arena_bytes`."""
        request = {"op": "spawn", "scratch": scratch, "modules": modules, "search_path": search_path,
                   "arena_bytes": arena_bytes, "id": ident}
        return self._ask(request, [to_worker, from_worker, output, arena])["pid"]

    def open_channel(self, scratch: str, modules: dict[str, str], search_path: list[str],
                     poll: Callable[[], None] = lambda: None) -> PipeChannel:
        """A new confined worker at home in `scratch`, and the channel to it (once it has said which layers it has)."""
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        out = tempfile.TemporaryFile(dir=os.path.dirname(scratch))
        output = os.dup(out.fileno())
        fcntl.fcntl(output, fcntl.F_SETFL, fcntl.fcntl(output, fcntl.F_GETFL) | os.O_APPEND)   # see PipeChannel.stdout
        out.close()
        memfd = os.memfd_create("gm-arena", os.MFD_CLOEXEC)
        os.ftruncate(memfd, ARENA_BYTES)
        arena = mmap.mmap(memfd, ARENA_BYTES, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        ident = secrets.token_hex(8)
        try:
            self.spawn(scratch, modules, search_path, to_r, from_w, output, memfd, ARENA_BYTES, ident)
        finally:
            for fd in (to_r, from_w, memfd):
                os.close(fd)
        channel = PipeChannel(from_r, to_w, output, arena, {}, close=lambda: (self.kill_all(), arena.close()), poll=poll)
        return greet(channel, ident, HELLO_TIMEOUT_S)

    def kill_all(self) -> None:
        """Kill every process of the sandbox user (or, unprivileged, every worker's session), reap, and remove
        the sandbox user's System V IPC objects."""
        self._ask({"op": "kill_all"})

    def clean_up(self) -> list[str]:
        """After a submission: kill every sandbox process, then delete its files in the shared temp dirs."""
        self.kill_all()
        return remove_files_of(self.sandbox.uid) if self.sandbox.uid is not None else []

    def close(self) -> None:
        """Kill every sandbox process, stop the zygote, and give the account back (marked clean if the kill worked)."""
        try:
            self.kill_all()
            clean = True
        except (OSError, RuntimeError):
            clean = False
        self.sock.close()
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self.lease.release(clean=clean)

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve(sock: socket.socket, sandbox: Sandbox, limits: Limits) -> None:  # pragma: no cover - child
    scrub_environment()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)     # die with the grader
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)            # orphans of workers come back to us
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    workers: list[int] = []
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 65536, 4)
        except OSError:
            msg, fds = b"", []
        if not msg:
            _kill_all(sandbox, workers)
            return
        request = json.loads(msg)
        if request["op"] == "spawn":
            pid = os.fork()
            if pid == 0:
                sock.close()
                forked.become(request, fds, sandbox.uid, sandbox.gid, limits)
            workers.append(pid)
            reply = {"pid": pid}
        else:
            _kill_all(sandbox, workers)
            workers.clear()
            reply = {}
        for fd in fds:
            os.close(fd)
        _reap()
        sock.send(json.dumps(reply).encode())


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _uid_processes(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def _kill_all(sandbox: Sandbox, workers: list[int]) -> None:  # pragma: no cover - child
    """Kill every process of the sandbox uid and remove its IPC objects.

    The common case first: the workers (our children) are killed and waited for; if then no
    process of the uid is alive and it owns no IPC object, that is all (a process of the uid
    can only come from one that is alive, or from this zygote, which is busy here).  Else
    kill(-1, SIGKILL) as the sandbox uid, repeated until none is left (beats fork bombs and
    daemons), each time removing its IPC objects.
    """
    if sandbox.uid is None:
        for pid in workers:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        _reap()
        return
    running = [pid for pid in workers if _unreaped(pid)]     # a reaped pid may already be someone else's
    for pid in running:
        os.kill(pid, signal.SIGKILL)
    _wait_for(running, WORKER_EXIT_S)
    if not _alive(sandbox.uid) and not _ipc_objects(sandbox.uid):
        return
    for _ in range(50):
        helper = os.fork()
        if helper == 0:
            try:
                os.setgroups([])
                os.setgid(sandbox.gid)
                os.setuid(sandbox.uid)
                os.kill(-1, signal.SIGKILL)
                remove_own_ipc()
            finally:
                os._exit(0)
        os.waitpid(helper, 0)
        _reap()
        if not _alive(sandbox.uid):
            break
        time.sleep(0.01)
    _reap()


def _unreaped(pid: int) -> bool:
    """Whether `pid` is a child of ours still running (not exited, not reaped): its pid cannot be reused yet."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == 0
    except ChildProcessError:
        return False


def _alive(uid: int) -> list[int]:
    """Processes of `uid` that are not zombies."""
    return [p for p in _uid_processes(uid) if _state(p) != "Z"]


def _wait_for(pids: list[int], timeout_s: float) -> None:  # pragma: no cover - child
    """Reap `pids` (our children, just sent SIGKILL) as they exit, for at most `timeout_s` in all."""
    deadline = time.monotonic() + timeout_s
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except OSError:                  # already reaped, or no pidfd (Linux < 5.3): the kill loop decides
            continue
        try:
            select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        finally:
            os.close(fd)
    _reap()


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "?"


def scrub_environment() -> None:  # pragma: no cover - child
    """Leave nothing of the environment the grader was started with in this process's memory.

    Clearing os.environ is not enough: exec wrote every `NAME=value` string on the stack (the
    block /proc/self/stat gives as env_start..env_end), and os.environ keeps bytes copies of
    them.  Both are zeroed; the environment is then empty.  (Strings of one byte are shared
    by the interpreter and are not touched; they say nothing.)
    """
    data = os.environ._data                                    # type: ignore[attr-defined] - bytes -> bytes
    held = [b for item in data.items() for b in item]
    for key in list(data):
        os.unsetenv(key)
        del data[key]
    offset = sys.getsizeof(b"") - 1                            # where a bytes object's characters start
    for value in held:
        if len(value) > 1:
            ctypes.memset(id(value) + offset, 0, len(value))
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start, end = int(fields[47]), int(fields[48])          # fields 50 and 51: env_start, env_end
        if 0 < start < end:
            ctypes.memset(start, 0, end - start)
    except (OSError, IndexError, ValueError):
        pass


_IPC_RMID = 0
_IPC_TABLES = {"msg": "msqid", "shm": "shmid", "sem": "semid"}       # /proc/sysvipc/<table>, its id column


def _ipc_objects(uid: int) -> list[tuple[str, int]]:
    """(table, id) of every System V message queue, shared-memory segment and semaphore set `uid` owns."""
    found = []
    for table in _IPC_TABLES:
        try:
            with open(f"/proc/sysvipc/{table}") as f:
                header, *rows = [line.split() for line in f if line.strip()]
        except (OSError, ValueError):
            continue
        ident, owner = header.index(_IPC_TABLES[table]), header.index("uid")
        found += [(table, int(row[ident])) for row in rows if int(row[owner]) == uid]
    return found


def remove_own_ipc() -> list[str]:  # pragma: no cover - runs as the sandbox uid in the kill helper
    """Remove every System V IPC object this uid owns."""
    libc, removed = ctypes.CDLL(None, use_errno=True), []
    remove = {"msg": lambda i: libc.msgctl(i, _IPC_RMID, None), "shm": lambda i: libc.shmctl(i, _IPC_RMID, None),
              "sem": lambda i: libc.semctl(i, 0, _IPC_RMID)}
    for table, ident in _ipc_objects(os.getuid()):
        if remove[table](ident) == 0:
            removed.append(f"{table} {ident}")
    return removed
