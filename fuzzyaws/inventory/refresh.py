"""Fan out over account × region × kind on the run's worker pool and write each shard.

Each shard is fetched, cached and fails on its own. A per-shard lock in the cache makes
concurrent runs (two terminals, a cron job) share the work instead of doing it twice.
What fails is reported once per cause at the end, not once per shard:
  denied   AccessDenied, UnauthorizedOperation, OptInRequired     warning, exit 0; old data kept
  failed   throttling or 5xx after retries, network, timeouts     warning, exit 1; old data kept
  partial  part of a shard failed (the SSM status of EC2 hosts)   warning, exit 1; the rest stored
  auth     credentials rejected or missing: if no shard of those credentials worked, the run
           is an AuthError (exit 3) and those shards are left as they were; if some worked
           (a region not enabled for the account answers like bad credentials), a warning.
Ctrl-C cancels what is queued and abandons what is in flight; finished shards are kept.
"""
from __future__ import annotations

import threading
import time
from collections import Counter


from fuzzyaws import INDEX, heap
from fuzzyaws.aws.errors import AccessDenied, AwsError, CredentialsError
from fuzzyaws.frozen import Frozen
from fuzzyaws.inventory import index, offload, processes, sources
from fuzzyaws.inventory.collectors import CHAIN, COLLECTORS
from fuzzyaws.inventory.load import native_kinds, shard_kinds, shards_of, ttl
from fuzzyaws.model import Resource, age_text
from fuzzyaws.workers import Pool

PAGE_SIZE = 1000  # clipped to each API's maximum


class Outcome(Frozen):
    sid: str
    status: str  # ok, fresh (another run fetched it), partial, denied, failed, auth
    count: int = 0
    error: "Exception | None" = None
    seconds: float = 0.0


class Fetch:
    """What a collector is given for one shard. For a global kind (s3), `region` is one of
    the account's regions, where its calls go."""

    def __init__(self, app, pool, sid: str, target, kind: str, page_size: int, run: dict):
        self.target, self.kind, self.sid = target, kind, sid
        self.account, self.region = target.account, target.region
        self.page_size = page_size
        self.settings = app.settings
        self.problems: list = []
        # an organization source's data is as old as the source says (a snapshot's
        # collection time), and may be unchanged since it was cached
        self.fetched: "float | None" = None
        self.unchanged = False
        self._aws, self._pool, self._cache, self._run = app.aws, pool, app.cache, run

    @property
    def first_region(self) -> bool:
        """This is the account's first region: where its global resources are listed."""
        return self._run["first"].get(self.account) == self.target.region

    @property
    def sessions(self):
        """The run's sessions (an organization source reads with its own profile)."""
        return self._aws.sessions

    @property
    def cache(self):
        return self._cache

    def client_at(self, target, service: str):
        """A client for another region of the shard's account (Resource Explorer's home)."""
        return self._aws.client(target, service)

    def once(self, key, compute):
        """What `compute()` gives, computed once per run for `key` (say, a region's tagging
        listing, or whether an account has Resource Explorer), whichever shard asks first;
        the others wait for it. If it raises, the next one to ask tries again."""
        with self._run["lock"]:
            entry = self._run.setdefault(key, [threading.Lock(), None, False])
        with entry[0]:
            if not entry[2]:
                entry[1], entry[2] = compute(), True
            return entry[1]

    def once_here(self, name: str, compute):
        """`once((name, account, region), compute)` for a listing of the shard's own account
        and region (its SSM nodes, its ECS clusters), dropped once the last shard there is
        done: an organization's listings would otherwise all be held until the run ends."""
        key = (name, self.account, self.region)
        with self._run["lock"]:
            if key not in self._run:
                self._run["here"].setdefault((self.account, self.region), []).append(key)
        return self.once(key, compute)

    def client(self, service: str):
        return self._aws.client(self.target, service)

    def gather(self, *calls) -> list:
        return self._pool.gather(*calls)

    def submit(self, call):
        """Start `call` on the run's pool; `results` gives its outcome."""
        return self._pool.submit(call)

    def results(self, started: list) -> list:
        return self._pool.results(started)

    def read_elsewhere(self, fn, *args):
        """`fn(*args)` in the run's reading process (offload.py), to get() later: for the
        reading of large pages, off the chain of their round trips."""
        return self._run["reader"].read(fn, *args)

    def previous(self) -> list:
        """The shard's resources as last stored."""
        return [Resource.from_dict(d) for d in self._cache.records(self.sid)]

    def partial(self, message: str) -> None:
        """Part of the shard could not be fetched (the rest is stored): say so."""
        self.problems.append(message)


class Report:
    def __init__(self, outcomes: list):
        self.outcomes = outcomes
        self.resources = sum(o.count for o in outcomes)

    def of(self, *statuses) -> list:
        return [o for o in self.outcomes if o.status in statuses]

    @property
    def failed(self) -> bool:
        """Something the user should retry: exit 1 (a denied shard is a warning only)."""
        return bool(self.of("failed", "partial"))


def refresh(app, shard_ids=None, *, kinds=None, force: bool = True) -> Report:
    """Fetch the shards of the plan × `kinds` (the settings' by default), or only
    `shard_ids`; unless `force`, only those still due once their lock is held.
    Raises AuthError when no shard of some credentials worked."""
    settings, cache, console = app.settings, app.cache, app.console
    wanted = None if shard_ids is None else set(shard_ids)
    targets = app.aws.targets()
    jobs = [job for job in shards_of(targets, shard_kinds(settings, kinds)[0])
            if wanted is None or job[0] in wanted]
    # the longest chains of calls first; then a region at a time, whatever the account:
    # an organization's accounts share a client per service and region (aws/session.py),
    # so that the clients in use at once are those of a region or two, not of all 17
    jobs.sort(key=lambda job: (-CHAIN.get(job[2], 1), job[1].region))
    started = time.time()
    outcomes: list = []
    tally = {"resources": 0, "failures": 0}  # kept as they come: a sum per shard is quadratic
    lock = threading.Lock()

    def done(outcome):
        with lock:  # from this thread, and from those reading the child processes
            outcomes.append(outcome)
            if settings.verbose:
                console.info(_verbose(outcome))
            tally["resources"] += outcome.count
            tally["failures"] += outcome.status not in ("ok", "fresh")
            console.progress(f"refreshing {len(outcomes)}/{len(jobs)} shards, {tally['resources']} resources"
                             + (f", {tally['failures']} failed" if tally["failures"] else ""))

    # other processes only where their writes reach this one: through the cache on disk
    mine, parts = processes.split(jobs, processes.count(settings) if cache.on_disk else 1)
    children: list = []
    try:
        for part in parts:
            children.append(processes.Child(app, part, targets, started, force))
            children[-1].follow(done, console.warn)
        run_shards(app, mine, targets, started, force, done)
        for child in children:
            child.wait()
    finally:
        for child in children:  # ended already, unless interrupted
            child.stop()
        console.progress_done()
    report = Report(outcomes)
    _raise_for_credentials(report, {sid: t for sid, t, _ in jobs}, console)
    _warn(report, cache, console)
    return report


def run_shards(app, jobs: list, targets: list, started: float, force: bool, done) -> None:
    """Fetch `jobs` on a pool of the settings' workers, `done(outcome)` as each ends
    (in this thread)."""
    settings, cache = app.settings, app.cache
    pool = Pool(settings.workers, on_exit=cache.release)
    run = {"lock": threading.Lock(), "first": {}, "here": {}, "reader": offload.Reader(app.env),
           "left": Counter((t.account, t.region) for _, t, _ in jobs),  # shards to go per place
           "regions": Counter(t.region for _, t, _ in jobs)}  # ... and per region
    for target in targets:
        run["first"].setdefault(target.account, target.region)
    page_size = int(settings.env.get("FUZZYAWS_PAGE_SIZE") or PAGE_SIZE)

    def shard(sid, target, kind):
        try:
            return _shard(app, pool, sid, target, kind, page_size, started, force, run)
        finally:
            with run["lock"]:  # the last shard of an account × region: its listings can go
                place = (target.account, target.region)
                run["left"][place] -= 1
                if run["left"][place] <= 0:
                    for key in run["here"].pop(place, ()):
                        run.pop(key, None)
                run["regions"][target.region] -= 1
                region_done = run["regions"][target.region] <= 0
            if region_done:  # its clients' connections need not stay open
                app.aws.sessions.release(target.region)

    def finished(task):  # in this thread
        done(task.get())
        bulk.tick()

    with heap.Bulk() as bulk:
        try:
            pool.each([lambda job=job: shard(*job) for job in jobs], finished)
        except BaseException:
            pool.cancel()  # Ctrl-C: queued shards are dropped, those in flight abandoned
            raise
        finally:
            run["reader"].close()
    pool.close()


def _shard(app, pool, sid, target, kind, page_size, started, force, run) -> Outcome:
    """One shard, under its lock."""
    cache = app.cache
    t0 = time.monotonic()
    with cache.lock(sid):
        shard = cache.shard(sid)
        if shard is not None and shard.fetched and started <= shard.fetched <= time.time():
            return Outcome(sid=sid, status="fresh")  # another run fetched it meanwhile
        if not force and shard is not None and not shard.expired(ttl(app.settings, kind), time.time()) \
                and (kind != INDEX or set(shard.native) == native_kinds(app.settings)):
            return Outcome(sid=sid, status="fresh")
        fetch = Fetch(app, pool, sid, target, kind, page_size, run)
        collect = sources.collector(target, kind) or (index.collect if kind == INDEX else COLLECTORS[kind])
        try:
            resources = collect(fetch)
        except CredentialsError as exc:
            return Outcome(sid=sid, status="auth", error=exc)
        except AwsError as exc:
            cache.mark_failed(sid, exc.what, time.time())
            status = "denied" if isinstance(exc, AccessDenied) else "failed"
            return Outcome(sid=sid, status=status, error=exc, seconds=time.monotonic() - t0)
        now = time.time()
        if fetch.unchanged:
            cache.mark_checked(sid, fetch.fetched or now, now)
            return Outcome(sid=sid, status="ok", count=shard.count if shard else 0, seconds=time.monotonic() - t0)
        # a source's older data is due again a TTL after it was checked, not after it was collected
        meta = {"failed_at": now} if fetch.fetched else {}
        if kind == INDEX:  # grouped by kind, so that a kind's rows can be read alone
            resources.sort(key=lambda r: (r.kind, r.name.lower(), r.id))
            meta.update(groups=_groups_of(resources), native=sorted(native_kinds(app.settings)))
        else:
            resources.sort(key=lambda r: (r.name.lower(), r.id))
        cache.put_shard(sid, resources, fetch.fetched or now, before=shard, **meta)
        if fetch.problems:
            return Outcome(sid=sid, status="partial", count=len(resources),
                           error=AwsError("; ".join(fetch.problems)), seconds=time.monotonic() - t0)
        return Outcome(sid=sid, status="ok", count=len(resources), seconds=time.monotonic() - t0)


def _groups_of(resources) -> list:
    """[[kind, first row, rows]...] of resources sorted by kind."""
    groups: list = []
    for row, resource in enumerate(resources):
        if groups and groups[-1][0] == resource.kind:
            groups[-1][2] += 1
        else:
            groups.append([resource.kind, row, 1])
    return groups


def _raise_for_credentials(report, targets: dict, console) -> None:
    rejected = report.of("auth")
    if not rejected:
        return
    key = lambda o: (targets[o.sid].profile, targets[o.sid].role_arn)  # noqa: E731
    working = {key(o) for o in report.outcomes if o.status != "auth"}
    for outcome in rejected:
        if key(outcome) not in working:
            raise outcome.error
    for cause, group in _groups(rejected).items():
        console.warn(f"{cause} for {_places(group)} (is the region enabled for the account?)")


def _warn(report, cache, console) -> None:
    """One line per cause: what failed (in which calls), where, and what is shown instead."""
    now = time.time()
    for cause, group in _groups(report.of("denied", "failed")).items():
        calls = sorted({o.error.operation for o in group if getattr(o.error, "operation", "")})
        if calls:
            cause += " on " + (", ".join(calls) if len(calls) <= 3 else f"{calls[0]} and {len(calls) - 1} more calls")
        shards = [cache.shard(o.sid) for o in group]
        kept = [s.fetched for s in shards if s and s.fetched]
        if not kept:
            note = "no data"
        else:
            note = f"keeping data from {age_text(now - min(kept))} ago"
            if len(kept) < len(group):
                note += f" ({len(group) - len(kept)} with no data)"
        console.warn(f"{cause}: {_places(group)}; {note}")
    for cause, group in _groups(report.of("partial")).items():
        console.warn(f"{cause}: {_places(group)}")


def _groups(outcomes) -> dict:
    groups: dict = {}
    for outcome in outcomes:
        groups.setdefault(getattr(outcome.error, "cause", str(outcome.error)), []).append(outcome)
    return groups


def _places(group) -> str:
    names = [o.sid.replace("/", " ") for o in group]
    if len(names) == 1:
        return names[0]
    shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
    return f"{len(names)} shards ({shown})"


def _verbose(outcome) -> str:
    what = {"ok": f"{outcome.count} resources", "fresh": "cached, fresh"}.get(
        outcome.status, f"{outcome.status}: {outcome.error}")
    return f"{outcome.sid.replace('/', ' ')}: {what} in {outcome.seconds:.2f}s"
