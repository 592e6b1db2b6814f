"""The cache directory is the user's alone: made 0700 with a CACHEDIR.TAG marker, and a
directory that is not ours (another owner, writable by others, or holding other files
and no marker) is refused (exit 2), never wiped nor chmod'ed. Everything that reads or
writes in it (the database, the views, the pick history) checks it here first."""
from __future__ import annotations

import os

from fuzzyaws.status import UsageError

DB = "cache.db"
CHUNK = 1000  # records per value: the preview parses one chunk, `ls --json` streams them
MARKER = "CACHEDIR.TAG"
MARKER_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
               "# This file is a cache directory tag created by fuzzyaws.\n"
               "# For information about cache directory tags see https://bford.info/cachedir/\n")


def check(path: str, create: bool, default: bool = False) -> bool:
    """True if the directory exists and is ours (made, with `create`); raises UsageError for
    one that is not ours. `default`: the default location, where a cache from before the
    marker is adopted."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if not create:
            return False
        os.makedirs(path, mode=0o700, exist_ok=True)  # exist_ok: another run made it meanwhile
        os.chmod(path, 0o700)  # makedirs' mode is masked by the umask
        _mark(path)
        return True
    except NotADirectoryError:
        raise UsageError(f"cache directory {path} is not a directory") from None
    if st.st_mode & 0o170000 != 0o040000:  # not stat.S_ISDIR: `stat` is one import more
        raise UsageError(f"cache directory {path} is not a directory")
    if st.st_uid != os.geteuid():
        raise UsageError(f"cache directory {path} belongs to another user (uid {st.st_uid}): "
                         "refusing to use it; set --cache-dir to a directory of yours")
    if st.st_mode & 0o022:
        raise UsageError(f"cache directory {path} can be written by others "
                         f"(mode {st.st_mode & 0o7777:o}): refusing to use it; "
                         f"chmod 700 it or use another --cache-dir")
    if not os.path.exists(os.path.join(path, MARKER)):
        entries = os.listdir(path)
        if entries and not (default and _only_diskcache(path, entries)):
            raise UsageError(f"{path} is not a fuzzyaws cache (it holds other files and no "
                             f"{MARKER}): name an empty or new directory as the cache")
        if not create:
            return bool(entries)
        _mark(path)
    return True


def _mark(path: str) -> None:
    with open(os.path.join(path, MARKER), "w", encoding="ascii") as fh:
        fh.write(MARKER_TEXT)


def _only_diskcache(path: str, entries) -> bool:
    """What a cache from before the marker holds: the database and diskcache's value dirs."""
    for name in entries:
        if name.startswith(DB):
            continue
        if len(name) == 2 and os.path.isdir(os.path.join(path, name)):
            continue
        return False
    return True


def write_atomically(path: str, text: "str | bytes") -> None:
    """Replace the file at `path` with `text` (UTF-8, or bytes as they are; mode 0600):
    readers see the old file or the new one, never a part (a temporary file renamed over it)."""
    temporary = f"{path}.{os.getpid()}.tmp"
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        with open(temporary, "wb", opener=lambda p, flags: os.open(p, flags, 0o600)) as fh:
            fh.write(data)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
