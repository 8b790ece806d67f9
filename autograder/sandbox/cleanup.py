"""What a submission leaves behind once all its processes are dead, removed before the next one runs."""
from __future__ import annotations

import os
import shutil
import stat

SHARED_TEMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")


def remove_files_of(uid: int) -> list[str]:
    """Delete what `uid` left in the shared temporary directories (after all its processes are dead).

    Entries are judged by lstat and removed without following links, so a planted symlink
    is itself removed, never its target.
    """
    removed = []
    for top in SHARED_TEMP_DIRS:
        try:
            entries = os.scandir(top)
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                    if info.st_uid != uid:
                        continue
                    if stat.S_ISDIR(info.st_mode):
                        shutil.rmtree(entry.path)
                    else:
                        os.unlink(entry.path)
                    removed.append(entry.path)
                except OSError:
                    pass
    return removed
