"""The cache on its own: shards as plain strings, a directory that is the user's alone,
damage moved aside, a disk that refuses writes, and never a pickle read from disk."""
import json
import os
import pickle
import sqlite3
import stat
import threading
import time

import pytest

from fuzzyaws.cache import CHUNK, MARKER, Cache, shard_id
from fuzzyaws.model import Resource
from fuzzyaws.status import UsageError


def res(i, **kw):
    return Resource(kind="ec2", key=f"arn:aws:ec2:us-east-1:1:instance/i-{i}", id=f"i-{i}",
                    name=f"web-{i}", account="1", region="us-east-1", state="running", **kw)


class Warnings(list):
    def __call__(self, cause, detail=""):
        self.append(f"{cause}: {detail}")


def test_dir_is_private_marked_and_shards_round_trip(tmp_path):
    directory = tmp_path / "c"
    cache = Cache(str(directory))
    sid = shard_id("1", "us-east-1", "ec2")
    cache.put_shard(sid, [res(1), res(2)], fetched=100.0)
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert (directory / MARKER).read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    again = Cache(str(directory))
    shard = again.shard(sid)
    assert shard.count == 2 and shard.fetched == 100.0
    values = again.scan("lines", "keys")
    assert values["keys"][sid].split("\n") == [res(1).key, res(2).key]
    assert values["lines"][sid].split("\n") == [res(1).line(), res(2).line()]
    assert [Resource.from_dict(d) for d in again.records(sid)] == [res(1), res(2)]
    assert list(again.shards()) == [sid]


def test_records_are_chunked_and_one_is_found_by_key_or_id(tmp_path):
    cache = Cache(str(tmp_path / "c"))
    sid = shard_id("1", "us-east-1", "ec2")
    many = [res(i) for i in range(CHUNK * 2 + 5)]
    cache.put_shard(sid, many, fetched=1.0)
    assert cache.shard(sid).chunks == 3
    assert [d["id"] for d in cache.records(sid)] == [r.id for r in many]
    shard, record = cache.find(many[CHUNK + 7].key)
    assert shard.id == sid and record["id"] == many[CHUNK + 7].id
    assert cache.find(f"i-{CHUNK * 2 + 4}")[1]["name"] == f"web-{CHUNK * 2 + 4}"
    assert cache.find("i-nope") == (None, None)
    cache.put_shard(sid, many[:3], fetched=2.0)  # fewer: the old chunks go
    assert [d["id"] for d in cache.records(sid)] == ["i-0", "i-1", "i-2"]
    assert cache.value(f"records:{sid}:1") is None
    cache.put_shard(sid, many, fetched=3.0)
    cache.put_shard(sid, many[:3], fetched=4.0, before=cache.shard(sid))  # as a refresh read it
    assert cache.value(f"records:{sid}:2") is None and len(list(cache.records(sid))) == 3


def test_expiry_failure_and_a_clock_in_the_future(tmp_path):
    cache = Cache(str(tmp_path / "c"))
    sid = shard_id("1", "eu-west-1", "rds")
    cache.put_shard(sid, [res(1)], fetched=1000.0)
    assert not cache.shard(sid).expired(300, 1200) and cache.shard(sid).expired(300, 1300)
    assert cache.shard(sid).expired(300, 900)  # fetched "in the future": not to be trusted
    cache.mark_failed(sid, "access denied", when=1400.0)
    shard = cache.shard(sid)
    assert shard.stale and shard.count == 1 and shard.fetched == 1000.0
    # a failed shard is not retried before another TTL has passed
    assert not shard.expired(300, 1600) and shard.expired(300, 1700)


def test_corrupt_database_is_moved_aside_and_rebuilt(tmp_path):
    directory = tmp_path / "c"
    Cache(str(directory)).put_shard("a/b/ec2", [res(1)], fetched=1.0)
    (directory / "cache.db").write_bytes(b"this is not a database" * 100)
    warnings = Warnings()
    cache = Cache(str(directory), warn=warnings)
    assert cache.shard("a/b/ec2") is None
    assert len(warnings) == 1 and "corrupt" in warnings[0] and "moved it aside" in warnings[0]
    [moved] = [p for p in directory.iterdir()
               if p.name.startswith("cache.db.corrupt-") and not p.name.endswith(("-wal", "-shm"))]
    assert moved.read_bytes() == b"this is not a database" * 100  # kept for a post-mortem
    cache.put_shard("a/b/ec2", [res(2)], fetched=2.0)
    assert Cache(str(directory)).shard("a/b/ec2").count == 1


def test_a_directory_with_other_files_is_refused_and_left_alone(tmp_path):
    directory = tmp_path / "d"
    directory.mkdir(mode=0o755)
    (directory / "precious.txt").write_text("keep")
    (directory / "cache.db").write_text("junk")
    for use in (lambda c: c.shards(), lambda c: c.put_shard("a/b/ec2", [res(1)], 1.0)):
        with pytest.raises(UsageError, match="not a fuzzyaws cache"):
            use(Cache(str(directory)))
    assert sorted(p.name for p in directory.iterdir()) == ["cache.db", "precious.txt"]
    assert (directory / "precious.txt").read_text() == "keep"
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o755  # not chmod'ed


@pytest.mark.parametrize("mode", [0o1777, 0o770, 0o722])
def test_a_directory_others_can_write_is_refused(tmp_path, mode):
    directory = tmp_path / "shared"
    directory.mkdir()
    os.chmod(directory, mode)
    with pytest.raises(UsageError, match="can be written by others"):
        Cache(str(directory)).put_shard("a/b/ec2", [res(1)], 1.0)
    assert stat.S_IMODE(os.stat(directory).st_mode) == mode and not list(directory.iterdir())


def test_a_directory_of_another_user_is_refused(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to make a directory another user owns (CI runs as root)")
    directory = tmp_path / "theirs"
    directory.mkdir(mode=0o700)
    os.chown(directory, 65534, 65534)
    with pytest.raises(UsageError, match="belongs to another user"):
        Cache(str(directory)).shards()


def test_a_file_named_as_the_cache_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError, match="not a directory"):
        Cache(str(tmp_path / "f")).shards()


def test_an_empty_directory_is_adopted_and_a_missing_one_is_not_created_by_reading(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    Cache(str(empty)).put_shard("a/b/ec2", [res(1)], 1.0)
    assert (empty / MARKER).exists()
    missing = tmp_path / "missing"
    cache = Cache(str(missing))
    assert cache.shards() == {} and cache.shard("a/b/ec2") is None and not cache.exists()
    assert not missing.exists()


def test_a_pickle_on_disk_is_never_loaded(tmp_path):
    directory = tmp_path / "c"
    cache = Cache(str(directory))
    cache.put_shard("a/b/ec2", [res(1)], 1.0)
    pwned = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(pwned), "w"))

    db = sqlite3.connect(directory / "cache.db")
    for key in ("shard:a/b/ec2", "lines:a/b/ec2", "meta:history"):
        db.execute("UPDATE Cache SET mode = 4, value = ? WHERE key = ?", (pickle.dumps(Evil()), key))
        db.execute("INSERT OR IGNORE INTO Cache (key, raw, store_time, expire_time, access_time, "
                   "access_count, tag, size, mode, filename, value) VALUES (?, 1, 0, NULL, 0, 0, NULL, 0, 4, NULL, ?)",
                   (key, pickle.dumps(Evil())))
    db.commit()
    db.close()
    reader = Cache(str(directory))
    assert reader.shard("a/b/ec2") is None and reader.scan("lines")["lines"] == {}
    assert reader.get("meta", "history", []) == []
    reader.put_shard("a/b/ec2", [res(2)], 2.0)  # the writer (diskcache) refuses to unpickle too
    assert reader.shard("a/b/ec2").count == 1
    assert not pwned.exists()


def test_a_cache_from_before_the_marker_is_adopted_at_the_default_place_only(tmp_path):
    old = tmp_path / "old"
    old.mkdir(mode=0o700)
    import diskcache
    with diskcache.Cache(str(old)) as legacy:  # what 0.1 wrote: pickled dicts
        legacy.set("shard:a/b/ec2", {"fetched": 1.0, "count": 1})
    assert not Cache(str(old), default=True).shards()  # read, nothing usable, no error
    with pytest.raises(UsageError):
        Cache(str(old)).shards()  # named by the user: not assumed to be ours
    cache = Cache(str(old), default=True)
    cache.put_shard("a/b/ec2", [res(1)], 2.0)
    assert cache.shard("a/b/ec2").count == 1 and (old / MARKER).exists()


def test_writes_the_disk_refuses_are_kept_for_the_run(tmp_path, monkeypatch):
    warnings = Warnings()
    cache = Cache(str(tmp_path / "c"), warn=warnings)
    cache.put_shard("a/b/ec2", [res(1)], 1.0)

    def full(*_, **__):
        raise sqlite3.OperationalError("database or disk is full")

    import diskcache
    monkeypatch.setattr(diskcache.Cache, "set", full)
    cache.put_shard("a/b/ec2", [res(1), res(2)], 2.0)
    cache.put_shard("a/c/ec2", [res(3)], 2.0)
    assert cache.shard("a/b/ec2").count == 2 and cache.shard("a/c/ec2").count == 1  # this run sees them
    assert len(warnings) == 1 and "disk is full" in warnings[0]
    monkeypatch.undo()
    on_disk = Cache(str(tmp_path / "c"))
    assert on_disk.shard("a/b/ec2").count == 1 and on_disk.shard("a/c/ec2") is None  # intact


def test_lock_excludes_other_holders(tmp_path):
    inside, overlaps = [], []

    def worker():
        with Cache(str(tmp_path / "c")).lock("x/y/ec2", poll=0.01):
            inside.append(1)
            if len(inside) > 1:
                overlaps.append(1)
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not overlaps and not inside


def test_lock_of_a_dead_process_is_free(tmp_path):
    import subprocess
    import sys
    code = ("import os, sys; from fuzzyaws.cache import Cache\n"
            "c = Cache(sys.argv[1]); l = c.lock('x/y/ec2'); l.__enter__(); os._exit(0)")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "c")], check=True)
    started = time.monotonic()
    with Cache(str(tmp_path / "c")).lock("x/y/ec2", poll=0.01):
        pass
    assert time.monotonic() - started < 5


def test_history_and_plan_are_json(tmp_path):
    cache = Cache(str(tmp_path / "c"))
    cache.set("meta", "history", [["k", 1.0]])
    cache.put_plan("p", [{"account": "1", "region": "r"}], now=10.0)
    assert cache.get("meta", "history") == [["k", 1.0]]
    assert cache.plan("p", now=20.0) == [{"account": "1", "region": "r"}]
    assert cache.plan("p", now=5.0) is None  # made "in the future"
    assert json.loads(cache.value("meta:history")) == [["k", 1.0]]
