"""Fan out over account × region × kind on a bounded thread pool and write each shard.

Each shard is fetched, cached and fails on its own. A per-shard lock in the cache makes
concurrent runs (two terminals, a cron job) share the work instead of doing it twice.
Errors are classified per shard:
  denied (AccessDenied, UnauthorizedOperation, OptInRequired)  warning; old data kept
  failed (throttling or 5xx after retries, network, timeouts)  warning; old data kept
  auth   (credentials rejected or missing)  if no shard of those credentials worked, the
         whole run is an AuthError (exit 3) and those shards are left untouched; if some
         worked (a region not enabled for the account answers like bad credentials), a warning.
"""
from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import botocore.exceptions as bex

from fuzzyaws.cache import shard_id
from fuzzyaws.inventory import concurrent, ec2, ecs, elasticache, rds
from fuzzyaws.inventory.session import Sessions, auth_error
from fuzzyaws.model import age_text

COLLECTORS = {"ec2": ec2.collect, "rds": rds.collect, "elasticache": elasticache.collect, "ecs": ecs.collect}
# How many dependent calls a shard of each kind makes at least: ECS lists clusters, then
# tasks, then describes them; the others list in one round.
CHAIN = {"ecs": 3, "elasticache": 2, "ec2": 1, "rds": 1}
DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "OptInRequired",
                "AuthorizationError", "UnauthorizedAccess"}
PAGE_SIZE = 1000  # clipped to each API's maximum


@dataclass
class Report:
    shards: int = 0
    resources: int = 0
    denied: list = field(default_factory=list)  # (shard id, message)
    failed: list = field(default_factory=list)
    auth: list = field(default_factory=list)  # (shard id, AuthError)


def refresh(settings, cache, targets: list, kinds, *, force: bool, sessions=None,
            shard_ids=None, progress=None) -> Report:
    """Fetch the shards of `targets` × `kinds` that are due (all of them with `force`);
    with `shard_ids`, only those. Raises AuthError when no shard of some credentials worked.
    """
    sessions = sessions or Sessions(settings)
    jobs = [(t, k) for t in targets for k in kinds
            if shard_ids is None or shard_id(t["account"], t["region"], k) in shard_ids]
    jobs.sort(key=lambda job: CHAIN[job[1]], reverse=True)  # longest call chains first
    report = Report(shards=len(jobs))
    progress = progress or Progress(len(jobs), settings.verbose)
    started = time.time()
    page_size = int(settings.env.get("FUZZYAWS_PAGE_SIZE") or PAGE_SIZE)
    concurrent.limit = 1 if settings.workers == 1 else 8
    lock = threading.Lock()

    def run(target, kind):
        sid = shard_id(target["account"], target["region"], kind)
        t0 = time.monotonic()
        outcome = _fetch(settings, cache, sessions, target, kind, sid, force, started, page_size,
                         lambda msg: progress.warn(f"{_where(sid)}: {msg}"))
        with lock:
            kind_of, value = outcome
            if kind_of == "ok":
                report.resources += value or 0
            else:
                getattr(report, kind_of).append((sid, value))
            progress.shard_done(sid, outcome, time.monotonic() - t0, report)

    with ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="fuzzyaws") as pool:
        for future in [pool.submit(run, t, k) for t, k in jobs]:
            future.result()
    progress.finish()

    target_of = {shard_id(t["account"], t["region"], k): t for t, k in jobs}
    rejected = {sid for sid, _ in report.auth}
    working = {_credentials(t) for sid, t in target_of.items() if sid not in rejected}
    for sid, error in report.auth:
        if _credentials(target_of[sid]) not in working:
            raise error
        progress.warn(f"{_where(sid)}: {error} (is the region enabled for this account?)")
    for sid, message in report.denied + report.failed:
        shard = cache.shard(sid)
        has = f"keeping data from {age_text(time.time() - shard.fetched)} ago" if shard and shard.fetched else "no data"
        progress.warn(f"{_where(sid)}: {message}; {has}")
    return report


def _fetch(settings, cache, sessions, target, kind, sid, force, started, page_size, warn):
    """One shard, under its lock: ("ok", count or None if skipped) or (class, message)."""
    with cache.lock(sid):
        shard = cache.shard(sid)
        if shard is not None and shard.fetched and shard.fetched >= started:
            return "ok", None  # another run fetched it while we waited for the lock
        if not force and shard is not None and not shard.expired(settings.ttl, time.time()):
            return "ok", None
        try:
            resources = COLLECTORS[kind](lambda service: sessions.client(target, service),
                                         target["account"], target["region"], page_size, warn)
        except Exception as exc:  # noqa: BLE001 - one shard's failure must not sink the others
            error = auth_error(exc, target.get("profile"))
            if error is not None:
                return "auth", error
            kind_of, message = _classify(exc)
            cache.mark_failed(sid, message, time.time())
            return kind_of, message
        resources.sort(key=lambda r: (r.name.lower(), r.id))
        cache.put_shard(sid, resources, time.time())
        return "ok", len(resources)


def _classify(exc) -> tuple:
    if isinstance(exc, bex.ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        op = getattr(exc, "operation_name", "")
        if code in DENIED_CODES:
            return "denied", f"access denied ({code} on {op})"
        return "failed", f"{code or 'error'} on {op}: {' '.join(str(error.get('Message', '')).split())}"[:300]
    if isinstance(exc, bex.EndpointConnectionError):
        return "failed", f"cannot connect to {exc.kwargs.get('endpoint_url', 'the endpoint')} (is the region name right?)"
    return "failed", f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]


def _credentials(target) -> tuple:
    return target.get("profile"), target.get("role_arn")


def _where(sid: str) -> str:
    account, region, kind = sid.split("/")
    return f"{account} {region} {kind}"


class Progress:
    """Progress on stderr: a self-updating line on a terminal, one line per shard with -v,
    nothing otherwise. Warnings always go out, each on its own line."""

    def __init__(self, total: int, verbose: bool, stream=None):
        self.total, self.verbose = total, verbose
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() and total > 0
        self.done = 0
        self._lock = threading.Lock()

    def _clear(self):
        if self.live:
            self.stream.write("\r\033[K")

    def warn(self, message: str):
        with self._lock:
            self._clear()
            self.stream.write(f"fuzzyaws: warning: {message}\n")
            self.stream.flush()

    def shard_done(self, sid, outcome, seconds, report):
        with self._lock:
            self.done += 1
            self._clear()
            if self.verbose:
                status, value = outcome
                what = ("cached, fresh" if value is None else f"{value} resources") if status == "ok" else status
                self.stream.write(f"fuzzyaws: {_where(sid)}: {what} in {seconds:.2f}s\n")
            if self.live:
                failures = len(report.denied) + len(report.failed) + len(report.auth)
                self.stream.write(f"fuzzyaws: refreshing {self.done}/{self.total} shards, "
                                  f"{report.resources} resources"
                                  + (f", {failures} failed" if failures else ""))
            self.stream.flush()

    def finish(self):
        with self._lock:
            self._clear()
            self.stream.flush()
