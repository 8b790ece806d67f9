"""Run a command as it would run in Gradescope's Docker container: `python tests/emulate_container.py CMD...`.

Docker's defaults, reproduced on a root shell:
- the container's own file system view, in a private mount namespace: /work and the folders
  GM_HIDE names (colon-separated: developers' checkouts, which an editable install's import
  finder points at) are empty, and /tmp is the folder GM_TMP names (fresh, mode 1777); the
  folders GM_KEEP names (e.g. pytest's) are bound back in at their usual place, so the
  grader and its workers see only the copy of the product they were started from and
  nothing another program left in the host's /tmp;
- CAP_SYS_ADMIN is dropped from the bounding set, so the exec'd command (still uid 0) never has it;
- a seccomp filter like Docker's default profile for such a container: namespaces and mounts
  (unshare, setns, clone with CLONE_NEW*, mount, pivot_root...) fail with EPERM, clone3 with
  ENOSYS; and, the worst case of an older Docker or kernel, Landlock's calls fail with ENOSYS.

The filter is loaded without no_new_privs, as Docker does, while CAP_SYS_ADMIN is still held.
"""
from __future__ import annotations

import ctypes
import errno
import os
import sys

from pathlib import Path

import pyseccomp as sc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder.sandbox.confine import CLONE_NAMESPACE_FLAGS  # noqa: E402

_PR_CAPBSET_DROP, _CAP_SYS_ADMIN = 24, 21
_CLONE_NEWNS, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x00020000, 0x1000, 0x4000, 1 << 18
NAMESPACE_CALLS = ("unshare", "setns", "mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen", "fsmount")
LANDLOCK_CALLS = ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self")


def _container_view(tmp: str, hide: list[str], keep: list[str]) -> None:
    libc = ctypes.CDLL(None, use_errno=True)

    def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
        encode = lambda text: text.encode() if text is not None else None  # noqa: E731
        if libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)) != 0:
            raise OSError(ctypes.get_errno(), f"mount {source} on {target} failed")

    if libc.unshare(_CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS) failed")
    mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    kept = [(path, os.open(path, os.O_PATH)) for path in keep]
    mount(tmp, "/tmp", None, _MS_BIND)
    for path in ["/work", *hide]:
        if os.path.isdir(path):
            mount("tmpfs", path, "tmpfs", 0, "mode=755,size=1m")
    for path, fd in kept:
        os.makedirs(path, mode=0o700, exist_ok=True)
        mount(f"/proc/self/fd/{fd}", path, None, _MS_BIND)
        os.close(fd)


def emulate() -> None:
    folders = lambda name: [p for p in os.environ.get(name, "").split(":") if p]  # noqa: E731
    _container_view(os.environ["GM_TMP"], folders("GM_HIDE"), folders("GM_KEEP"))
    rules = sc.SyscallFilter(sc.ALLOW)
    rules.set_attr(sc.Attr.CTL_NNP, 0)
    for name in NAMESPACE_CALLS:
        rules.add_rule(sc.ERRNO(errno.EPERM), name)
    for bit in CLONE_NAMESPACE_FLAGS:
        rules.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, bit, bit))
    for name in ("clone3", *LANDLOCK_CALLS):
        rules.add_rule(sc.ERRNO(errno.ENOSYS), name)
    rules.load()
    if ctypes.CDLL(None, use_errno=True).prctl(_PR_CAPBSET_DROP, _CAP_SYS_ADMIN, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "cannot drop CAP_SYS_ADMIN from the bounding set")


if __name__ == "__main__":
    emulate()
    os.execvp(sys.argv[1], sys.argv[1:])
