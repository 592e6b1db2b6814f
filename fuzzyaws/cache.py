"""The disk cache: one diskcache entry per shard (account, region, kind), with its fetch time.

An entry holds the ready-made picker lines and key list as plain strings (reading them is
the whole warm path) and the records as JSON lines, parsed only when asked for (the
preview parses just the one it shows). The TTL
is ours, not diskcache's: an expired shard is still served by `--offline` and kept when a
refresh of it fails. A failed refresh records `failed_at`, so a shard that is denied is not
retried on every run, only once per TTL.
"""
from __future__ import annotations

import json
import os
import pickle
import shutil
import sqlite3
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import diskcache

PLAN_TTL = 24 * 3600.0  # profiles' accounts and enabled regions change rarely
LOCK_EXPIRE = 600.0  # backstop for a lock whose holder vanished without dying on this host


# What a damaged database file or value raises when read.
_CORRUPT = (sqlite3.Error, OSError, EOFError, pickle.UnpicklingError, ValueError)


def shard_id(account: str, region: str, kind: str) -> str:
    return f"{account}/{region}/{kind}"


@dataclass(frozen=True)
class Shard:
    id: str
    fetched: "float | None"  # when the data was collected; None: never successfully
    failed_at: "float | None" = None
    error: "str | None" = None
    count: int = 0
    lines: str = ""  # display lines, "\n"-joined, in the same order as keys
    keys: str = ""
    records: str = ""  # one JSON Resource dict per line, in the same order as keys

    def age(self, now: float) -> "float | None":
        return None if self.fetched is None else now - self.fetched

    def expired(self, ttl: float, now: float) -> bool:
        """Due for a refresh: neither fetched nor tried within the TTL."""
        last = max(self.fetched or 0.0, self.failed_at or 0.0)
        return now - last >= ttl

    @property
    def stale(self) -> bool:
        """The last refresh failed: what is here is older than it should be."""
        return self.error is not None

    def line_list(self) -> list:
        return self.lines.split("\n") if self.count else []

    def key_list(self) -> list:
        return self.keys.split("\n") if self.count else []

    def record_list(self) -> list:
        return [json.loads(r) for r in self.records.split("\n")] if self.count else []

    def record(self, key: str) -> "dict | None":
        """One record, parsing only its own line (the preview's fast path)."""
        try:
            return json.loads(self.records.split("\n")[self.key_list().index(key)])
        except ValueError:
            return None


class Cache:
    """diskcache wrapper. A corrupt or unreadable cache is rebuilt with a warning."""

    def __init__(self, directory: str, warn=None):
        self.directory = directory
        self._warn = warn or (lambda msg: print(f"fuzzyaws: warning: {msg}", file=sys.stderr))
        self._dc = self._open()

    # -- opening, corruption ---------------------------------------------------------
    def _open(self) -> diskcache.Cache:
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        os.chmod(self.directory, 0o700)  # mkdir's mode is masked by the umask
        try:
            return diskcache.Cache(self.directory)
        except (sqlite3.Error, OSError) as exc:
            self._warn(f"cache at {self.directory} is unreadable ({exc}); rebuilding it")
            shutil.rmtree(self.directory, ignore_errors=True)
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            os.chmod(self.directory, 0o700)
            return diskcache.Cache(self.directory)

    def _guard(self, fn, *args):
        """Run a diskcache call; if the cache turns out corrupt, rebuild it and retry once."""
        try:
            return fn(self._dc, *args)
        except _CORRUPT as exc:
            return self._rebuild_and_retry(fn, args, exc)

    def _rebuild_and_retry(self, fn, args, exc):
        self._warn(f"cache at {self.directory} is corrupt ({type(exc).__name__}: {exc}); rebuilding it")
        try:
            self._dc.close()
        except Exception:
            pass
        shutil.rmtree(self.directory, ignore_errors=True)
        self._dc = self._open()
        return fn(self._dc, *args)

    def close(self) -> None:
        self._dc.close()

    # -- shards ----------------------------------------------------------------------
    def shard(self, sid: str) -> "Shard | None":
        data = self._guard(lambda dc: dc.get("shard:" + sid))
        if not isinstance(data, dict):
            return None
        try:
            return Shard(id=sid, **data)
        except TypeError:  # written by another version: treat as missing
            return None

    def shards(self, sids) -> dict:
        return {sid: self.shard(sid) for sid in sids}

    def put_shard(self, sid: str, resources, fetched: float) -> Shard:
        resources = list(resources)
        entry = {"fetched": fetched, "failed_at": None, "error": None,
                 "count": len(resources),
                 "lines": "\n".join(r.line() for r in resources),
                 "keys": "\n".join(r.key for r in resources),
                 "records": "\n".join(json.dumps(r.to_dict(), ensure_ascii=False) for r in resources)}
        self._guard(lambda dc: dc.set("shard:" + sid, entry))
        return Shard(id=sid, **entry)

    def mark_failed(self, sid: str, error: str, when: float) -> None:
        """Record a failed refresh, keeping whatever data the shard had."""
        old = self.shard(sid)
        entry = {"fetched": None, "count": 0, "lines": "", "keys": "", "records": ""}
        if old is not None:
            entry.update(fetched=old.fetched, count=old.count, lines=old.lines,
                         keys=old.keys, records=old.records)
        entry.update(failed_at=when, error=error)
        self._guard(lambda dc: dc.set("shard:" + sid, entry))

    def find(self, key: str) -> tuple:
        """(shard, record) for an ARN (one shard read) or an id (every shard scanned);
        (None, None) if it is not cached."""
        parts = key.split(":", 5)
        if len(parts) == 6 and parts[0] == "arn":
            shard = self.shard(shard_id(parts[4], parts[3], parts[2]))
            record = shard.record(key) if shard else None
            if record:
                return shard, record
        for shard in self.shards(self.shard_ids()).values():
            for k in (shard.key_list() if shard else ()):
                if k == key or k.endswith(("/" + key, ":" + key)):
                    return shard, shard.record(k)
        return None, None

    def shard_ids(self) -> list:
        keys = self._guard(lambda dc: list(dc.iterkeys()))
        return sorted(k[len("shard:"):] for k in keys if isinstance(k, str) and k.startswith("shard:"))

    @contextmanager
    def lock(self, sid: str, poll: float = 0.05):
        """Hold the refresh lock of one shard, across processes; waits while another holds it."""
        key = "lock:" + sid
        token = f"{os.getpid()}:{threading.get_ident()}:{os.urandom(8).hex()}"
        while not self._guard(lambda dc: dc.add(key, token, expire=LOCK_EXPIRE)):
            holder = self._guard(lambda dc: dc.get(key))
            if isinstance(holder, str) and not _alive(holder.split(":")[0]):
                self._guard(lambda dc: dc.delete(key))  # its holder died: take it over
                continue
            time.sleep(poll)
        try:
            yield
        finally:
            with self._dc.transact():
                if self._dc.get(key) == token:
                    self._dc.delete(key)

    # -- plans: which shards the configured profiles and regions mean ----------------
    def plan(self, key: str, now: float) -> "list | None":
        data = self._guard(lambda dc: dc.get("plan:" + key))
        if isinstance(data, dict) and now - data.get("made", 0) < PLAN_TTL:
            return data.get("targets")
        return None

    def put_plan(self, key: str, targets: list, now: float) -> None:
        self._guard(lambda dc: dc.set("plan:" + key, {"made": now, "targets": targets}))

    # -- small entries of their own (the pick history) ------------------------------
    def get(self, name: str, default=None):
        value = self._guard(lambda dc: dc.get("meta:" + name))
        return default if value is None else value

    def set(self, name: str, value) -> None:
        self._guard(lambda dc: dc.set("meta:" + name, value))

    # -- whole cache -----------------------------------------------------------------
    def volume(self) -> int:
        return self._guard(lambda dc: dc.volume())

    def clear(self) -> None:
        self._guard(lambda dc: dc.clear())


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (ValueError, PermissionError):
        return True
    return True
