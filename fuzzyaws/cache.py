"""The disk cache: shards (account, region, kind) with their fetch time, as plain strings.

A shard is stored as separate str values, so that each command reads only what it shows:

    shard:SID          its state, JSON: fetched, failed_at, error, count, chunks
    lines:SID          the picker lines, "\\n"-joined (the whole of `ls`)
    keys:SID           the ARNs, in the same order
    records:SID:N      the full records, JSON lines, CHUNK per value (the preview parses one)

Writes go through diskcache (which keeps large str values as plain files). Reads do not
import it: one sqlite query per kind of value covers every shard (`scan`), and the files
it names are read directly. Nothing is ever unpickled: values are str, and a pickled value
is refused.

The directory is the user's alone: it carries a CACHEDIR.TAG marker; a directory that is
not ours (another owner, writable by others, or holding other files and no marker) is
refused (exit 2), never wiped nor chmod'ed. A truly corrupt database is moved aside and
rebuilt. A full disk, a read-only file system or a busy database is not corruption: what
can be read is served, what is written is kept in memory for this run, with one warning.
The TTL is ours, not diskcache's: an expired shard is still served offline and kept when
its refresh fails.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from _thread import allocate_lock
from contextlib import contextmanager

from fuzzyaws import cachedir, view
from fuzzyaws.cachedir import CHUNK, DB, MARKER  # noqa: F401 - tests name CHUNK and MARKER from here
from fuzzyaws.frozen import Frozen
from fuzzyaws.status import UsageError

_UNREAD = object()
_JSON = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps with options makes an encoder per call
PLAN_TTL = 24 * 3600.0  # profiles' accounts and enabled regions change rarely
# diskcache's modes (diskcache.core), read here without importing it
MODE_RAW, MODE_BINARY, MODE_TEXT, MODE_PICKLE = 1, 2, 3, 4


def shard_id(account: str, region: str, kind: str) -> str:
    return f"{account}/{region}/{kind}"


class Shard(Frozen):
    """What is known of one shard: when it was fetched, whether its last refresh failed."""
    id: str
    fetched: "float | None" = None  # when the data was collected; None: never
    failed_at: "float | None" = None
    error: "str | None" = None  # why the last refresh failed (the data is older than it should be)
    count: int = 0
    chunks: int = 0
    # an index shard's rows are grouped by kind: [[kind, first row, rows], ...], and it
    # leaves out the kinds a native collector listed when it was fetched
    groups: list = []
    native: list = []
    widths: dict = {}  # the widest value of each display column (layout.cell_widths)

    @property
    def account(self) -> str:
        return self.id.split("/")[0]

    @property
    def region(self) -> str:
        return self.id.split("/")[1]

    @property
    def kind(self) -> str:
        return self.id.split("/")[2]

    def expired(self, ttl: float, now: float) -> bool:
        """Due for a refresh: neither fetched nor tried within the TTL. A time in the
        future (a clock that was wrong) counts as expired."""
        last = max(self.fetched or 0.0, self.failed_at or 0.0)
        return not 0 <= now - last < ttl

    @property
    def stale(self) -> bool:
        return self.error is not None


class Corrupt(Exception):
    """The database file is damaged (not a database, malformed)."""


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return False  # locked, busy, full, read-only, cannot open: not damage
    name = getattr(exc, "sqlite_errorname", "")
    text = str(exc)
    return name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or "not a database" in text or "malformed" in text


class Cache:
    """The cache in `directory`. `warn(cause, detail)` reports what cannot be done (once per
    cause is the caller's business). Nothing touches the disk before it is needed, and
    reading creates nothing."""

    def __init__(self, directory: str, warn=None, default: bool = False):
        self.directory = directory
        self.default = default  # the default location: a cache from before the marker is adopted
        self._warn = warn if warn is not None else (lambda cause, detail="": None)
        self._checked = False
        self._dc = None  # diskcache, for writes
        self._unwritable = None  # why writes go to memory only
        self._memory: dict = {}  # key -> str written this run (what the disk did not take)
        self._deleted: set = set()
        self._write_lock = allocate_lock()  # held by the thread committing (see _write)
        self._queue_lock = allocate_lock()
        self._queued: list = []  # writes waiting for a commit: [values, delete, done]
        self._write_fd: "int | None" = None

    # -- the directory -----------------------------------------------------------------
    def _check(self, create: bool) -> bool:
        """True if the directory exists and is ours (created, with `create`); raises
        UsageError for one that is not ours."""
        if self._checked:
            return True
        ok = cachedir.check(self.directory, create, self.default)
        # a cache from before the marker, read: it is marked when first written to
        self._checked = ok and (create or os.path.exists(os.path.join(self.directory, MARKER)))
        return ok

    # -- reading: plain sqlite, one query per kind of value ------------------------------
    def _connect(self):
        path = os.path.join(self.directory, DB)
        if not os.path.exists(path):
            return None
        uri = "file:" + path.replace("?", "%3f").replace("#", "%23")
        try:
            return _open(uri + "?mode=ro", timeout=10)
        except sqlite3.DatabaseError as exc:
            if _is_corrupt(exc) or "no such table" in str(exc):
                raise
        # a read-only file system: WAL needs a writable -shm, unless the file is immutable
        return _open(uri + "?immutable=1")

    def _read(self, query, empty):
        """query(db) on a read-only connection; `empty` when there is nothing to read or the
        database cannot be read (with a warning, or moved aside if it is damaged)."""
        if not self._check(create=False):
            return empty
        for _ in range(3):
            try:
                db = self._connect()
                if db is None:
                    return empty
                try:
                    return query(db)
                finally:
                    db.close()
            except FileNotFoundError:
                continue  # a writer replaced a value file while we read it: read again
            except sqlite3.DatabaseError as exc:
                if _is_corrupt(exc):
                    self._move_aside(exc)
                elif "no such table" not in str(exc):
                    self._warn("cannot read the cache", f"{self.directory}: {exc}")
                return empty
        return empty

    def _value(self, mode, filename, value) -> "str | None":
        if mode == MODE_RAW and isinstance(value, str):
            return value
        if mode == MODE_TEXT and filename and _inside(filename):
            with open(os.path.join(self.directory, filename), encoding="utf-8") as fh:
                return fh.read()
        return None  # bytes or a pickle: not written by us, never unpickled

    def scan(self, *prefixes: str) -> dict:
        """{prefix: {name: value}} of every key `prefix:name`, read in one transaction."""
        def query(db):
            out = {}
            for prefix in prefixes:
                rows = db.execute("SELECT key, mode, filename, value FROM Cache "
                                  "WHERE key >= ? AND key < ? AND raw = 1", (prefix + ":", prefix + ";"))
                found = out[prefix] = {}
                for key, mode, filename, value in rows:
                    text = self._value(mode, filename, value)
                    if text is not None:
                        found[key[len(prefix) + 1:]] = text
            return out

        out = self._read(query, {prefix: {} for prefix in prefixes})
        for key in self._deleted | set(self._memory):
            prefix, _, name = key.partition(":")
            if prefix in out:
                out[prefix].pop(name, None)
                if key in self._memory:
                    out[prefix][name] = self._memory[key]
        return out

    def record_files(self) -> dict:
        """{shard id: [file of each records chunk, '' where it is not a file of its own]}:
        where a view's reader finds one record without the database."""
        def query(db):
            out: dict = {}
            rows = db.execute("SELECT key, mode, filename FROM Cache WHERE key >= 'records:' "
                              "AND key < 'records;' AND raw = 1")
            for key, mode, filename in rows:
                _, sid, n = key.rsplit(":", 2) if key.count(":") >= 2 else (None, None, None)
                if sid is None or not n.isdigit():
                    continue
                usable = mode == MODE_TEXT and filename and _inside(filename)
                chunks = out.setdefault(sid, {})
                chunks[int(n)] = filename if usable else ""
            return {sid: [chunks.get(n, "") for n in range(max(chunks) + 1)] for sid, chunks in out.items()}
        if self._memory or self._deleted:
            return {}
        return self._read(query, {})

    def value(self, key: str) -> "str | None":
        """One value."""
        if key in self._memory or key in self._deleted:
            return self._memory.get(key)

        def query(db):
            row = db.execute("SELECT mode, filename, value FROM Cache WHERE key = ? AND raw = 1",
                             (key,)).fetchone()
            return None if row is None else self._value(*row)
        return self._read(query, None)

    # -- shards ------------------------------------------------------------------------
    def shards(self) -> dict:
        """{shard id: Shard} of every shard cached."""
        return {sid: parse_shard(sid, text) for sid, text in self.scan("shard")["shard"].items()}

    def shard(self, sid: str) -> "Shard | None":
        text = self.value(f"shard:{sid}")
        return None if text is None else parse_shard(sid, text)

    def records(self, sid: str, shard: "Shard | None" = None):
        """The records of a shard (dicts), chunk by chunk, in line order."""
        return (json.loads(line) for line in self.record_texts(sid, shard))

    def record_texts(self, sid: str, shard: "Shard | None" = None):
        """The records of a shard as stored: one JSON object each (json.dumps, ensure_ascii
        False, default separators), chunk by chunk, in line order."""
        shard = shard or self.shard(sid)
        for n in range(shard.chunks if shard else 0):
            text = self.value(f"records:{sid}:{n}")
            if text:
                yield from text.split("\n")

    def record(self, sid: str, row: int) -> "dict | None":
        """Record `row` of a shard: one chunk read, one line parsed."""
        text = self.value(f"records:{sid}:{row // CHUNK}")
        if not text:
            return None
        lines = text.split("\n")
        at = row % CHUNK
        return json.loads(lines[at]) if at < len(lines) else None

    def find(self, key: str, within=None) -> tuple:
        """(Shard, record dict) for an ARN or an id, or (None, None): only the keys of the
        shards it can be in are read (an ARN names its account and region); `within`: only
        these shard ids."""
        parts = key.split(":", 5)
        arn = len(parts) == 6 and parts[0] == "arn"
        keys = self.scan("keys")["keys"]
        if within is not None:
            keys = {sid: text for sid, text in keys.items() if sid in within}
        if arn:
            within = f"{parts[4]}/{parts[3]}/"
            keys = {sid: text for sid, text in keys.items() if sid.startswith(within)}
        for sid, text in keys.items():
            row = view.row_of(text, key)
            if row is not None:
                shard = self.shard(sid)
                record = self.record(sid, row) if shard else None
                if record is not None:
                    return shard, record
        return None, None

    def put_shard(self, sid: str, resources, fetched: float, *, before=_UNREAD, **meta) -> Shard:
        """Store a shard's resources (already sorted) as fetched at `fetched`; `meta`: more
        of its Shard fields (an index shard's groups). `before`: the shard as stored now
        (None: none), if the caller read it under the shard's lock; else it is read here."""
        from fuzzyaws.layout import cell_widths
        records = [_JSON(r.to_dict()) for r in resources]
        lines = [r.line() for r in resources]
        chunks = (len(records) + CHUNK - 1) // CHUNK
        shard = Shard(id=sid, fetched=fetched, count=len(records), chunks=chunks,
                      widths=cell_widths(lines), **meta)
        values = {f"shard:{sid}": shard_text(shard),
                  f"lines:{sid}": "\n".join(lines),
                  f"keys:{sid}": "\n".join(r.key for r in resources)}
        for n in range(chunks):
            values[f"records:{sid}:{n}"] = "\n".join(records[n * CHUNK:(n + 1) * CHUNK])
        old = self.shard(sid) if before is _UNREAD else before
        stale = [f"records:{sid}:{n}" for n in range(chunks, old.chunks if old else 0)]
        self._write(values, stale)
        return shard

    def mark_failed(self, sid: str, error: str, when: float) -> None:
        """Record a failed refresh, keeping whatever data the shard had."""
        old = self.shard(sid) or Shard(id=sid)
        self._write({f"shard:{sid}": shard_text(old.replace(failed_at=when, error=error))})

    def mark_checked(self, sid: str, fetched: float, when: float) -> None:
        """Record that a shard was checked at `when` and found unchanged since `fetched` (a
        snapshot's shard): its data stays, its age is the source's, and it is not due again
        for a TTL (`failed_at` is when it was last tried; no error: it did not fail)."""
        old = self.shard(sid) or Shard(id=sid)
        self._write({f"shard:{sid}": shard_text(old.replace(fetched=fetched, failed_at=when, error=None))})

    def shard_ids(self) -> list:
        return sorted(self.shards())

    @contextmanager
    def lock(self, sid: str, poll: float = 0.05):
        """Hold the refresh lock of one shard, across threads and processes (an flock, so a
        process that dies releases it); waits while another holds it."""
        if self._writer() is None:
            yield  # nothing is shared on disk: nothing to guard
            return
        import fcntl
        fd = self._lock_file(sid.replace("/", "~"))
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    time.sleep(poll)  # polled, not blocking: Ctrl-C stays prompt
            yield
        finally:
            os.close(fd)

    def _lock_file(self, name: str) -> int:
        """An open descriptor of locks/NAME, to flock."""
        folder = os.path.join(self.directory, "locks")
        os.makedirs(folder, mode=0o700, exist_ok=True)
        return os.open(os.path.join(folder, name), os.O_RDWR | os.O_CREAT, 0o600)

    # -- plans, and small entries of their own (the pick history) ------------------------
    def plan(self, key: str, now: float) -> "list | None":
        return self.plan_until(key, now)[1]

    def plan_until(self, key: str, now: float) -> tuple:
        """(until when it holds, the targets) of the plan cached for `key`; (inf, None)
        when there is none (or it expired)."""
        data = self.get("plan", key)
        if isinstance(data, dict) and 0 <= now - data.get("made", 0) < PLAN_TTL:
            return data["made"] + PLAN_TTL, data.get("targets")
        return float("inf"), None

    def put_plan(self, key: str, targets: list, now: float) -> None:
        self.set("plan", key, {"made": now, "targets": targets})

    def get(self, prefix: str, name: str, default=None):
        text = self.value(f"{prefix}:{name}")
        try:
            return default if text is None else json.loads(text)
        except ValueError:
            return default

    def set(self, prefix: str, name: str, value) -> None:
        self._write({f"{prefix}:{name}": json.dumps(value, ensure_ascii=False)})

    # -- writing: diskcache ---------------------------------------------------------------
    def _writer(self):
        """The diskcache to write to, opened once; None when writes go to memory only."""
        if self._dc is None and self._unwritable is None:
            try:
                self._check(create=True)
                self._dc = self._open_diskcache()
            except sqlite3.DatabaseError as exc:
                if not _is_corrupt(exc):
                    return self._cannot_write(exc)
                self._move_aside(exc)
                try:
                    self._dc = self._open_diskcache()
                except (OSError, sqlite3.Error) as again:
                    return self._cannot_write(again)
            except OSError as exc:
                return self._cannot_write(exc)
        return self._dc

    def _open_diskcache(self):
        import diskcache
        return diskcache.Cache(self.directory, disk=_text_disk(diskcache), eviction_policy="none",
                               timeout=60)

    def _write(self, values: dict, delete=()) -> None:
        """Store `values` and delete `delete` keys, all or nothing; if the disk refuses, keep
        them in memory for this run (the previous data on disk stays intact).

        Writes are committed in groups: a writer queues its own, and whoever holds the
        write lock commits every write queued so far in one transaction, so that the
        threads of a refresh do not each wait for a commit of their own. Each returns once
        its write is committed (or kept in memory)."""
        write = [values, delete, False]  # done: committed, or kept in memory
        with self._queue_lock:
            self._queued.append(write)
        with self._write_lock:
            if write[2]:  # committed by the writer before us
                return
            with self._queue_lock:
                group, self._queued = self._queued, []
            self._commit(group)
            for each in group:
                each[2] = True

    def _commit(self, group: list) -> None:
        dc = self._writer()
        if dc is not None:
            try:
                with self._exclusive(), dc.transact():
                    for values, delete, _ in group:
                        for key, value in values.items():
                            dc.set(key, value)
                        for key in delete:
                            dc.delete(key)
                    view.renew(self.directory)
                return
            except (OSError, sqlite3.Error) as exc:
                self._cannot_write(exc)
        for values, delete, _ in group:
            self._memory.update(values)
            self._deleted.update(delete)
            self._deleted.difference_update(values)

    @contextmanager
    def _exclusive(self):
        """Across processes, one writer at a time (an flock on locks/.write), woken as soon
        as the last one is done. Left to SQLite, writers wait in its busy handler, which
        sleeps up to 100 ms a try."""
        import fcntl
        if self._write_fd is None:
            self._write_fd = self._lock_file(".write")  # never a shard's: no shard id starts with "."
        fcntl.flock(self._write_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._write_fd, fcntl.LOCK_UN)

    @property
    def on_disk(self) -> bool:
        """Whether writes go to the disk (else to this process's memory only), as far as
        can be told before writing (a full disk is found out by writing)."""
        return self._writer() is not None and self._unwritable is None and os.access(self.directory, os.W_OK)

    @property
    def in_memory(self) -> bool:
        """Whether this run holds data the disk did not take (then no view is made of it)."""
        return bool(self._memory or self._deleted)

    def kept(self) -> tuple:
        """(values written, keys deleted) that the disk did not take this run."""
        return dict(self._memory), set(self._deleted)

    def keep(self, values: dict, deleted) -> None:
        """Take over what another process's run could not write (its `kept()`): written if
        the disk takes it now, else kept in memory for this run."""
        self._write(values, deleted)

    def _cannot_write(self, exc) -> None:
        reason = getattr(exc, "strerror", None) or str(exc)
        if self._unwritable is None:
            self._unwritable = reason
            self._warn("cannot save to the cache", f"{self.directory}: {reason}; "
                       "results are used for this run only")
        return None

    def _move_aside(self, exc) -> None:
        """A damaged database is renamed (never deleted) and a new one started."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        moved = f"{DB}.corrupt-{stamp}"
        for suffix in ("", "-wal", "-shm"):
            try:
                os.replace(os.path.join(self.directory, DB + suffix),
                           os.path.join(self.directory, moved + suffix))
            except FileNotFoundError:
                pass
            except OSError:
                break
        if self._dc is not None:
            self._dc.close()
            self._dc = None
        view.drop(self.directory)
        self._warn("the cache was corrupt", f"{exc}; moved it aside as {moved} and started a new one")

    # -- whole cache ---------------------------------------------------------------------
    def exists(self) -> bool:
        return self._check(create=False) and os.path.exists(os.path.join(self.directory, DB))

    def volume(self) -> int:
        """Bytes on disk: the database and its value files."""
        total = 0
        if self.exists():
            for root, _, files in os.walk(self.directory):
                total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
        return total

    def clear(self) -> None:
        dc = self._writer()
        if dc is not None:
            dc.clear()
            view.drop(self.directory)
        self._memory.clear()

    def release(self) -> None:
        """Close this thread's connection to the database (each thread has its own)."""
        if self._dc is not None:
            self._dc.close()

    def close(self) -> None:
        if self._dc is not None:
            self._dc.close()
            self._dc = None
        if self._write_fd is not None:
            os.close(self._write_fd)
            self._write_fd = None


def _open(uri: str, timeout: float = 5.0):
    """A read connection to the cache database, checked to be one."""
    db = sqlite3.connect(uri, uri=True, timeout=timeout)
    try:
        db.execute("SELECT 1 FROM Cache LIMIT 1")
    except BaseException:
        db.close()
        raise
    return db


def parse_shard(sid: str, text: str) -> Shard:
    try:
        data = json.loads(text)
        return Shard(id=sid, **{k: data[k] for k in Shard._fields if k in data and k != "id"})
    except (ValueError, TypeError):
        return Shard(id=sid)  # unreadable: as if never fetched


def shard_text(shard: Shard) -> str:
    """A shard's state as stored: JSON of its fields that have a value."""
    return json.dumps({k: v for k, v in shard.to_dict().items() if k != "id" and v not in ([], {}, None)})


def _inside(filename: str) -> bool:
    """A value file's name as diskcache writes it: inside the directory."""
    return not os.path.isabs(filename) and ".." not in filename


def _text_disk(diskcache):
    """diskcache's Disk, refusing anything but str keys and str or number values, and
    refusing to unpickle: a value on disk can never run code."""

    class TextDisk(diskcache.Disk):
        def put(self, key):
            if type(key) is not str:
                raise TypeError("cache keys are str")
            return super().put(key)

        def get(self, key, raw):
            if not raw:
                raise ValueError("refusing a pickled key")
            return super().get(key, raw)

        def store(self, value, read, key=diskcache.core.UNKNOWN):
            if type(value) not in (str, int, float):
                raise TypeError("cache values are str")
            if type(value) is str and isinstance(key, str) and key.startswith("records:"):
                # records are always a file of their own, however small: where a view's
                # reader finds one without the database (view.find)
                import io
                filename, full_path = self.filename(key, value)
                self._write(full_path, io.StringIO(value), "x", "UTF-8")
                return os.path.getsize(full_path), diskcache.core.MODE_TEXT, filename, None
            return super().store(value, read, key)

        def fetch(self, mode, filename, value, read):
            if mode == diskcache.core.MODE_PICKLE:
                raise ValueError("refusing to unpickle a cache value")
            return super().fetch(mode, filename, value, read)

    return TextDisk
