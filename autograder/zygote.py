"""The fork server that makes workers: started before the rubric, the reference or any input exists.

The grader forks the zygote right after importing torch, so a worker (a fork of the
zygote) starts in milliseconds with torch loaded, yet its memory holds nothing secret.
The zygote stays root: it forks workers that confine themselves (`confine.py`) and kills
every process of the sandbox uid on request.  It talks to the grader over a Unix socket
that also carries the worker's pipe and output file descriptors (SCM_RIGHTS).
"""
from __future__ import annotations

import ctypes
import io
import json
import os
import signal
import socket
import sys
import time
from dataclasses import asdict, dataclass

from autograder import wire, worker
from autograder.confine import Layers, Limits, confine, remove_files_of

_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER = 1, 36


@dataclass(frozen=True)
class Sandbox:
    """The unprivileged account workers run as; None fields mean 'stay as the current user'."""

    uid: int | None
    gid: int | None
    user: str | None

    @classmethod
    def resolve(cls, user: str) -> Sandbox:
        """Root drops to `user` (which must exist); anyone else keeps their own uid (a student's own machine)."""
        if os.geteuid() != 0:
            return cls(None, None, None)
        import pwd

        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            raise SystemExit(f"sandbox user {user!r} does not exist: run setup.sh (as root) or "
                             f"`useradd --system --user-group --no-create-home {user}`") from None
        if entry.pw_uid == 0:
            raise SystemExit(f"sandbox user {user!r} has uid 0; it must be unprivileged")
        return cls(entry.pw_uid, entry.pw_gid, user)


class Zygote:
    """Grader-side handle on the fork server."""

    def __init__(self, sandbox: Sandbox, limits: Limits = Limits()):
        self.sandbox = sandbox
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
        self.sock = ours

    def _ask(self, request: dict, fds: list[int] = ()) -> dict:
        socket.send_fds(self.sock, [json.dumps(request).encode()], list(fds))
        reply = self.sock.recv(65536)
        if not reply:
            raise RuntimeError("the zygote exited")
        return json.loads(reply)

    def spawn(self, scratch: str, root: str, modules: dict[str, str], search_path: list[str],
              to_worker: int, from_worker: int, output: int) -> int:
        """Fork a confined worker that reads requests on `to_worker` and answers on `from_worker`."""
        request = {"op": "spawn", "scratch": scratch, "root": root, "modules": modules, "search_path": search_path}
        return self._ask(request, [to_worker, from_worker, output])["pid"]

    def kill_all(self) -> None:
        """Kill every process of the sandbox user (or, unprivileged, every worker's session) and reap."""
        self._ask({"op": "kill_all"})

    def clean_up(self) -> list[str]:
        """After a submission: kill every sandbox process, then delete its files in the shared temp dirs."""
        self.kill_all()
        return remove_files_of(self.sandbox.uid) if self.sandbox.uid is not None else []

    def close(self) -> None:
        try:
            self.kill_all()
        except (OSError, RuntimeError):
            pass
        self.sock.close()
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve(sock: socket.socket, sandbox: Sandbox, limits: Limits) -> None:  # pragma: no cover - child
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)     # die with the grader
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)            # orphans of workers come back to us
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    workers: list[int] = []
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 65536, 3)
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
                _worker(request, fds, sandbox, limits)
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
    """kill(-1, SIGKILL) as the sandbox uid, repeated until none is left (beats fork bombs and daemons)."""
    if sandbox.uid is None:
        for pid in workers:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        _reap()
        return
    for _ in range(50):
        helper = os.fork()
        if helper == 0:
            try:
                os.setgroups([])
                os.setgid(sandbox.gid)
                os.setuid(sandbox.uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(helper, 0)
        _reap()
        alive = [p for p in _uid_processes(sandbox.uid) if _state(p) != "Z"]
        if not alive:
            break
        time.sleep(0.01)
    _reap()


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "?"


OUTPUT_CAP = 1 << 20


class CappedOutput(io.TextIOBase):
    """The worker's sys.stdout and sys.stderr: the first OUTPUT_CAP bytes of each call are kept, the rest dropped.

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


def _worker(request: dict, fds: list[int], sandbox: Sandbox, limits: Limits) -> None:  # pragma: no cover - child
    """Become a confined worker and serve; never returns into the zygote."""
    status = 70
    try:
        import fcntl

        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100) for fd in fds]
        devnull = os.open("/dev/null", os.O_RDONLY)
        for target, fd in ((0, devnull), (1, high[2]), (2, high[2]), (3, high[0]), (4, high[1])):
            os.dup2(fd, target)
        os.closerange(5, os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 1024)
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        layers = _confine(request, sandbox, limits)
        wire.write_all(4, wire.pack({"layers": asdict(layers)}))
        worker.serve(3, 4, request["modules"], request["root"])
    except BaseException:  # noqa: BLE001
        status = 71
    finally:
        os._exit(status)


def _confine(request: dict, sandbox: Sandbox, limits: Limits) -> Layers:  # pragma: no cover - child
    layers = confine(request["scratch"], sandbox.uid, sandbox.gid, limits)
    os.chdir(request["scratch"])
    os.environ.clear()
    os.environ.update({"HOME": request["scratch"], "TMPDIR": request["scratch"], "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                       "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""})
    sys.stdin = open(0, closefd=False)
    sys.stdout = sys.stderr = CappedOutput(1)
    sys.dont_write_bytecode = True
    sys.path.extend(request["search_path"])
    return layers
