"""Sandbox accounts, leased one grading run at a time: two runs on one machine never share a uid.

Root drops workers to an unprivileged account and, after each submission, kills every
process of that account and deletes its files (`Zygote.clean_up`).  Two runs on one
account would kill each other's workers, so a run leases its account for its whole life:
an exclusive flock(2) on /run/gm-autograder/<account>.lock, a folder only root can enter.
The kernel drops the lock when the holder's last descriptor closes, whatever ended it
(kill -9 included; the zygote, which shares the descriptor, dies with the grader), so a
dead run's account is free again at once.  The holder writes its pid into the file and
empties it on a clean release: whoever next finds a pid there takes over an account that
may still hold a dead run's processes and files, and clears them before any worker starts,
with the dead run's scratch folders (which hold its submission's copy).

The pool is gm-sandbox, gm-sandbox-1, gm-sandbox-2, ...  A run takes the first free
account, and when all are leased, as root, creates the next one (useradd) up to
POOL_SIZE; past that, or when `--sandbox-user` names one account, it waits and says so.
"""
from __future__ import annotations

import fcntl
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

DEFAULT_ACCOUNT = "gm-sandbox"
LOCK_DIR = "/run/gm-autograder"
POOL_SIZE = 16
WAIT_POLL_S = 0.2


@dataclass(frozen=True)
class Sandbox:
    """The unprivileged account workers run as; None fields mean 'stay as the current user'."""

    uid: int | None
    gid: int | None
    user: str | None


@dataclass
class Lease:
    """An account held for one run (`release` or the holder's exit frees it); `dead_holder`: the pid of a run that
    held it last and never released it (None: released clean)."""

    sandbox: Sandbox
    fd: int | None = None
    dead_holder: int | None = None
    waited_s: float = field(default=0.0, compare=False)

    @property
    def stale(self) -> bool:
        return self.dead_holder is not None

    def release(self, clean: bool = True) -> None:
        """Free the account; `clean`: nothing of the run is left in it (else the next lessee clears it first)."""
        if self.fd is None:
            return
        if clean:
            os.ftruncate(self.fd, 0)
        os.close(self.fd)            # the zygote's copy of the descriptor went when it exited
        self.fd = None


def pool(base: str = DEFAULT_ACCOUNT) -> list[str]:
    """The pool's account names, in the order runs take them: base, base-1, ..., base-(POOL_SIZE-1)."""
    return [base] + [f"{base}-{k}" for k in range(1, POOL_SIZE)]


def lease(user: str | None = None, *, required: bool = True, create: bool = True,
          say: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)) -> Lease:
    """Lease `user`, or (None) the first free account of the pool, waiting while none is free.

    Anyone but root keeps their own uid (a student's own machine): nothing to lease.  As root,
    an account that does not exist is an error with the fix, unless not `required` (a local
    check as root, on Colab say: the code then runs as root).  `create`: as root, add the
    pool's next account when every existing one is leased.
    """
    if os.geteuid() != 0:
        return Lease(Sandbox(None, None, None))
    names = [user] if user is not None else pool()
    if not any(_exists(n) for n in names):
        if not required:
            return Lease(Sandbox(None, None, None))
        if user is not None or not create or not _create(names[0]):
            raise SystemExit(f"sandbox user {names[0]!r} does not exist: run setup.sh (as root) or "
                             f"`useradd --system --user-group --no-create-home {names[0]}`")
    begin, said = time.monotonic(), False
    while True:
        for name in names:
            if not _exists(name):
                if not (user is None and create and _create(name)):
                    break            # the pool ends at the first missing account that cannot be made
            held = _try_lock(name)
            if held is not None:
                held.waited_s = time.monotonic() - begin
                return held
        if not said:
            say(f"waiting for a free sandbox account ({_holders(names)}); another grading on this machine holds "
                f"{'it' if user is not None else 'every one'}")
            said = True
        time.sleep(WAIT_POLL_S)


def _exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _lock_dir() -> str:
    os.makedirs(LOCK_DIR, mode=0o700, exist_ok=True)
    info = os.lstat(LOCK_DIR)
    if info.st_uid != 0 or info.st_mode & 0o077:       # nobody else may hold, replace or read a lock
        os.chown(LOCK_DIR, 0, 0, follow_symlinks=False)
        os.chmod(LOCK_DIR, 0o700)
    return LOCK_DIR


def _try_lock(name: str) -> Lease | None:
    """The lease of `name` if no one holds it now, else None."""
    import pwd

    entry = pwd.getpwnam(name)
    if entry.pw_uid == 0:
        raise SystemExit(f"sandbox user {name!r} has uid 0; it must be unprivileged")
    fd = os.open(os.path.join(_lock_dir(), f"{name}.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    written = os.pread(fd, 32, 0).strip()              # a pid: its last holder never released it
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    dead_holder = int(written) if written.isdigit() else (0 if written else None)      # 0: a pid we cannot read
    return Lease(Sandbox(entry.pw_uid, entry.pw_gid, name), fd, dead_holder)


def _holders(names: list[str]) -> str:
    """'gm-sandbox by pid 12, gm-sandbox-1 by pid 34': who holds the accounts (as their files say)."""
    held = []
    for name in names:
        try:
            with open(os.path.join(LOCK_DIR, f"{name}.lock")) as f:
                held.append(f"{name} by pid {f.read().strip() or '?'}")
        except OSError:
            pass
    return ", ".join(held) or ", ".join(names)


def _create(name: str) -> bool:
    """Add the unprivileged account `name` (as setup.sh does); False where useradd is missing or fails.

    Creation is serialized by a lock of its own, so two runs never race to add the same account.
    """
    import shutil
    import subprocess

    useradd = shutil.which("useradd") or ("/usr/sbin/useradd" if os.path.exists("/usr/sbin/useradd") else None)
    if useradd is None:
        return False
    fd = os.open(os.path.join(_lock_dir(), "accounts.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if _exists(name):
            return True
        made = subprocess.run([useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                               "--shell", "/usr/sbin/nologin", name], capture_output=True, text=True)
        return made.returncode == 0
    finally:
        os.close(fd)
