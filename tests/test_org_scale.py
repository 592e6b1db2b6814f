"""An organization at scale (issue 11), shrunk to CI size: 300 accounts × 2 regions against
the fast fake organization (fuzzyaws/fakeaws/org.py), `fuzzyaws refresh` a real
subprocess that shares the accounts out with a child process. Nothing may be missed,
throttling must be absorbed, and memory, open files and threads must stay bounded: with a
client (and its connection pool) kept per account × region × service, this run once held
~1,200 clients, as many open sockets, and 300 botocore sessions."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from fuzzyaws.fakeaws.org import REGIONS, FakeOrg, account_id, instance_id
from tests.peaks import Peaks

ACCOUNTS, INSTANCES = 300, 3
SUSPENDED, DENIED = account_id(7), account_id(11)
RSS_MB, FDS, THREADS = 250, 300, 40  # generous: measured ~100 MB, ~135 fds, 17 threads


def run(argv, env) -> tuple:
    """(exit status, stderr, peaks: RSS in MB, fds, threads, children) of a child."""
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = Peaks(child.pid)
    sampler.start()
    stderr: list = []
    reader = threading.Thread(target=lambda: stderr.append(child.stderr.read()), daemon=True)
    reader.start()
    child.wait()
    sampler.stopped.set()
    reader.join()
    peaks = {"fds": sampler.fds, "threads": sampler.threads, "rss": sampler.rss_kb / 1024,
             "children": sampler.processes - 1}
    return child.returncode, stderr[0].decode(), peaks


@pytest.mark.slow
def test_an_organization_of_300_accounts_is_listed_in_full_in_bounded_memory(tmp_path):
    org = FakeOrg(ACCOUNTS, regions=REGIONS[:2], instances=INSTANCES, latency=0.002, throttle=0.05,
                  suspended={SUSPENDED}, denied={DENIED})
    config = tmp_path / "config.toml"
    config.write_text('regions = ["all"]\nkinds = ["ec2"]\nindex = "off"\nprocesses = 2\n'
                      '[org]\nrole_name = "Admin"\n')
    with org:
        env = org.env(base=os.environ)
        env.update(FUZZYAWS_CACHE_DIR=str(tmp_path / "cache"), FUZZYAWS_CONFIG=str(config),
                   XDG_CONFIG_HOME=str(tmp_path), HOME=str(tmp_path),
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        status, stderr, peaks = run([sys.executable, "-m", "fuzzyaws", "refresh"], env)
        assert status == 0, stderr
        # in each of its two processes (0: not sampled, which must fail too)
        assert peaks["children"] == 1, peaks
        assert 0 < peaks["rss"] < RSS_MB and 0 < peaks["fds"] < FDS and 0 < peaks["threads"] < THREADS, peaks
        # one line each for the suspended account and the one whose role is refused, and
        # nothing about the throttled calls (retried)
        lines = stderr.splitlines()
        assert len(lines) == 2, stderr
        assert SUSPENDED in lines[0] and "suspended" in lines[0]
        assert DENIED in lines[1] and "AccessDenied" in lines[1] and "AssumeRole" in lines[1]
        assert org.throttled > 0

        listed = subprocess.run([sys.executable, "-m", "fuzzyaws", "ls", "--offline", "--json"], env=env,
                                capture_output=True, text=True)
        assert listed.returncode == 0, listed.stderr
        # each instance under its own account (one client per region signs for every account)
        got = {(record["account"], record["id"]) for record in json.loads(listed.stdout)}
        reachable = org.listed_accounts()
        assert len(reachable) == ACCOUNTS - 2
        expected = {(a, instance_id(a, r, n)) for a in reachable for r in org.regions for n in range(INSTANCES)}
        assert got == expected
        # every role assumed once (the refused one too), its credentials reused by every client
        assumed = org.calls[("sts", "AssumeRole")] - org.throttles[("sts", "AssumeRole")]
        assert assumed == ACCOUNTS - 2  # neither the management account nor the suspended one


@pytest.fixture
def small_org(monkeypatch):
    def start(**kw):
        org = FakeOrg(4, latency=0, throttle=0, **kw).start()
        for name, value in org.env().items():
            monkeypatch.setenv(name, value)
        return org
    orgs: list = []
    yield lambda **kw: orgs.append(start(**kw)) or orgs[-1]
    for org in orgs:
        org.stop()


def sessions(max_clients=None):
    from fuzzyaws import config
    from fuzzyaws.aws.session import Sessions
    return Sessions(config.load({}, dict(os.environ)), max_clients=max_clients)


def role_target(account: str, region: str):
    from fuzzyaws.aws.session import Target
    return Target(account=account, region=region, role_arn=f"arn:aws:iam::{account}:role/Admin")


def test_accounts_share_a_client_per_region_and_beyond_the_bound_clients_are_closed(small_org):
    org = small_org()
    aws = sessions(max_clients=3)
    raws = []
    for region in REGIONS[:4]:
        for account in org.accounts[1:]:
            client = aws.client(role_target(account, region), "ec2")
            raws.append(client._raw)
            assert client.describe_instances()["Reservations"][0]["OwnerId"] == account
    shared = list(dict.fromkeys(raws))
    assert len(shared) == 4  # one per region, whatever the accounts
    assert len(aws._clients) == 3  # the last three; the first one's pool closed
    assert [raw for raw in shared if raw._endpoint.http_session._manager.pools] == shared[-3:]
    assert org.calls[("sts", "AssumeRole")] == 3  # once per account, not per client


def test_a_shared_client_signs_each_call_as_its_account_whatever_the_threads(small_org):
    org = small_org()
    aws = sessions()
    clients = [aws.client(role_target(account, REGIONS[0]), "ec2") for account in org.accounts[1:]] * 8
    assert len({client._raw for client in clients}) == 1
    owners: list = []

    def describe(client):
        owners.append((client._target.account, client.describe_instances()["Reservations"][0]["OwnerId"]))
        pages = client.get_paginator("describe_instances").paginate(MaxResults=5)
        owners.extend((client._target.account, page["Reservations"][0]["OwnerId"]) for page in pages)

    threads = [threading.Thread(target=describe, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(owners) > 2 * len(clients) and all(mine == owner for mine, owner in owners)
    with pytest.raises(RuntimeError):  # called around its Client: refused, not signed as anyone
        clients[0]._raw.describe_instances()


def test_an_assumed_role_is_assumed_again_when_its_credentials_near_their_expiry(small_org):
    org = small_org(credential_seconds=300)  # within botocore's refresh window from the start
    aws = sessions()
    account = org.accounts[1]
    for region in REGIONS[:2]:
        aws.client(role_target(account, region), "ec2").describe_instances()
    assert org.calls[("sts", "AssumeRole")] > 1  # refreshed, not used until they expire


def test_an_account_s_regions_are_asked_for_while_the_rest_of_the_organization_is_listed(tmp_path, monkeypatch):
    from fuzzyaws import config
    from fuzzyaws.aws import plan
    from fuzzyaws.aws.session import Sessions

    with FakeOrg(45, regions=REGIONS[:2], instances=1, latency=0.05, throttle=0) as org:  # 3 pages of 20
        for name, value in org.env().items():
            monkeypatch.setenv(name, value)
        (tmp_path / "config.toml").write_text('regions = ["all"]\n[org]\nrole_name = "Admin"\n')
        monkeypatch.setenv("FUZZYAWS_CONFIG", str(tmp_path / "config.toml"))
        settings = config.load({}, dict(os.environ))
        targets = plan.resolve(settings, Sessions(settings))
        log = list(org.log)
    assert len(targets) == 45 * 2
    pages = [n for n, call in enumerate(log) if call == ("organizations", "ListAccounts")]
    assert len(pages) == 3
    assert log.index(("sts", "AssumeRole")) < pages[-1]  # the first page's accounts did not wait for the last


def test_accounts_left_out_for_the_same_cause_are_one_line(tmp_path, monkeypatch):
    from fuzzyaws import config
    from fuzzyaws.aws import plan
    from fuzzyaws.aws.session import Sessions

    denied = [account_id(n) for n in (2, 3, 5, 6, 7, 8, 9)]
    with FakeOrg(12, regions=REGIONS[:1], instances=1, latency=0, throttle=0,
                 denied=set(denied), suspended={account_id(10)}) as org:
        for name, value in org.env().items():
            monkeypatch.setenv(name, value)
        (tmp_path / "config.toml").write_text('regions = ["all"]\n[org]\nrole_name = "Admin"\n')
        monkeypatch.setenv("FUZZYAWS_CONFIG", str(tmp_path / "config.toml"))
        settings = config.load({}, dict(os.environ))
        said, left_out = [], []
        targets = plan.resolve(settings, Sessions(settings), said.append, left_out)
    assert len(targets) == 12 - 7 - 1 and sorted(t.account for t in left_out) == denied
    assert len(said) == 2, said  # the suspended account, then the refused roles
    assert account_id(10) in said[0] and "suspended" in said[0]
    assert said[1].startswith("leaving out 7 accounts (") and "and 2 more" in said[1]
    assert all(account in said[1] for account in denied[:plan.SHOWN])
    assert "AccessDenied" in said[1] and "AssumeRole" in said[1]
