"""Confinement applied to a worker right after it is forked, before any student code runs.

Order matters: new session, oom_score_adj (needs root), rlimits, supplementary groups,
gid, uid, no_new_privs, then seccomp and Landlock (both unprivileged once no_new_privs
is set).  Every layer that could be applied is reported back to the grader, which logs
it for instructors.
"""
from __future__ import annotations

import ctypes
import errno
import os
import resource
import sys
import sysconfig
from dataclasses import dataclass, field

from autograder.sandbox.procfs import status_field

try:                     # loaded in the grader, before any fork: a confined worker need not find libseccomp
    import pyseccomp
except (ImportError, OSError):
    pyseccomp = None

# Landlock (linux/landlock.h); x86_64 and aarch64 share these syscall numbers.
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_ALL_V1 = (1 << 13) - 1
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_PR_SET_NO_NEW_PRIVS = 38

READ_ONLY = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker (seconds, bytes, counts)."""

    cpu_seconds: int = 600
    memory_bytes: int = 1 << 30      # added to what the forked interpreter already holds
    file_bytes: int = 16 << 20
    open_files: int = 64
    processes: int = 64
    disk_bytes: int = 64 << 20       # files a worker may write (its folder and the shared temp dirs), watched from outside


@dataclass
class Layers:
    """Which isolation layers are active in a worker (logged for instructors)."""

    uid_drop: bool = False
    setsid: bool = False
    rlimits: bool = False
    oom_score_adj: bool = False
    no_new_privs: bool = False
    seccomp: bool = False
    landlock_abi: int = 0
    notes: list[str] = field(default_factory=list)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 where Landlock is unavailable."""
    if not sys.platform.startswith("linux"):
        return 0
    version = _libc().syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(int(version), 0)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def apply_landlock(read_only: list[str], read_write: list[str]) -> int:
    """Restrict this process to reading `read_only` and reading/writing `read_write` trees.

    TCP bind/connect are denied (ABI >= 4), and signals and abstract sockets outside the
    domain are scoped out (ABI >= 6).  Returns the ABI used, 0 if nothing was applied.
    """
    abi = landlock_abi()
    if abi < 1:
        return 0
    libc = _libc()
    fs = _FS_ALL_V1 | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0) | (_FS_IOCTL_DEV if abi >= 5 else 0)
    attr = _RulesetAttr(fs, (_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0,
                        (_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL) if abi >= 6 else 0)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return 0
    try:
        write = fs & ~_FS_EXECUTE
        for paths, access in ((read_only, READ_ONLY), (read_write, READ_ONLY | write)):
            for path in paths:
                _add_path_rule(libc, ruleset, path, access, fs)
        if libc.syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return 0
    finally:
        os.close(ruleset)
    return abi


def _add_path_rule(libc: ctypes.CDLL, ruleset: int, path: str, access: int, handled: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):   # files take only file rights
            access &= _FS_EXECUTE | _FS_READ_FILE | _FS_WRITE_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
        rule = _PathBeneathAttr(access & handled, fd)
        libc.syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule), ctypes.c_uint32(0))
    finally:
        os.close(fd)


# The seccomp filter (THREATS.md): every socket family but AF_UNIX (so TCP, UDP/DNS, raw packets, netlink,
# vsock, ...), other processes' memory, io_uring (which bypasses seccomp), namespaces and mounts, System V
# and POSIX IPC (objects that would outlive the worker and reach the next submission of the same uid),
# kernel keyrings, BPF, perf.
ALLOWED_SOCKET_FAMILY = 1          # AF_UNIX
DENIED_SYSCALLS = ("ptrace", "process_vm_readv", "process_vm_writev", "io_uring_setup", "io_uring_enter",
                   "io_uring_register", "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree",
                   "move_mount", "fsopen", "fsmount", "bpf", "keyctl", "add_key", "request_key", "perf_event_open",
                   "userfaultfd", "kexec_load", "init_module", "finit_module", "delete_module", "personality",
                   "msgget", "msgsnd", "msgrcv", "msgctl", "shmget", "shmat", "shmdt", "shmctl", "semget", "semop",
                   "semtimedop", "semctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
                   "mq_getsetattr")
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
CLONE_NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)


def apply_seccomp() -> bool:
    """Load the filter: each denied call fails with EPERM (clone3 with ENOSYS, so libc falls back to clone).

    Needs no_new_privs (or CAP_SYS_ADMIN); False where libseccomp or the kernel support is missing.
    """
    sc = pyseccomp
    if sc is None:
        return False
    try:
        rules = sc.SyscallFilter(sc.ALLOW)
        deny = sc.ERRNO(errno.EPERM)
        for call in ("socket", "socketpair"):
            rules.add_rule(deny, call, sc.Arg(0, sc.NE, ALLOWED_SOCKET_FAMILY))
        for name in DENIED_SYSCALLS:
            rules.add_rule(deny, name)
        for bit in CLONE_NAMESPACE_FLAGS:
            rules.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, bit, bit))
        rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
        rules.load()
    except (OSError, RuntimeError, ValueError):
        return False
    return True


def interpreter_paths() -> list[str]:
    """Trees a worker may read: the interpreter, its standard library and site-packages."""
    keys = ("stdlib", "platstdlib", "purelib", "platlib")
    paths = {sysconfig.get_paths()[k] for k in keys} | {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    paths |= {p for p in sys.path if p and "site-packages" in p}
    return sorted(p for p in paths if os.path.exists(p))


def _current_data_bytes() -> int:
    value = status_field("VmData")
    return int(value) * 1024 if value else 0


def confine(scratch: str, uid: int | None, gid: int | None, limits: Limits) -> Layers:
    """Confine the calling (freshly forked) process; raises if a requested uid drop fails."""
    layers = Layers()
    os.setsid()
    layers.setsid = True
    if uid is not None:
        try:
            with open("/proc/self/oom_score_adj", "w") as f:
                f.write("1000")
            layers.oom_score_adj = True
        except OSError:
            layers.notes.append("oom_score_adj not writable")
    data = _current_data_bytes() + limits.memory_bytes
    for res, value in ((resource.RLIMIT_CORE, (0, 0)), (resource.RLIMIT_NOFILE, (limits.open_files,) * 2),
                       (resource.RLIMIT_FSIZE, (limits.file_bytes,) * 2),
                       (resource.RLIMIT_DATA, (data, data)), (resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))):
        resource.setrlimit(res, value)
    if uid is not None:   # NPROC counts every process of the uid: only meaningful for the sandbox user
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes,) * 2)
    layers.rlimits = True
    if uid is not None and gid is not None:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        if os.getuid() != uid or os.geteuid() != uid or os.getgid() != gid:
            raise RuntimeError("privilege drop did not take effect")
        layers.uid_drop = True
    if _libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0:
        layers.no_new_privs = True
        layers.seccomp = apply_seccomp()
    if not layers.seccomp:
        layers.notes.append("seccomp unavailable: network and namespace calls rest on Landlock and the uid alone")
    layers.landlock_abi = apply_landlock(interpreter_paths() + ["/usr/lib", "/lib", "/lib64", "/etc/ld.so.cache"],
                                         [scratch, "/dev/null"])
    if not layers.landlock_abi:
        layers.notes.append("Landlock unavailable: file access rests on permissions alone")
    return layers
