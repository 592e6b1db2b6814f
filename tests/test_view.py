"""Views (view.py): a scope's combined listing answers exactly as its shards would, and
only while it is current: any write to the cache, by any process, the TTL and the plan's
expiry end it."""
from __future__ import annotations

import os
import time

import pytest

from fuzzyaws import view
from fuzzyaws.cache import Cache
from fuzzyaws.inventory import load as load_module
from tests.cli import CLI

A = "111111111111"


@pytest.fixture
def cli(aws, tmp_path):
    return CLI(aws, str(tmp_path), account=A)


def views(cli) -> list:
    folder = os.path.join(cli.cache_dir, view.FOLDER)
    return sorted(n for n in os.listdir(folder) if n != view.GENERATION) if os.path.isdir(folder) else []


@pytest.fixture
def shards_read(monkeypatch):
    """How many loads read the shards (rather than a view)."""
    count = []
    original = load_module._from_shards

    def counting(*args, **kw):
        count.append(1)
        return original(*args, **kw)

    monkeypatch.setattr(load_module, "_from_shards", counting)
    return count


COMMANDS = [("ls",), ("ls", "--keys"), ("ls", "--offline"), ("ls", "web"), ("ls", "--kind", "ec2"),
            ("ls", "--kind", "sqs"), ("ls", "--json"), ("pick", "--list", "--offline", "--columns", "100")]


def test_a_view_answers_as_the_shards_do(cli, fleet, shards_read):
    fleet.ec2(A, "us-east-1", 4, name="web-{i}")
    fleet.sqs_queue(A, "us-east-1", "web-queue")  # an indexed kind: its rows are ranges of a shard
    assert cli("refresh").returncode == 0
    for argv in COMMANDS:
        first = cli(*argv)  # from the shards, and a view made
        before = len(shards_read)
        again = cli(*argv)  # from the view
        assert len(shards_read) == before, argv
        assert (again.returncode, again.stdout, again.stderr) == (first.returncode, first.stdout, first.stderr), argv
        view.drop(cli.cache_dir)
        fresh = cli(*argv)  # from the shards again
        assert (fresh.returncode, fresh.stdout) == (first.returncode, first.stdout), argv
    assert len(views(cli)) <= view.KEEP


def test_any_write_to_the_cache_ends_the_views(cli, fleet, shards_read):
    fleet.ec2(A, "us-east-1", 2, name="web-{i}")
    assert len(cli("ls").stdout.splitlines()) == 2  # collected: no view of a cache being made
    assert len(cli("ls").stdout.splitlines()) == 2 and views(cli)
    # another process's refresh: a write through a Cache of its own
    other = Cache(cli.cache_dir)
    sid = next(s for s in other.shards() if s.endswith("/ec2"))
    other.put_shard(sid, [], time.time())
    other.close()
    before = len(shards_read)
    assert cli("ls", "--offline", "--kind", "ec2").returncode == 1  # the emptied shard, not the view
    assert len(shards_read) == before + 1


def test_expired_shards_are_refreshed_not_served_from_the_view(cli, fleet, aws, shards_read):
    fleet.ec2(A, "us-east-1", 2, name="web-{i}")
    ls = ("--ttl", "10", "ls", "--kind", "ec2")
    assert cli("--ttl", "10", "refresh", "--kind", "ec2").returncode == 0
    collected = time.time()
    assert len(cli(*ls).stdout.splitlines()) == 2
    fleet.ec2(A, "us-east-1", 1, name="late-{i}", start=5)
    calls = len(aws.calls)
    assert "late-5" not in cli(*ls).stdout  # fresh: the view
    assert len(aws.calls) == calls
    time.sleep(max(0.0, collected + 10.5 - time.time()))
    offline = cli(*ls, "--offline")
    assert "late-5" not in offline.stdout and len(aws.calls) == calls  # offline: old data is fine
    assert "late-5" in cli(*ls).stdout  # due: refreshed first


def test_a_view_is_never_trusted_when_stale_or_tampered(cli, fleet, shards_read):
    fleet.ec2(A, "us-east-1", 2, name="web-{i}")
    cli("refresh")
    expected = cli("ls").stdout
    (name,) = views(cli)
    path = os.path.join(cli.cache_dir, view.FOLDER, name)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    head, body = text.split("\n", 6)[:6], text.split("\n", 6)[6]
    numbers = head[3].split()
    for tampered in (text[:-10], text.replace(view.VERSION, "fuzzyaws-view 0"), "garbage\n" * 7, "",
                     "\n".join(head[:2] + ["1.1"] + head[3:]) + "\n" + body,  # another generation
                     "\n".join(head[:3] + [" ".join(numbers[:-1])] + head[4:]) + "\n" + body,
                     b"\xff\xfe".decode("latin-1") + text):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(tampered)
        before = len(shards_read)
        result = cli("ls", "--offline")
        assert (result.stdout, result.stderr) == (expected, ""), tampered[:40]
        assert len(shards_read) == before + 1


def test_a_foreign_cache_directory_is_refused_before_its_view_is_read(cli, fleet):
    fleet.ec2(A, "us-east-1", 1)
    assert cli("refresh").returncode == 0 and cli("ls").returncode == 0 and views(cli)
    os.chmod(cli.cache_dir, 0o777)
    try:
        result = cli("ls", "--offline")
    finally:
        os.chmod(cli.cache_dir, 0o700)
    assert result.returncode == 2 and result.stdout == "" and "can be written by others" in result.stderr


@pytest.mark.parametrize("indexed", [False, True])
def test_preview_reads_one_record_through_the_view_as_the_cache_would(cli, fleet, monkeypatch, indexed):
    if indexed:  # as a view of 20,000 keys and more is: found through its index
        monkeypatch.setattr(view, "INDEX_FROM", 1)
        monkeypatch.setattr(view, "BUCKET", 2)
        place = view._place
        monkeypatch.setattr(view, "_place", lambda *a: pytest.fail("the view was read, not its index")
                            if view.generation(cli.cache_dir) else place(*a))
    fleet.ec2(A, "us-east-1", 3, name="web-{i}", tags={"Team": "a\tb"})
    fleet.ec2(A, "eu-west-1", 2, name="web-{i}", tags={"Team": "☃"})
    fleet.sqs_queue(A, "us-east-1", "jobs")
    assert cli("--region", "us-east-1", "--region", "eu-west-1", "refresh").returncode == 0
    keys = cli("--region", "us-east-1", "--region", "eu-west-1", "ls", "--keys").stdout.split()  # and the view
    assert any(name.endswith(".index") for name in views(cli)) == indexed
    asked = []
    original = Cache.find
    monkeypatch.setattr(Cache, "find", lambda self, *a, **kw: asked.append(a) or original(self, *a, **kw))

    def shown(key):
        result = cli("--region", "us-east-1", "--region", "eu-west-1", "preview", key)
        assert result.returncode == 0, result.stderr
        return [line for line in result.stdout.splitlines() if not line.startswith("data")]

    ids = [key.rsplit("/", 1)[-1] for key in keys if ":instance/" in key]
    through_view = {key: shown(key) for key in keys + ids}
    assert not asked  # every one found in the view
    assert len(ids) == 5 and cli("--region", "us-east-1", "--region", "eu-west-1", "preview", "i-nothere").returncode == 1
    view.drop(cli.cache_dir)
    asked.clear()
    assert {key: shown(key) for key in keys + ids} == through_view
    assert len(asked) == len(keys + ids)


def test_an_index_of_another_generation_or_scope_is_not_read(cli, fleet, monkeypatch):
    monkeypatch.setattr(view, "INDEX_FROM", 1)
    fleet.ec2(A, "us-east-1", 2, name="web-{i}")
    assert cli("refresh").returncode == 0 and cli("ls").returncode == 0
    (index,) = [n for n in views(cli) if n.endswith(".index")]
    path = os.path.join(cli.cache_dir, view.FOLDER, index)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    head = text.split("\n", 1)[0].split("\t")
    key = text.split("\n")[2].split("\t")[0]
    scope = head[1]
    assert view._place_indexed(cli.cache_dir, key, scope, time.time())
    for tampered in ("\t".join(head[:2] + ["1.1"] + head[3:]), "\t".join(head[:1] + ["other"] + head[2:]),
                     "\t".join(head[:3] + ["0.0"] + head[4:]), "\t".join(head[:4] + ["7"])):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(tampered + "\n" + text.split("\n", 1)[1])
        assert view._place_indexed(cli.cache_dir, key, scope, time.time()) is None, tampered


def test_ls_json_adds_each_line_to_the_stored_record_as_json_dumps_would():
    import json

    from fuzzyaws.commands.ls import _with_line
    for record in ({"kind": "ec2", "tags": {"Name": 'wéb "1"\n\t'}, "n": 1.5, "x": None}, {"a": []}):
        stored = json.dumps(record, ensure_ascii=False)
        for ascii_only in (False, True):
            expected = json.dumps(record | {"line": "ec2\twéb"}, ensure_ascii=ascii_only)
            assert _with_line(stored, "ec2\twéb", ascii_only) == expected


def test_rows_are_read_a_block_at_a_time_until_all_are_asked_for():
    rows = [f"ec2\twéb-{i}" for i in range(max(view.BLOCK * 12, view.ALONE) + 5)]
    data = "\n".join(rows).encode("utf-8")
    section = view.Rows(b"head\n" + data, 5, 5 + len(data), view._blocks(data), len(rows))
    assert len(view._blocks(data)) == -(-len(rows) // view.BLOCK)
    assert view._blocks_fit(view._blocks(data), len(rows), len(data))
    assert len(section) == len(rows)
    assert [section[i] for i in range(view.BLOCK)] == rows[:view.BLOCK]  # fzf's first screenful
    assert section[view.BLOCK * 11 + 2] == rows[view.BLOCK * 11 + 2]  # a recent pick, far down
    assert section._all is None and sorted(section._made) == [0, 11]  # two blocks read, not all
    reader = view.Rows(data, 0, len(data), view._blocks(data), len(rows))
    assert [reader[i] for i in range(view.ALONE)] == rows[:view.ALONE] and reader._all is None
    assert reader[view.ALONE] == rows[view.ALONE] and reader._all == rows  # read on: all at once
    assert section[-1] == rows[-1] and list(section) == rows and section[2:4] == rows[2:4]
    assert len(view.Rows(b"", 0, 0, [], 0)) == 0 and list(view.Rows(b"", 0, 0, [], 0)) == []
    few = view.Rows(b"a\nb", 0, 3, [0], 2)
    assert (few[0], few[1]) == ("a", "b") and few._all is None
    with pytest.raises(IndexError):
        few[2]
    broken = view.Rows(b"ok\n\xff-byte", 0, 9, [0], 2)  # a byte changed on disk: shown, never raised
    assert broken[1] == "\ufffd-byte"
    assert not view._blocks_fit([0, 5], len(rows), len(data))  # a tampered head: not a view of ours


def test_recent_picks_come_first_highest_score_first_ties_in_listing_order():
    from fuzzyaws.history import recent_first
    keys = ["a", "b", "c", "d", "e"]
    assert recent_first(keys, {}) == range(5)
    assert recent_first(keys, {"c": 2.0, "e": 4.0, "a": 2.0, "gone": 9.0}) == [4, 0, 2, 1, 3]


def test_the_index_gives_the_rows_of_recent_picks_without_the_keys(cli, fleet, monkeypatch):
    from fuzzyaws.history import recent_first
    monkeypatch.setattr(view, "INDEX_FROM", 1)
    fleet.ec2(A, "us-east-1", 5, name="web-{i}")
    fleet.ec2(A, "us-east-1", 4, name="db-{i}")
    assert cli("refresh").returncode == 0
    keys = cli("ls", "--keys").stdout.split()  # the view's order
    assert len(keys) == 9
    (index,) = [n for n in views(cli) if n.endswith(".index")]
    with open(os.path.join(cli.cache_dir, view.FOLDER, index), encoding="utf-8") as fh:
        _, scope, made_from, _, _ = fh.readline().rstrip("\n").split("\t")
    picked = [keys[7], keys[2], "arn:aws:ec2:us-east-1:111111111111:instance/i-gone"]
    rows = view.rows_in_view(cli.cache_dir, scope, made_from, picked)
    assert rows == {keys[7]: 7, keys[2]: 2}
    score = {keys[7]: 4.0, keys[2]: 2.0, picked[2]: 9.0}
    assert recent_first(keys, score, rows) == recent_first(keys, score) == [7, 2, 0, 1, 3, 4, 5, 6, 8]
    assert view.rows_in_view(cli.cache_dir, scope, "another generation", picked) is None
    assert view.rows_in_view(cli.cache_dir, "another scope", made_from, picked) is None
