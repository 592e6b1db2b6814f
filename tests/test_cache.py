import os
import stat
import threading
import time

from fuzzyaws.cache import Cache, shard_id
from fuzzyaws.model import Resource


def res(i):
    return Resource(kind="ec2", key=f"arn:aws:ec2:us-east-1:1:instance/i-{i}", id=f"i-{i}",
                    name=f"web-{i}", account="1", region="us-east-1", state="running")


def test_dir_is_private_and_shards_round_trip(tmp_path):
    cache = Cache(str(tmp_path / "c"))
    assert stat.S_IMODE(os.stat(tmp_path / "c").st_mode) == 0o700
    sid = shard_id("1", "us-east-1", "ec2")
    cache.put_shard(sid, [res(1), res(2)], fetched=100.0)
    shard = Cache(str(tmp_path / "c")).shard(sid)
    assert shard.count == 2 and shard.fetched == 100.0
    assert shard.key_list() == [res(1).key, res(2).key]
    assert shard.line_list() == [res(1).line(), res(2).line()]
    assert [Resource.from_dict(d) for d in shard.record_list()] == [res(1), res(2)]
    assert cache.shard_ids() == [sid]


def test_expiry_and_failure_keep_data(tmp_path):
    cache = Cache(str(tmp_path))
    sid = shard_id("1", "eu-west-1", "rds")
    cache.put_shard(sid, [res(1)], fetched=1000.0)
    assert not cache.shard(sid).expired(300, 1200) and cache.shard(sid).expired(300, 1300)
    cache.mark_failed(sid, "access denied", when=1400.0)
    shard = cache.shard(sid)
    assert shard.stale and shard.count == 1 and shard.fetched == 1000.0
    # a failed shard is not retried before another TTL has passed
    assert not shard.expired(300, 1600) and shard.expired(300, 1700)


def test_corrupt_cache_is_rebuilt_with_a_warning(tmp_path):
    directory = tmp_path / "c"
    Cache(str(directory)).put_shard("a/b/ec2", [res(1)], fetched=1.0)
    (directory / "cache.db").write_bytes(b"this is not a database" * 100)
    warnings = []
    cache = Cache(str(directory), warn=warnings.append)
    assert cache.shard("a/b/ec2") is None
    assert warnings and "rebuilding" in warnings[0]
    cache.put_shard("a/b/ec2", [res(2)], fetched=2.0)
    assert cache.shard("a/b/ec2").count == 1


def test_lock_excludes_other_holders(tmp_path):
    cache = Cache(str(tmp_path))
    inside, overlaps = [], []

    def worker():
        with Cache(str(tmp_path)).lock("x/y/ec2", poll=0.01):
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
    assert not overlaps
    with cache.lock("x/y/ec2"):  # released by everyone
        pass


def test_lock_of_a_dead_process_is_taken_over(tmp_path):
    cache = Cache(str(tmp_path))
    cache._dc.set("lock:x/y/ec2", "999999999:1:dead")  # no such pid
    with cache.lock("x/y/ec2", poll=0.01):
        pass
