"""Finding a program on PATH, as `shutil.which` does, without importing shutil (which
drags compression modules into the warm path)."""
from __future__ import annotations

import os


def which(name: str, path: "str | None") -> "str | None":
    """The path of executable `name` in the directories of `path` (a PATH value), or None."""
    if os.sep in name:
        return name if os.access(name, os.X_OK) and not os.path.isdir(name) else None
    for directory in (path if path is not None else os.defpath).split(os.pathsep):
        candidate = os.path.join(directory or os.curdir, name)
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate
    return None
