"""Views: what a warm `ls`, `pick` or ID completion shows for one scope, in one plain file
read without the database.

Reading a scope from its shards costs the sqlite import and one value per shard (at
organization scale, 20,000 of them). So when `load` has read a scope from the shards, it
writes what it got to views/NAME: the lines and keys in order, when each shard falls due,
and what the picker's header shows (counts, accounts, regions, the oldest data, failed
shards, column widths). The next load of that scope reads this one file instead, for as
long as it is exactly what the shards would give:

- the same scope: the view names the settings and kinds it was made for;
- the same data: every write to the cache renews views/generation, and a view carries
  the generation it was made from (read before the shards were), so that any write
  since, by any process, makes it stale;
- the same answer: online, only while no shard is due (else the shards are read and
  refreshed as before); offline, while the plan it followed is still the one in use.

A view is a cache of the cache: deleting one changes nothing but speed. The directory is
checked as the database's is (cachedir.py) before anything in it is trusted.
"""
from __future__ import annotations

import os

from fuzzyaws import cachedir

FOLDER = "views"
VERSION = "fuzzyaws-view 2"
GENERATION = "generation"
KEEP = 8  # views kept: scopes someone switches between
INDEX = "fuzzyaws-view-index 2"
INDEX_FROM = 20_000  # keys from which `find` reads an index of the view, not all of it
BUCKET = 64  # keys per bucket of the index, about
BLOCK = 64  # rows a view's Rows decode at a time: the recent picks are scattered
ALONE = 1024  # rows Rows give from their blocks: a reader asking for more wants all


def _folder(directory: str) -> str:
    return os.path.join(directory, FOLDER)


def _name(key: str) -> str:
    """A file name for a scope: FNV-1a of its text (hashlib's import would cost more)."""
    h = 0xcbf29ce484222325
    for byte in key.encode("utf-8", "surrogateescape"):
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def generation(directory: str) -> str:
    """The cache's current generation ('' when none was written yet)."""
    try:
        with open(os.path.join(_folder(directory), GENERATION), encoding="ascii") as fh:
            return fh.read()
    except (OSError, ValueError):
        return ""


def renew(directory: str) -> str:
    """The cache changed: every view made before is stale. The new generation; '' if it
    cannot be written (then the views go: a view must never outlive the data it shows)."""
    import time
    token = f"{time.time_ns()}.{os.getpid()}"
    try:
        cachedir.write_atomically(os.path.join(_made_folder(directory), GENERATION), token)
        return token
    except OSError:
        drop(directory)
        return ""


def _made_folder(directory: str) -> str:
    """The views' folder, made if the cache directory exists (never the directory itself:
    that is the Cache's, with its marker)."""
    folder = _folder(directory)
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    return folder


def drop(directory: str) -> None:
    """Delete every view (what cannot be deleted, cannot be read as current either: its
    generation is gone with the file's)."""
    folder = _folder(directory)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        try:
            os.unlink(os.path.join(folder, name))
        except OSError:
            pass


class Summary:
    """What the picker's header and `ls` need of the shards, without the shards."""

    def __init__(self, count=0, accounts=0, regions=0, failed=0, oldest=None, widest=None):
        self.count, self.accounts, self.regions, self.failed = count, accounts, regions, failed
        self.oldest, self.widest = oldest, widest or {}


def write(directory: str, key: str, made_from: str, inventory, due: list, offline_until: float,
          files: dict) -> None:
    """Store `inventory` (what load read for scope `key` at generation `made_from`); `due`:
    when each of its shards falls due; `offline_until`: when the plan it followed expires;
    `files`: the cache's records files per shard (Cache.record_files), where `find` reads
    one record. Best effort: a view that cannot be written is simply not there."""
    shards = "".join(f"{s.id}\t{len(inventory.rows(s))}\t{ranges}\t{','.join(files.get(s.id, ()))}\t{text}\n"
                     for s, text, ranges in inventory.stored_shards())
    lines, keys = inventory.text("lines"), inventory.text("keys")
    sections = [text.encode("utf-8") for text in (lines, keys, shards)]
    rows = lines.count("\n") + 1 if lines else 0  # as many as keys: one of each per resource
    oldest = inventory.oldest()
    numbers = [offline_until, inventory.missing, inventory.count, inventory.accounts, inventory.regions,
               inventory.failed, -1.0 if oldest is None else oldest, rows, shards.count("\n"), *map(len, sections)]
    widest = " ".join(f"{column}={cells}" for column, cells in inventory.widest().items())
    head = [VERSION, key, made_from, " ".join(map(repr, numbers)), widest, " ".join(map(repr, sorted(due))),
            *(" ".join(map(str, _blocks(section))) for section in sections[:2])]
    try:
        folder = _made_folder(directory)
        path = os.path.join(folder, _name(key))
        if rows > INDEX_FROM:
            cachedir.write_atomically(path + ".index", _index(key, made_from, offline_until, keys, shards))
        elif os.path.exists(path + ".index"):
            os.unlink(path + ".index")
        cachedir.write_atomically(path, b"".join(["\n".join(head).encode("utf-8") + b"\n", *sections]))
        _forget_old(folder)
    except OSError:
        pass


def _blocks(section: bytes) -> list:
    """Where each block of BLOCK rows of a section starts (bytes from its start)."""
    if not section:
        return []
    starts, at, rows = [], 0, section.split(b"\n")
    for first in range(0, len(rows), BLOCK):
        starts.append(at)
        at += sum(map(len, rows[first:first + BLOCK])) + BLOCK
    return starts


def _final(key: str) -> str:
    """The last part of an ARN (after its last / or :), the same for an ARN and its id."""
    return key[max(key.rfind("/"), key.rfind(":")) + 1:]


def _bucket(final: str, count: int) -> int:
    return int.from_bytes(final.encode("utf-8", "surrogateescape"), "little") % count


def _index(key: str, made_from: str, offline_until: float, keys: str, shards: str) -> str:
    """The index of a view, so that `find` reads one bucket of it, not 100,000 keys: each
    key's row in the view, its records file and line there, and where its shard's state
    is. Keys are spread over buckets by their last part (an id finds its ARN there), in
    view order within a bucket. Entries are "KEY<TAB>ROW<TAB>RECORDS FILE<TAB>LINE<TAB>AT
    <TAB>LENGTH", AT and LENGTH (bytes) placing the shard's state among the states after
    the buckets; no file (nor line) where the record is kept in the database."""
    keys = keys.split("\n")
    count = max(1, len(keys) // BUCKET)
    buckets: list = [[] for _ in range(count)]
    states, offset, at = [], 0, 0
    for _, used, ranges, files, state in shard_rows(shards):
        used, files = int(used), files.split(",")
        length = len(state.encode("utf-8", "surrogateescape"))
        place = f"\t{offset}\t{length}\n"
        states.append(state)
        offset += length
        for n, row in enumerate(rows_of(ranges, used)):
            chunk = row // cachedir.CHUNK
            found = f"{files[chunk]}\t{row % cachedir.CHUNK}" if chunk < len(files) and files[chunk] else "\t"
            key_n = keys[at + n]
            buckets[_bucket(_final(key_n), count)].append(f"{key_n}\t{at + n}\t{found}{place}")
        at += used
    bodies = ["".join(bucket) for bucket in buckets]
    starts, total = [], 0
    for body in bodies:
        starts.append(total)
        total += len(body.encode("utf-8", "surrogateescape"))
    starts.append(total)
    head = f"{INDEX}\t{key}\t{made_from}\t{offline_until!r}\t{count}\n{' '.join(map(str, starts))}\n"
    return head + "".join(bodies) + "".join(states)


def rows_of(ranges: str, used: int):
    """A shard's rows a view uses: all `used` of them, or those its row ranges name."""
    return expand(ranges_of(ranges)) if ranges else range(used)


def expand(ranges) -> list:
    """The rows of [(first, count)...] row ranges (an index shard's rows of one kind)."""
    return [row for first, count in ranges for row in range(first, first + count)]


def _forget_old(folder: str) -> None:
    views = [os.path.join(folder, n) for n in os.listdir(folder) if len(n) == 16]
    if len(views) > KEEP:
        views.sort(key=lambda p: os.stat(p).st_mtime)
        for path in views[:-KEEP]:
            os.unlink(path)
            if os.path.exists(path + ".index"):
                os.unlink(path + ".index")


def read(directory: str, key: str, now: float, offline: bool, default: bool = False):
    """What the view of scope `key` holds (Stored), or None when there is no current one.
    Only its head is read here: the rest is mapped, and decoded when asked for."""
    if not cachedir.check(directory, create=False, default=default):
        return None
    try:
        with open(os.path.join(_folder(directory), _name(key)), "rb") as fh:
            parts = [fh.readline().decode("utf-8").rstrip("\n") for _ in range(8)]
            if parts[0] != VERSION or parts[1] != key or parts[2] != generation(directory) or not parts[2]:
                return None
            offline_until, missing, count, accounts, regions, failed, oldest, rows, shards, *lengths = \
                [float(n) for n in parts[3].split()]
            due = [float(n) for n in parts[5].split()]
            widest = {c: int(n) for c, _, n in (cell.partition("=") for cell in parts[4].split())}
            blocks = [[int(n) for n in part.split()] for part in parts[6:8]]
            start, lengths, rows = fh.tell(), [int(n) for n in lengths], int(rows)
            if len(lengths) != 3 or os.fstat(fh.fileno()).st_size != start + sum(lengths) \
                    or not all(_blocks_fit(b, rows, length) for b, length in zip(blocks, lengths)):
                return None  # cut short, or not a view of ours
            if offline and now >= offline_until:
                return None  # the plan expired: offline, the cached shards of the settings are used
            expired = sum(1 for t in due if t <= now)
            if not offline and (expired or missing):
                return None  # something to refresh: the shards are read, and refreshed
            import mmap  # the file may be replaced meanwhile: the map keeps this one
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if sum(lengths) else b""
    except (OSError, ValueError):  # unreadable, or not a view of ours (wrong count, not numbers)
        return None
    bounds = [start, start + lengths[0], start + lengths[0] + lengths[1], start + sum(lengths)]
    summary = Summary(int(count), int(accounts), int(regions), int(failed),
                      None if oldest < 0 else oldest, widest)
    return Stored(data, bounds, blocks, rows, int(shards), summary, int(missing), expired, (directory, key, parts[2]))


def _blocks_fit(starts: list, rows: int, length: int) -> bool:
    """Block starts as write() makes them for `rows` rows in `length` bytes."""
    return len(starts) == -(-rows // BLOCK) and all(a < b for a, b in zip([-1, *starts], [*starts, length + 1]))


class Rows:
    """The rows of a view's section of lines or keys, a sequence decoded a block of BLOCK
    rows at a time as they are asked for, and split whole only when all are: fzf is fed
    its first screenful, or the recent picks wherever they are, while the rest waits."""

    def __init__(self, data, start: int, end: int, blocks: list, count: int):
        self._data, self._start, self._end, self._blocks, self._count = data, start, end, blocks, count
        self._made: dict = {}  # {block: its rows}
        self._alone = 0  # rows given from their block
        self._all: "list | None" = None

    def __len__(self) -> int:
        return self._count if self._all is None else len(self._all)

    def __getitem__(self, index):
        if self._all is None and isinstance(index, int) and 0 <= index < self._count \
                and self._alone < ALONE:
            self._alone += 1
            n, at = divmod(index, BLOCK)
            block = self._made.get(n) or self._block(n)
            if at < len(block):
                return block[at]
        return self.all()[index]

    def __iter__(self):
        return iter(self.all())

    def _block(self, n: int) -> list:
        end = self._start + self._blocks[n + 1] - 1 if n + 1 < len(self._blocks) else self._end
        rows = self._made[n] = _text(self._data, self._start + self._blocks[n], end).split("\n")
        return rows

    def all(self) -> list:
        if self._all is None:
            text = _text(self._data, self._start, self._end)
            self._all = text.split("\n") if text else []
            self._made = {}
        return self._all


def _text(data, start: int, end: int) -> str:
    """Bytes `start` to `end` of `data` (a map) as text, decoded in place, not copied first.
    Written as UTF-8 by write(): a byte changed since shows as U+FFFD, never raises."""
    return str(memoryview(data)[start:end], "utf-8", "replace")


class Stored:
    """What a view holds: its sections of lines, keys and shards (mapped, decoded when
    asked for), the summary, and the counts of rows, shards, shards missing (-1: no plan)
    and shards expired now. inventory/load.py serves it."""

    def __init__(self, data, bounds: list, blocks: list, rows: int, shards: int, summary: Summary,
                 missing: int, expired: int, where: tuple):
        self._data, self._bounds, self._blocks, self.row_count, self.shard_count = data, bounds, blocks, rows, shards
        self.summary, self.missing, self.expired = summary, missing, expired
        self._where = where  # (cache directory, scope, generation made from)
        self._texts: dict = {}

    def rows_of(self, keys) -> "dict | None":
        """{key: its row} of those of `keys` here, from the view's index (None: no index)."""
        return rows_in_view(*self._where, keys)

    def text(self, section: str) -> str:
        """The text of section "lines", "keys" or "shards"."""
        if section not in self._texts:
            n = ("lines", "keys", "shards").index(section)
            self._texts[section] = _text(self._data, self._bounds[n], self._bounds[n + 1])
        return self._texts[section]

    def rows(self, section: str) -> Rows:
        """The rows of section "lines" or "keys", split when needed."""
        n = ("lines", "keys").index(section)
        return Rows(self._data, self._bounds[n], self._bounds[n + 1], self._blocks[n], self.row_count)


def shard_rows(text: str):
    """(id, rows used, row ranges, records files, state) of each shard of a view."""
    for row in text.split("\n"):
        if row:
            yield row.split("\t", 4)


def ranges_of(text: str) -> list:
    return [tuple(map(int, r.split(":"))) for r in text.split(",")]


def row_of(keys: str, key: str) -> "int | None":
    """The row of `key` (an ARN, or an id: the ARN's last part) in "\\n"-joined `keys`."""
    parts = key.split(":", 5)
    arn = len(parts) == 6 and parts[0] == "arn"
    text = "\n" + keys + "\n"
    for needle in ([f"\n{key}\n"] if arn else [f"/{key}\n", f":{key}\n"]):
        at = text.find(needle)
        if at >= 0:
            return text.count("\n", 0, at + 1) - 1
    return None


def find(directory: str, key: str, scope: str, now: float, default: bool = False) -> "tuple | None":
    """(record, its shard's fetch time, its last refresh error) of `key` in the view of
    `scope`, read from the one records file it is in: what `preview` shows, on every
    cursor move in fzf. None when the view cannot tell (then the cache is asked)."""
    if not cachedir.check(directory, create=False, default=default):
        return None
    place = _place_indexed(directory, key, scope, now)
    if place is None:  # no index: the view itself
        place = _place(directory, key, scope, now, default)
    if not place:
        return None
    records_file, line, state = place
    try:
        with open(os.path.join(directory, records_file), encoding="utf-8") as fh:
            records = fh.read().split("\n")
    except (OSError, ValueError):
        return None  # replaced meanwhile: the cache has it
    from fuzzyaws import jsontext
    try:
        record, state = jsontext.loads(records[line]), jsontext.loads(state)
    except (ValueError, IndexError):
        return None
    if not isinstance(record, dict) or not isinstance(state, dict):
        return None
    return record, state.get("fetched"), state.get("error")


def _place(directory: str, key: str, scope: str, now: float, default: bool):
    """(records file, line, shard state) of `key` from the view; None or False if not there."""
    stored = read(directory, scope, now, offline=True, default=default)
    if stored is None:
        return None
    at = row_of(stored.text("keys"), key)
    if at is None:
        return None
    for _, used, ranges, files, state in shard_rows(stored.text("shards")):
        used = int(used)
        if at >= used:
            at -= used
            continue
        row = rows_of(ranges, used)[at]
        files = files.split(",")
        chunk = row // cachedir.CHUNK
        if chunk >= len(files) or not files[chunk]:
            return None  # kept in the database: asked there
        return files[chunk], row % cachedir.CHUNK, state
    return None


def _place_indexed(directory: str, key: str, scope: str, now: float):
    """(records file, line, shard state) of `key` from the view's index: None when there is
    no current index, False when it is current and cannot place `key` (not in it, or its
    record is in the database)."""
    index = _open_index(directory, scope)
    if index is None:
        return None
    fh, head, starts = index
    with fh:
        try:
            if head[2] != generation(directory) or now >= float(head[3]):
                return None
            parts = key.split(":", 5)
            entries = [entry.split("\t") for entry in
                       _bucket_of(fh, starts, key).decode("utf-8", "surrogateescape").split("\n") if entry]
            if len(parts) == 6 and parts[0] == "arn":
                found = [e for e in entries if e[0] == key]
            else:  # as row_of: an ARN ending in /ID, else one ending in :ID
                found = [e for e in entries if e[0].endswith("/" + key)] \
                    or [e for e in entries if e[0].endswith(":" + key)]
            if not found or not found[0][2]:
                return False
            _, _, records_file, line, at, length = found[0]
            fh.seek(starts[-1] + int(at))
            return records_file, int(line), fh.read(int(length)).decode("utf-8", "surrogateescape")
        except (OSError, ValueError, IndexError):
            return None


def rows_in_view(directory: str, scope: str, made_from: str, keys) -> "dict | None":
    """{key: its row} of those of `keys` (ARNs) in the view of `scope` made from generation
    `made_from`, from its index (a bucket read for each): the picker finds the recent
    picks without reading 100,000 keys. None when there is no such index."""
    index = _open_index(directory, scope)
    if index is None:
        return None
    fh, head, starts = index
    with fh:
        if head[2] != made_from:
            return None
        rows = {}
        try:
            for key in keys:
                bucket = b"\n" + _bucket_of(fh, starts, key)
                at = bucket.find(b"\n" + key.encode("utf-8", "surrogateescape") + b"\t")
                if at >= 0:  # its entry: KEY<TAB>ROW<TAB>...
                    rows[key] = int(bucket[at + 1:bucket.index(b"\n", at + 1)].split(b"\t")[1])
        except (OSError, ValueError, IndexError):
            return None
        return rows


def _open_index(directory: str, scope: str) -> "tuple | None":
    """The index of the view of `scope`, open: (file, its head's fields, where each bucket
    starts and then the states, in bytes from the file's start); None if there is none."""
    try:
        fh = open(os.path.join(_folder(directory), _name(scope) + ".index"), "rb")
    except OSError:
        return None
    try:
        head = fh.readline().decode("utf-8", "surrogateescape").rstrip("\n").split("\t")
        starts = [int(n) for n in fh.readline().split()]
        if len(head) == 5 and head[0] == INDEX and head[1] == scope and head[2] and len(starts) == int(head[4]) + 1:
            body = fh.tell()
            return fh, head, [body + n for n in starts]
    except (OSError, ValueError):
        pass
    fh.close()
    return None


def _bucket_of(fh, starts: list, key: str) -> bytes:
    """The entries of the index bucket where `key` (an ARN, or an id) is, as stored."""
    n = _bucket(_final(key), len(starts) - 1)
    fh.seek(starts[n])
    return fh.read(starts[n + 1] - starts[n])
