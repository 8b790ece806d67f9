"""What a submission leaves behind, measured and removed without trusting its shape.

Student code decides how deep its folders go, how many there are and what they are called,
so nothing here recurses or builds long paths: entries are reached through directory file
descriptors, judged by lstat, and links are never followed.  A tree is removed by hoisting
its subfolders, one level at a time, into a private folder beside it, so at most two
descriptors are open however deep it goes; measuring holds one, going back up through "..".
A tree of more than MAX_ENTRIES entries is `Unmeasurable` (and treated as too large).
"""
from __future__ import annotations

import os
import secrets
import stat
import tempfile
from collections.abc import Iterator

SHARED_TEMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue")
SCRATCH = "gm-grade-"                  # a grading run's scratch folder: gm-grade-<its pid>-<random>, in the temp dir
MAX_ENTRIES = 100_000
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class Unmeasurable(Exception):
    """A tree with more than MAX_ENTRIES entries."""


def _entries(fd: int) -> list[os.DirEntry]:
    with os.scandir(fd) as it:
        return list(it)


def _open_dir(name: str, dir_fd: int | None) -> int:
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except PermissionError:                          # unprivileged (a local check): a folder its owner made unreadable
        os.chmod(name, 0o700, dir_fd=dir_fd)
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)


def _remove_at(parent: int, name: str) -> None:
    """Delete the entry `name` of the folder `parent` (a file, a link, or a folder however deep)."""
    if not stat.S_ISDIR(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode):
        os.unlink(name, dir_fd=parent)
        return
    grave = f".gm-remove-{secrets.token_hex(8)}"
    os.mkdir(grave, 0o700, dir_fd=parent)
    top = os.open(grave, _DIR_FLAGS, dir_fd=parent)
    try:
        os.rename(name, "0", src_dir_fd=parent, dst_dir_fd=top)
        pending, count = ["0"], 1
        while pending:
            current = pending.pop()
            fd = _open_dir(current, top)
            try:
                for entry in _entries(fd):
                    if entry.is_dir(follow_symlinks=False):
                        os.rename(entry.name, str(count), src_dir_fd=fd, dst_dir_fd=top)   # hoisted: never deeper than one
                        pending.append(str(count))
                        count += 1
                    else:
                        os.unlink(entry.name, dir_fd=fd)
            finally:
                os.close(fd)
            os.rmdir(current, dir_fd=top)
    finally:
        os.close(top)
    os.rmdir(grave, dir_fd=parent)


def remove_tree(path: str | os.PathLike) -> None:
    """Delete `path` (a file, a link, or a folder however deep); a missing path is not an error."""
    path = os.path.abspath(os.fspath(path))
    parent = os.open(os.path.dirname(path), _DIR_FLAGS & ~os.O_NOFOLLOW)
    try:
        _remove_at(parent, os.path.basename(path))
    except FileNotFoundError:
        pass
    finally:
        os.close(parent)


def walk_files(path: str | os.PathLike) -> Iterator[tuple[str, os.stat_result]]:
    """(relative path, lstat) of every entry below `path` that is not a folder, depth first.

    One descriptor is open at a time, however deep the tree: the walk goes down with openat and back up
    through "..".  Raises Unmeasurable past MAX_ENTRIES entries.
    """
    try:
        fd = os.open(path, _DIR_FLAGS & ~os.O_NOFOLLOW)
    except OSError:
        return
    stack: list[tuple[str, Iterator[os.DirEntry]]] = [("", iter(_entries(fd)))]     # (folder name, its entries)
    seen = 0
    try:
        while stack:
            entries = stack[-1][1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                if stack:
                    up = os.open("..", _DIR_FLAGS, dir_fd=fd)
                    os.close(fd)
                    fd = up
                continue
            seen += 1
            if seen > MAX_ENTRIES:
                raise Unmeasurable(f"more than {MAX_ENTRIES} files and folders")
            try:
                info = entry.stat(follow_symlinks=False)
                if not stat.S_ISDIR(info.st_mode):
                    yield "".join(f"{name}/" for name, _ in stack[1:]) + entry.name, info
                    continue
                down = os.open(entry.name, _DIR_FLAGS, dir_fd=fd)
            except OSError:
                continue
            os.close(fd)
            fd = down
            stack.append((entry.name, iter(_entries(fd))))
    finally:
        os.close(fd)


def disk_bytes(path: str | os.PathLike) -> int:
    """Bytes the files below `path` occupy on disk (allocated blocks: a sparse file costs what it holds)."""
    return sum(info.st_blocks * 512 for _, info in walk_files(path))


def _owned(uid: int) -> Iterator[os.DirEntry]:
    """Top-level entries of the shared temporary directories that belong to `uid` (by lstat)."""
    for top in SHARED_TEMP_DIRS:
        try:
            entries = _entries_of(top)
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid == uid:
                    yield entry
            except OSError:
                pass


def _entries_of(top: str) -> list[os.DirEntry]:
    with os.scandir(top) as it:
        return list(it)


def shared_temp_bytes(uid: int) -> int:
    """Bytes `uid` occupies in the shared temporary directories (Unmeasurable as for `walk_files`)."""
    return sum(disk_bytes(e.path) if e.is_dir(follow_symlinks=False) else e.stat(follow_symlinks=False).st_blocks * 512
               for e in _owned(uid))


def scratch_prefix(pid: int) -> str:
    return f"{SCRATCH}{pid}-"


def remove_scratch_of(pid: int) -> list[str]:
    """Delete the scratch folders a dead grading run `pid` left (a kill -9 skips its own clean-up); none while a
    process of that pid lives (the pid may be someone else's now)."""
    try:
        os.kill(pid, 0)
        return []
    except ProcessLookupError:
        pass
    except PermissionError:
        return []
    top = tempfile.gettempdir()
    removed = []
    with os.scandir(top) as it:
        left = [e for e in it if e.name.startswith(scratch_prefix(pid)) and e.stat(follow_symlinks=False).st_uid == os.getuid()
                and e.is_dir(follow_symlinks=False)]
    for entry in left:
        remove_tree(entry.path)
        removed.append(entry.path)
    return removed


def remove_files_of(uid: int) -> list[str]:
    """Delete what `uid` left in the shared temporary directories (after all its processes are dead).

    Entries are judged by lstat and removed without following links, so a planted symlink
    is itself removed, never its target.
    """
    removed = []
    for entry in list(_owned(uid)):
        try:
            remove_tree(entry.path)
            removed.append(entry.path)
        except OSError:
            pass
    return removed


def remove_added(path: str | os.PathLike, keep: set[str]) -> None:
    """Delete every entry below `path` that is neither one of the files `keep` (relative paths) nor a folder above one."""
    folders = {"/".join(k.split("/")[:i]) for k in keep for i in range(1, k.count("/") + 1)}
    stack = [(os.open(path, _DIR_FLAGS & ~os.O_NOFOLLOW), "")]
    while stack:
        fd, prefix = stack.pop()
        try:
            for entry in _entries(fd):
                rel = prefix + entry.name
                if rel in folders and entry.is_dir(follow_symlinks=False):
                    stack.append((os.open(entry.name, _DIR_FLAGS, dir_fd=fd), rel + "/"))
                elif rel not in keep:
                    _remove_at(fd, entry.name)
        finally:
            os.close(fd)
