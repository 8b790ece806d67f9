"""Take in a submission (folder, zip or tar archive) safely and lay it out for the worker.

Only regular files are copied (symlinks, devices and anything outside the tree are
skipped), with caps on file count, sizes and folder depth; the walk never recurses, so no
tree is too deep for it.  Student modules may sit in a subfolder: each expected module is
found by name, forgivingly, or by what a file defines (`locate.py`; notebooks, `notebooks.py`).
Notes name the student's files as code (the names are theirs).
"""
from __future__ import annotations

import os
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from autograder.safe_text import code
from autograder.submission.locate import available_imports, locate, unavailable

HANDOUT_ENGINE = "_autograder"   # the local check's own folder in a handout: never the student's modules
MAX_FILES = 2000
MAX_FILE_BYTES = 8 << 20
MAX_TOTAL_BYTES = 64 << 20
MAX_DEPTH = 16
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)   # Windows has no symbolic-link flag (nor, there, links to fear)
SKIP_DIRS = {"__pycache__", ".git", "__MACOSX", ".ipynb_checkpoints"}


@dataclass
class Submission:
    """A copied submission: where each expected module is, what was left out and why, and, per module, the
    packages it imports that the grader does not have."""

    root: Path
    modules: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unavailable: dict[str, list[str]] = field(default_factory=dict)

    @property
    def search_path(self) -> list[str]:
        return sorted({os.path.dirname(p) for p in self.modules.values()}, key=lambda p: (p.count(os.sep), p))


def _walk(top: Path) -> Iterator[tuple[Path, list[str], list[str]]]:
    """(folder, sub-folder names, other entry names) top-down, sorted, with an explicit stack and at most MAX_DEPTH
    levels (os.walk recurses, and a submission chooses its depth); folders deeper are not entered."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        dirs = [e.name for e in entries if e.is_dir(follow_symlinks=False) and e.name not in SKIP_DIRS]
        yield folder, dirs, [e.name for e in entries if not e.is_dir(follow_symlinks=False)]
        if len(folder.relative_to(top).parts) < MAX_DEPTH:
            stack.extend(folder / d for d in reversed(dirs))


def _copy_tree(src: Path, dst: Path, notes: list[str]) -> None:
    count = total = 0
    for folder, dirs, files in _walk(src):
        rel = folder.relative_to(src)
        if len(rel.parts) == MAX_DEPTH and dirs:
            notes.append(f"{code(str(rel))}: its folders were not read (more than {MAX_DEPTH} levels deep)")
        for name in files:
            path = folder / name
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                notes.append(f"{code(str(rel / name))}: skipped (not a regular file{', a symbolic link' if stat.S_ISLNK(info.st_mode) else ''})")
                continue
            if info.st_size > MAX_FILE_BYTES or total + info.st_size > MAX_TOTAL_BYTES or count >= MAX_FILES:
                notes.append(f"{code(str(rel / name))}: skipped (over the size or file-count limit)")
                continue
            (dst / rel).mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
            with os.fdopen(fd, "rb") as fin, open(dst / rel / name, "wb") as fout:
                shutil.copyfileobj(fin, fout)
            count, total = count + 1, total + info.st_size


def _extract_members(members, dst: Path, notes: list[str]) -> None:
    """Write archive members (name, is_regular_file, declared_size, open) safely under dst.

    Only regular files with relative paths and no '..' are written; sizes are checked both
    as declared and as actually read (a bomb can lie), against per-file and total caps.
    """
    count = total = 0
    for name, regular, size, open_member in members:
        parts = Path(name).parts
        if any(p in SKIP_DIRS for p in parts):
            continue
        if name.startswith("/") or ".." in parts or not parts:
            notes.append(f"{code(name)}: skipped (absolute path or '..' in the archive)")
            continue
        if len(parts) > MAX_DEPTH + 1:
            notes.append(f"{code(name)}: skipped (more than {MAX_DEPTH} folders deep)")
            continue
        if not regular:
            notes.append(f"{code(name)}: skipped (not a regular file: a link or a device in the archive)")
            continue
        if size > MAX_FILE_BYTES or total + size > MAX_TOTAL_BYTES or count >= MAX_FILES:
            notes.append(f"{code(name)}: skipped (over the size or file-count limit)")
            continue
        with open_member() as fin:
            data = fin.read(MAX_FILE_BYTES + 1)          # never trust the declared size
        if len(data) > MAX_FILE_BYTES or total + len(data) > MAX_TOTAL_BYTES:
            notes.append(f"{code(name)}: skipped (over the size limit once decompressed)")
            continue
        target = dst / Path(*parts)
        if target.parent.exists() and not target.parent.is_dir():
            notes.append(f"{code(name)}: skipped (its folder is a file in the archive)")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as fout:
            fout.write(data)
        count, total = count + 1, total + len(data)


def _extract_zip(archive: Path, dst: Path, notes: list[str]) -> None:
    with zipfile.ZipFile(archive) as zf:
        _extract_members(((i.filename, not stat.S_ISLNK(i.external_attr >> 16), i.file_size, lambda i=i: zf.open(i))
                          for i in zf.infolist() if not i.is_dir()), dst, notes)


def _extract_tar(archive: Path, dst: Path, notes: list[str]) -> None:
    with tarfile.open(archive) as tf:                    # any compression; members are never extracted by tarfile
        _extract_members(((m.name, m.isreg(), m.size, lambda m=m: tf.extractfile(m))
                          for m in tf if not m.isdir()), dst, notes)


def prepare(source: str | Path, dst: Path, wanted: dict[str, set[str]], packages: list[str] = ()) -> Submission:
    """Copy `source` (a folder, a zip or a tar archive) into `dst` and locate the modules `wanted` (module -> its
    graded functions); `packages` are what student code may import besides torch and numpy."""
    source, notes = Path(source), []
    dst.mkdir(parents=True, exist_ok=True)
    extract = (_extract_zip if zipfile.is_zipfile(source) else _extract_tar if tarfile.is_tarfile(source) else None) \
        if source.is_file() else None
    if extract is not None:
        try:
            extract(source, dst, notes)
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
            notes.append(f"{code(source.name)}: the archive is damaged ({type(exc).__name__}); only the files before the damage were read")
    elif source.is_dir():
        _copy_tree(source, dst, notes)
    else:
        notes.append(f"{code(source.name)}: not a folder, a zip or a tar archive")
    files = [folder / name for folder, _, names in _walk(dst) for name in names
             if HANDOUT_ENGINE not in (folder / name).relative_to(dst).parts]
    modules, found_notes = locate(dst, files, wanted)
    available = available_imports(files, list(packages))
    unavailable_imports = {m: names for m, path in modules.items() if m != "answers" and (names := unavailable(Path(path), available))}
    return Submission(dst, modules, notes + found_notes, unavailable_imports)


def hand_over(path: Path, uid: int | None, gid: int | None) -> None:
    """Give the sandbox user its copy (owner rwx, nobody else)."""
    for folder, dirs, files in _walk(path):
        for name in [folder, *(folder / n for n in dirs + files)]:
            if uid is not None:
                os.lchown(name, uid, gid)
            os.chmod(name, 0o700 if os.path.isdir(name) else 0o600)
