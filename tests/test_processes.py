"""A large organization's refresh split among processes (inventory/processes.py): how the
accounts are shared out, and the bad days: a child that dies, Ctrl-C, a parent that
goes away. `fuzzyaws refresh` is a real subprocess against the fake organization."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from fuzzyaws.aws.session import Target
from fuzzyaws.fakeaws.org import REGIONS, FakeOrg
from fuzzyaws.inventory.processes import SHARDS_PER_PROCESS, split


def jobs_of(accounts: int, regions: int, profile_jobs: int = 0) -> list:
    jobs = [(f"{a}/{r}/ec2", Target(account=str(a), region=r, role_arn=f"arn:aws:iam::{a}:role/R"), "ec2")
            for a in range(accounts) for r in REGIONS[:regions]]
    return jobs + [(f"own/{n}/ec2", Target(account="own", region=str(n), profile="p"), "ec2")
                   for n in range(profile_jobs)]


def test_whole_accounts_are_shared_out_evenly_and_the_rest_stays_in_the_parent():
    jobs = jobs_of(101, 17, profile_jobs=34)
    mine, parts = split(jobs, 4)
    assert len(parts) == 3 and sorted(mine + sum(parts, [])) == sorted(jobs)
    assert all(part and all(target.role_arn for _, target, _ in part) for part in parts)
    assert [job for job in jobs if job[1].profile == "p"] == [job for job in mine if job[1].profile == "p"]
    owners = {}
    for n, part in enumerate([mine] + parts):
        for _, target, _ in part:
            assert owners.setdefault(target.account, n) == n  # an account in one process only
    sizes = [len(part) for part in [mine] + parts]
    assert max(sizes) - min(sizes) <= 17  # within one account of each other


def test_a_small_refresh_stays_in_one_process():
    assert split(jobs_of(5, 17), 4)[1] == []  # 85 shards: not worth a process
    assert split(jobs_of(100, 17), 1)[1] == []  # processes = 1
    assert split(jobs_of(1, 17) * 30, 4)[1] == []  # one account: nothing to share out
    many = jobs_of(300, 2)
    assert len(split(many, 8)[1]) == len(many) // SHARDS_PER_PROCESS - 1


def children_of(pid: int) -> list:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(child) for child in fh.read().split()]
    except OSError:
        return []


def org_env(org, tmp_path, cache) -> dict:
    """The environment of a `fuzzyaws` refreshing the EC2 instances of every region of `org`
    into `cache`, on 2 processes."""
    config = tmp_path / "config.toml"
    config.write_text('regions = ["all"]\nkinds = ["ec2"]\nindex = "off"\nprocesses = 2\n'
                      '[org]\nrole_name = "Admin"\n')
    env = org.env(base=os.environ)
    env.update(FUZZYAWS_CACHE_DIR=str(cache), FUZZYAWS_CONFIG=str(config), XDG_CONFIG_HOME=str(tmp_path),
               HOME=str(tmp_path), AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return env


@pytest.fixture
def org_refresh(tmp_path):
    """Start `fuzzyaws refresh` of a 40-account organization (680 shards, 2 processes) whose
    calls take 0.3 s; yields (org, env, process)."""
    with FakeOrg(40, instances=2, latency=0.3, throttle=0) as org:
        env = org_env(org, tmp_path, tmp_path / "cache")
        proc = subprocess.Popen([sys.executable, "-m", "fuzzyaws", "refresh"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            yield org, env, proc
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()


def wait_for_child(proc) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = children_of(proc.pid)
        if children:
            time.sleep(1.0)  # let it start listing
            return children[0]
        time.sleep(0.05)
    raise AssertionError("no child process started")


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] == "Z"  # a zombie has ended
    except OSError:
        return True


def test_a_child_that_dies_is_one_line_and_the_rest_is_kept(org_refresh):
    org, env, proc = org_refresh
    child = wait_for_child(proc)
    os.kill(child, signal.SIGKILL)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "a refresh process ended early" in lines[0], stderr
    listed = subprocess.run([sys.executable, "-m", "fuzzyaws", "ls", "--offline", "--json"], env=env,
                            capture_output=True, text=True)
    accounts = Counter(record["account"] for record in json.loads(listed.stdout))
    # the parent's half is all there (each of its accounts in full), the child's is not
    full = [a for a, n in accounts.items() if n == len(REGIONS) * 2]
    assert len(full) >= 15 and len(accounts) < 40, accounts


def interrupt(proc, child: int) -> None:
    """Ctrl-C `proc` as the terminal sends it (to the parent's group only): exit 130, one
    line at most and no traceback, and `child` ended too."""
    os.kill(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) <= 1, stderr
    deadline = time.monotonic() + 5
    while not gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(child)


def test_ctrl_c_ends_the_children_too_without_a_traceback(org_refresh):
    org, env, proc = org_refresh
    interrupt(proc, wait_for_child(proc))


def test_a_child_whose_parent_is_killed_ends_quietly(org_refresh):
    org, env, proc = org_refresh
    child = wait_for_child(proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30  # at its next finished shard, the pipe is gone
    while not gone(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gone(child)
    assert "Traceback" not in proc.stderr.read()


def test_with_a_read_only_cache_the_refresh_stays_in_one_process_and_lists_everything(tmp_path):
    from tests.test_badday import read_only, tmpfs

    with FakeOrg(40, instances=1, latency=0, throttle=0) as org, tmpfs(tmp_path / "ro", size="64m") as mount:
        env = org_env(org, tmp_path, mount / "cache")
        fuzzyaws = [sys.executable, "-m", "fuzzyaws"]
        assert subprocess.run(fuzzyaws + ["refresh"], env=env).returncode == 0
        org.instances = 2
        read_only(mount)
        # what a child would have fetched would stay in its memory: every shard is this one's
        result = subprocess.run(fuzzyaws + ["--ttl", "0", "ls", "--json"], env=env, capture_output=True, text=True)
        assert result.returncode == 0 and "cannot save to the cache" in result.stderr, result.stderr
        assert len(json.loads(result.stdout)) == 40 * len(REGIONS) * 2


def test_what_a_child_says_is_said_once_by_the_parent_and_its_shards_fail_if_it_ends_early(tmp_path, monkeypatch):
    from fuzzyaws import config
    from fuzzyaws.app import App
    from fuzzyaws.inventory import processes

    child = tmp_path / "child"  # in place of python: reads its order, warns twice, dies
    child.write_text("#!/bin/sh\ncat >/dev/null\necho 'fuzzyaws: warning: cannot save to the cache: full' >&2\n"
                     "echo 'fuzzyaws: warning: cannot save to the cache: full' >&2\nexit 3\n")
    child.chmod(0o755)
    monkeypatch.setattr(processes.sys, "executable", str(child))
    app = App(config.load({}, {"HOME": str(tmp_path), "PATH": os.environ["PATH"]}))
    jobs = jobs_of(2, 2)
    outcomes, warnings = [], []
    started = processes.Child(app, jobs, [job[1] for job in jobs], time.time(), True)
    started.follow(outcomes.append, lambda text, once=None: warnings.append((text, once)))
    started.wait()
    assert warnings == [("cannot save to the cache: full", "cannot save to the cache: full")] * 2
    assert sorted(o.sid for o in outcomes) == sorted(sid for sid, _, _ in jobs)
    assert all(o.status == "failed" and "exit status 3" in str(o.error) for o in outcomes)


def test_what_a_full_disk_refuses_a_child_is_still_listed_by_the_run(tmp_path):
    from tests.test_badday import fill, tmpfs
    with FakeOrg(30, instances=1, latency=0.0, throttle=0) as org, tmpfs(tmp_path / "small", size="16m") as mount:
        env = org_env(org, tmp_path, mount / "cache")
        fuzzyaws = [sys.executable, "-m", "fuzzyaws"]
        first = subprocess.run(fuzzyaws + ["refresh"], env=env, capture_output=True, text=True)
        assert (first.returncode, first.stderr) == (0, "")
        org.instances, org.latency = 2, 0.2  # every region has one more instance now
        proc = subprocess.Popen(fuzzyaws + ["--ttl", "0", "ls", "--json"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            wait_for_child(proc)
            fill(mount)  # while the child refreshes its accounts
            stdout, stderr = proc.communicate(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert "cannot save to the cache" in stderr and "Traceback" not in stderr
        accounts = Counter(record["account"] for record in json.loads(stdout))
        assert accounts == {a: 2 * len(REGIONS) for a in accounts} and len(accounts) == 30, stderr  # all fresh
        (mount / "filler").unlink()
        listed = subprocess.run(fuzzyaws + ["ls", "--offline", "--json"], env=env, capture_output=True, text=True)
        assert len(json.loads(listed.stdout)) >= 30 * len(REGIONS)  # the cache intact: nothing wiped
