"""Sandbox accounts are leased: one run per account, freed on exit (kill -9 too), a dead run's leftovers cleared."""
import os
import pwd
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from autograder.sandbox import accounts
from autograder.sandbox.accounts import lease, pool
from autograder.sandbox.cleanup import scratch_prefix

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sandbox accounts exist for root only")


@pytest.fixture
def held():
    """Leases taken in the test, released after it."""
    taken = []
    yield taken
    for one in taken:
        one.release()


def test_two_leases_get_two_accounts_and_a_released_one_is_taken_again(held):
    first, second = lease(), lease()
    held += [first, second]
    assert first.sandbox.user != second.sandbox.user
    assert first.sandbox.uid != second.sandbox.uid
    name = first.sandbox.user
    first.release()
    third = lease()
    held.append(third)
    assert third.sandbox.user == name and not third.stale


def test_the_lock_files_are_root_only(held):
    held.append(lease())
    info = os.stat(accounts.LOCK_DIR)
    assert info.st_uid == 0 and info.st_mode & 0o777 == 0o700


def test_a_named_account_that_is_held_is_waited_for_with_a_message(held):
    first = lease("gm-sandbox-1")
    said, got = [], []
    waiter = threading.Thread(target=lambda: got.append(lease("gm-sandbox-1", say=said.append)))
    waiter.start()
    time.sleep(1.0)
    assert not got and said and "waiting for a free sandbox account (gm-sandbox-1 by pid" in said[0]
    first.release()
    waiter.join(10)
    held += got
    assert got and got[0].sandbox.user == "gm-sandbox-1" and got[0].waited_s >= 1.0


def test_when_the_pool_is_full_a_run_waits_for_the_first_account_freed(held, monkeypatch):
    monkeypatch.setattr(accounts, "POOL_SIZE", 2)
    held += [lease(), lease()]
    said, got = [], []
    waiter = threading.Thread(target=lambda: got.append(lease(say=said.append)))
    waiter.start()
    time.sleep(0.6)
    assert not got and "another grading on this machine holds every one" in said[0]
    freed = held.pop(1)
    name = freed.sandbox.user
    freed.release()
    waiter.join(10)
    held += got
    assert got and got[0].sandbox.user == name


def test_when_every_account_is_held_the_next_is_created(held):
    if all(accounts._exists(n) for n in pool()):            # earlier runs of this test created the whole pool
        subprocess.run(["userdel", pool()[-1]], check=True)
    existing = [n for n in pool() if accounts._exists(n)]
    for name in existing:
        held.append(lease(name))
    missing = pool()[len(existing)]
    new = lease()
    held.append(new)
    assert new.sandbox.user == missing and pwd.getpwnam(missing).pw_uid == new.sandbox.uid != 0
    assert pwd.getpwnam(missing).pw_shell == "/usr/sbin/nologin"


def test_a_missing_named_account_is_an_error_with_the_fix_and_never_created():
    with pytest.raises(SystemExit, match="sandbox user 'gm-no-such-user' does not exist: run setup.sh"):
        lease("gm-no-such-user")
    assert not accounts._exists("gm-no-such-user")
    assert lease("gm-no-such-user", required=False).sandbox.uid is None       # a local check: as root


HOLDER = """
import os, sys, tempfile, time
from autograder.sandbox.accounts import lease
from autograder.sandbox.cleanup import scratch_prefix
held = lease("gm-sandbox-2")
scratch = tempfile.mkdtemp(prefix=scratch_prefix(os.getpid()))      # as a grading run's, with a submission's copy
os.makedirs(os.path.join(scratch, "work"))
open(os.path.join(scratch, "work", "vae.py"), "w").write("x = 1")
print(held.sandbox.uid, scratch, flush=True)
time.sleep(60)
"""


def test_a_holder_killed_by_sigkill_frees_the_account_at_once_and_the_next_run_clears_its_leftovers(tmp_path, held):
    """kill -9 leaves the lock file's pid: the next lessee sees a stale lease, and its zygote kills and removes
    what the dead run's account still had (a process and a file in /tmp) and the dead run's scratch folder (a
    submission's copy) before any worker starts; a live run's scratch stays."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], stdout=subprocess.PIPE, text=True)
    uid, scratch = holder.stdout.readline().split()
    uid = int(uid)
    live = tempfile.mkdtemp(prefix=scratch_prefix(os.getpid()))
    pid = os.fork()
    if pid == 0:                                                     # pragma: no cover - a leftover of the dead run
        os.setsid()
        os.setgid(pwd.getpwuid(uid).pw_gid)
        os.setuid(uid)
        with open("/tmp/gm-leftover-of-a-dead-run", "w") as f:
            f.write("x")
        os.execv("/bin/sleep", ["sleep", "300"])
    time.sleep(0.3)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    begin = time.monotonic()
    taken = lease("gm-sandbox-2")
    assert time.monotonic() - begin < 1.0 and taken.stale and taken.dead_holder == holder.pid
    from autograder.sandbox.confine import Limits
    from autograder.sandbox.zygote import Zygote

    zygote = Zygote(taken, Limits())
    try:
        assert os.waitpid(pid, os.WNOHANG)[0] == pid                   # the leftover was killed
        assert not os.path.exists("/tmp/gm-leftover-of-a-dead-run")
        assert not os.path.exists(scratch) and os.path.isdir(live)
    finally:
        zygote.close()
        os.rmdir(live)
    again = lease("gm-sandbox-2")
    held.append(again)
    assert not again.stale                                           # released clean by the zygote's close
