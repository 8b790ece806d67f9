"""Reading this process's own /proc/self/status (Linux); elsewhere, or where /proc is hidden, nothing."""
from __future__ import annotations


def status_field(key: str) -> str | None:
    """The first value of `key:` in /proc/self/status, None where it cannot be read."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{key}:"):
                    return line.split()[1]
    except OSError:
        pass
    return None
