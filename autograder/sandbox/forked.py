"""A fresh fork of the zygote becoming a confined worker (Linux): descriptors in place, confinement, then serving.

The zygote forks, then calls `become` in the child, which never returns into the zygote.
"""
from __future__ import annotations

import ctypes
import fcntl
import mmap
import os
import signal
import sys
from dataclasses import asdict
from typing import NoReturn

from autograder.sandbox import wire
from autograder.sandbox.capture import CappedOutput
from autograder.sandbox.confine import Layers, Limits, confine
from autograder.sandbox.worker import serve


def become(request: dict, fds: list[int], uid: int | None, gid: int | None, limits: Limits) -> NoReturn:  # pragma: no cover - child
    """In a fresh fork of the zygote: become a confined worker and serve; never returns into the zygote.

    `fds` are the request pipe, the reply pipe, the output file and the arena (a memfd) the grader passed.
    """
    status = 70
    try:
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100) for fd in fds]
        devnull = os.open("/dev/null", os.O_RDONLY)
        for target, fd in ((0, devnull), (1, high[2]), (2, high[2]), (3, high[0]), (4, high[1]), (5, high[3])):
            os.dup2(fd, target)
        os.closerange(6, os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 1024)
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        arena = _map_arena(5, request["arena_bytes"])
        os.close(5)                               # the mapping alone remains: no descriptor reaches the arena
        layers = _confine(request, uid, gid, limits)
        wire.write_all(4, wire.pack({"layers": asdict(layers), "id": request["id"]}))
        serve(3, 4, arena, request["modules"], request["scratch"])
    except BaseException:  # noqa: BLE001
        status = 71
    finally:
        os._exit(status)


def _map_arena(fd: int, size: int) -> memoryview:  # pragma: no cover - child
    """The shared arena, mapped straight from libc: Python's mmap would keep a duplicate descriptor open."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    address = libc.mmap(None, size, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED, fd, 0)
    if address in (None, ctypes.c_void_p(-1).value):
        raise OSError(ctypes.get_errno(), "cannot map the arena")
    return memoryview((ctypes.c_char * size).from_address(address)).cast("B")


def _confine(request: dict, uid: int | None, gid: int | None, limits: Limits) -> Layers:  # pragma: no cover - child
    layers = confine(request["scratch"], uid, gid, limits)
    os.chdir(request["scratch"])
    os.environ.clear()
    os.environ.update({"HOME": request["scratch"], "TMPDIR": request["scratch"], "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                       "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""})
    sys.stdin = open(0, closefd=False)
    sys.stdout = sys.stderr = CappedOutput(1)
    sys.dont_write_bytecode = True
    sys.path.extend(request["search_path"])
    return layers
