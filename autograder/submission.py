"""Take in a submission (folder or zip) safely and lay it out for the worker.

Only regular files are copied (symlinks, devices and anything outside the tree are
skipped), with caps on file count and sizes.  Student modules may sit in a subfolder:
each expected module is found by name (`vae.py`; the module "answers" is `answers.yaml`),
the shallowest copy winning.
"""
from __future__ import annotations

import os
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILES = 2000
MAX_FILE_BYTES = 8 << 20
MAX_TOTAL_BYTES = 64 << 20
SKIP_DIRS = {"__pycache__", ".git", "__MACOSX", ".ipynb_checkpoints"}


@dataclass
class Submission:
    """A copied submission: where each expected module is, and what was left out and why."""

    root: Path
    modules: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def search_path(self) -> list[str]:
        return sorted({os.path.dirname(p) for p in self.modules.values()}, key=lambda p: (p.count(os.sep), p))


def _copy_tree(src: Path, dst: Path, notes: list[str]) -> None:
    count = total = 0
    for dirpath, dirnames, filenames in os.walk(src, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        rel = Path(dirpath).relative_to(src)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                notes.append(f"{rel / name}: skipped (not a regular file{', a symbolic link' if stat.S_ISLNK(info.st_mode) else ''})")
                continue
            if info.st_size > MAX_FILE_BYTES or total + info.st_size > MAX_TOTAL_BYTES or count >= MAX_FILES:
                notes.append(f"{rel / name}: skipped (over the size or file-count limit)")
                continue
            (dst / rel).mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as fin, open(dst / rel / name, "wb") as fout:
                shutil.copyfileobj(fin, fout)
            count, total = count + 1, total + info.st_size


def _extract_zip(archive: Path, dst: Path, notes: list[str]) -> None:
    count = total = 0
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = info.filename
            parts = Path(name).parts
            if info.is_dir() or any(p in SKIP_DIRS for p in parts):
                continue
            if name.startswith("/") or ".." in parts or stat.S_ISLNK(info.external_attr >> 16):
                notes.append(f"{name}: skipped (absolute path, '..' or symbolic link in the archive)")
                continue
            if info.file_size > MAX_FILE_BYTES or total + info.file_size > MAX_TOTAL_BYTES or count >= MAX_FILES:
                notes.append(f"{name}: skipped (over the size or file-count limit)")
                continue
            target = dst / Path(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as fin, open(target, "wb") as fout:
                data = fin.read(MAX_FILE_BYTES + 1)      # never trust the declared size
                if len(data) > MAX_FILE_BYTES:
                    notes.append(f"{name}: skipped (over the size limit)")
                    fout.close()
                    target.unlink()
                    continue
                fout.write(data)
            count, total = count + 1, total + len(data)


def prepare(source: str | Path, dst: Path, module_names: set[str]) -> Submission:
    """Copy `source` (a folder or a .zip) into `dst` and locate the expected modules."""
    source, notes = Path(source), []
    dst.mkdir(parents=True, exist_ok=True)
    if source.is_file() and zipfile.is_zipfile(source):
        _extract_zip(source, dst, notes)
    elif source.is_dir():
        _copy_tree(source, dst, notes)
    else:
        notes.append(f"{source.name}: not a folder or a zip archive")
    found: dict[str, str] = {}
    candidates = [p for p in dst.rglob("*") if (p.suffix == ".py" and p.stem != "answers") or p.name in ("answers.yaml", "answers.yml")]
    for path in sorted(candidates, key=lambda p: (len(p.relative_to(dst).parts), p.suffix == ".yml", str(p))):
        if path.stem in module_names and path.stem not in found:
            found[path.stem] = str(path)
        elif path.stem in module_names:
            notes.append(f"{path.relative_to(dst)}: ignored, {Path(found[path.stem]).relative_to(dst)} is used")
    return Submission(dst, found, notes)


def hand_over(path: Path, uid: int | None, gid: int | None) -> None:
    """Give the sandbox user its copy (owner rwx, nobody else)."""
    for dirpath, dirnames, filenames in os.walk(path):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            if uid is not None:
                os.lchown(name, uid, gid)
            os.chmod(name, 0o700 if os.path.isdir(name) else 0o600)
