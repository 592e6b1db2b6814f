"""An organization at scale (issue 11), shrunk to CI size: 300 accounts × 2 regions against
the fast fake organization (fuzzyaws/fakeaws/org.py), `fuzzyaws refresh` a real
subprocess. Nothing may be missed, throttling must be absorbed, and memory, open files
and threads must stay bounded: with a client (and its connection pool) kept per account
× region × service, this run held ~1,200 clients, as many open sockets, and 300 botocore
sessions."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from fuzzyaws.fakeaws.org import REGIONS, FakeOrg, account_id, instance_id

ACCOUNTS, INSTANCES = 300, 3
SUSPENDED, DENIED = account_id(7), account_id(11)
RSS_MB, FDS, THREADS = 250, 300, 40  # generous: measured ~100 MB, ~135 fds, 17 threads


def sample(pid: int, stop: threading.Event, peaks: dict) -> None:
    """Peak open files, threads and RSS from /proc. RSS is VmHWM, not wait4's ru_maxrss,
    which counts the parent's RSS at the fork too (a pytest worker's hundreds of MB)."""
    while not stop.is_set():
        try:
            peaks["fds"] = max(peaks["fds"], len(os.listdir(f"/proc/{pid}/fd")))
            with open(f"/proc/{pid}/status") as fh:
                status = dict(line.split(":", 1) for line in fh)
            peaks["threads"] = max(peaks["threads"], int(status["Threads"]))
            peaks["rss"] = max(peaks["rss"], int(status["VmHWM"].split()[0]) / 1024)
        except (OSError, KeyError, ValueError):
            pass
        stop.wait(0.01)


def run(argv, env) -> tuple:
    """(exit status, stderr, peak RSS in MB, peak fds, peak threads) of a child."""
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks, stop = {"fds": 0, "threads": 0, "rss": 0}, threading.Event()
    sampler = threading.Thread(target=sample, args=(child.pid, stop, peaks), daemon=True)
    sampler.start()
    stderr: list = []
    reader = threading.Thread(target=lambda: stderr.append(child.stderr.read()), daemon=True)
    reader.start()
    child.wait()
    stop.set()
    reader.join()
    return child.returncode, stderr[0].decode(), peaks["rss"], peaks["fds"], peaks["threads"]


@pytest.mark.slow
def test_an_organization_of_300_accounts_is_listed_in_full_in_bounded_memory(tmp_path):
    org = FakeOrg(ACCOUNTS, regions=REGIONS[:2], instances=INSTANCES, latency=0.002, throttle=0.05,
                  suspended={SUSPENDED}, denied={DENIED})
    config = tmp_path / "config.toml"
    config.write_text('regions = ["all"]\nkinds = ["ec2"]\nindex = "off"\n[org]\nrole_name = "Admin"\n')
    with org:
        env = org.env(base=os.environ)
        env.update(FUZZYAWS_CACHE_DIR=str(tmp_path / "cache"), FUZZYAWS_CONFIG=str(config),
                   XDG_CONFIG_HOME=str(tmp_path), HOME=str(tmp_path),
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        status, stderr, rss, fds, threads = run([sys.executable, "-m", "fuzzyaws", "refresh"], env)
        assert status == 0, stderr
        # (0: not sampled, which must fail too)
        assert 0 < rss < RSS_MB and 0 < fds < FDS and 0 < threads < THREADS, (rss, fds, threads)
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
        got = {record["id"] for record in json.loads(listed.stdout)}
        reachable = org.listed_accounts()
        assert len(reachable) == ACCOUNTS - 2
        expected = {instance_id(a, r, n) for a in reachable for r in org.regions for n in range(INSTANCES)}
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


def test_clients_beyond_the_bound_are_closed_and_a_role_is_assumed_once_per_account(small_org):
    org = small_org()
    aws = sessions(max_clients=3)
    raws = []
    for account in org.accounts[1:]:
        for region in REGIONS[:4]:
            client = aws.client(role_target(account, region), "ec2")
            raws.append(client._raw)
            assert client.describe_instances()["Reservations"][0]["OwnerId"] == account
    assert len(aws._clients) == 3  # the last three; the others' pools closed
    open_pools = [raw for raw in raws if raw._endpoint.http_session._manager.pools]
    assert open_pools == raws[-3:]
    assert org.calls[("sts", "AssumeRole")] == 3  # once per account, not per client


def test_an_assumed_role_is_assumed_again_when_its_credentials_near_their_expiry(small_org):
    org = small_org(credential_seconds=300)  # within botocore's refresh window from the start
    aws = sessions()
    account = org.accounts[1]
    for region in REGIONS[:2]:
        aws.client(role_target(account, region), "ec2").describe_instances()
    assert org.calls[("sts", "AssumeRole")] > 1  # refreshed, not used until they expire
