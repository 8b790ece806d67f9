"""What the grader's own process and files expose to the sandbox user (the grader's side of the isolation record)."""
from __future__ import annotations

import os

from autograder.sandbox.procfs import status_field

_CAP_SYS_ADMIN = 21


def has_cap_sys_admin() -> bool:
    """Whether this process holds CAP_SYS_ADMIN (Docker's default containers do not)."""
    value = status_field("CapEff")
    return bool(value) and bool(int(value, 16) >> _CAP_SYS_ADMIN & 1)


def readable_by_others(path: str | os.PathLike) -> bool:
    """Whether an unrelated uid (not owner, not group) could read `path`: o+x on every ancestor, o+r on it."""
    path = os.path.abspath(path)
    try:
        if not os.stat(path).st_mode & 0o004:
            return False
        parent = os.path.dirname(path)
        while True:
            if not os.stat(parent).st_mode & 0o001:
                return False
            if parent == os.path.dirname(parent):
                return True
            parent = os.path.dirname(parent)
    except OSError:
        return False


def grader_layers(protected: dict[str, str | os.PathLike]) -> dict:
    """What the grader's own process and files offer: CAP_SYS_ADMIN, and which protected paths file permissions expose."""
    return {"cap_sys_admin": has_cap_sys_admin(),
            "readable_by_sandbox": sorted(name for name, path in protected.items() if readable_by_others(path))}
