"""Cold `fuzzyaws refresh` of one account x 17 regions, with 100 ms of latency injected on
every API call, in a user's install (see common.py):

- the four kinds of the first release (ec2, rds, elasticache, ecs) on the default pool,
- every kind (15 native kinds and the index, from the tagging API) on the default pool,
- the four kinds done serially (1 worker: one call at a time),

with the API calls each kind costs.

    python3 bench/refresh.py

Goals: every kind no slower than twice the four kinds (issue 10); parallel >= 10x serial (issue 2).
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections import Counter

from common import ROOT, user_env, user_install  # noqa: F401 - ROOT puts the tree on sys.path

from fuzzyaws.fakeaws import FakeAWS, Fleet  # noqa: E402

REGIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1",
           "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-northeast-1",
           "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-south-1",
           "sa-east-1")
ACCOUNT = "111111111111"
LATENCY = 0.1
RUNS = 3
FOUR = "ec2,rds,elasticache,ecs"


def cold_refresh(aws, fuzzyaws: str, kinds: str, workers: int) -> tuple:
    """(wall seconds, API calls by service, resources listed) of one cold refresh."""
    with tempfile.TemporaryDirectory() as tmp:
        env = user_env(aws.env(ACCOUNT, "us-east-1", base=os.environ))
        env.update(FUZZYAWS_CACHE_DIR=tmp, FUZZYAWS_WORKERS=str(workers), XDG_CONFIG_HOME=tmp,
                   FUZZYAWS_REGIONS=",".join(REGIONS), FUZZYAWS_KINDS=kinds, FUZZYAWS_INDEX="tagging")
        before = len(aws.calls)
        t0 = time.perf_counter()
        done = subprocess.run([fuzzyaws, "refresh"], env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - t0
        assert done.returncode == 0, done.stderr
        calls = Counter(c.service for c in aws.calls[before:] if c.service not in ("sts",))
        listed = subprocess.run([fuzzyaws, "ls", "--offline"], env=env,
                                capture_output=True, text=True).stdout.count("\n")
        return elapsed, calls, listed


def median(aws, fuzzyaws, kinds, workers) -> tuple:
    runs = sorted((cold_refresh(aws, fuzzyaws, kinds, workers) for _ in range(RUNS)), key=lambda run: run[0])
    return runs[RUNS // 2]


def seed(fleet: Fleet) -> None:
    for region in REGIONS:
        fleet.ec2(ACCOUNT, region, 3, name=f"web-{region}-{{i}}")
        fleet.rds_instance(ACCOUNT, region, "db")
        fleet.elasticache_cluster(ACCOUNT, region, "memc")
        fleet.ecs_tasks(ACCOUNT, region, "main", "api", 2)
        fleet.lambda_function(ACCOUNT, region, "resize")
        fleet.sqs_queue(ACCOUNT, region, "jobs")
        fleet.sns_topic(ACCOUNT, region, "alerts")
        fleet.dynamodb_table(ACCOUNT, region, "carts")
        fleet.aws.client("kms", ACCOUNT, region, direct=True).create_key(Tags=[{"TagKey": "Team", "TagValue": "x"}])
    fleet.s3_bucket(ACCOUNT, "eu-west-1", "bench-bucket")


def main():
    _, fuzzyaws = user_install()
    with FakeAWS() as aws:
        seed(Fleet(aws))
        aws.faults.add("latency", seconds=LATENCY)
        four = median(aws, fuzzyaws, FOUR, 16)
        every = median(aws, fuzzyaws, "", 16)  # "": the default, every kind
        serial = median(aws, fuzzyaws, FOUR, 1)
    print(f"cold refresh: 1 account x {len(REGIONS)} regions, {LATENCY * 1000:.0f} ms latency per API "
          f"call, median of {RUNS}")
    print(f"{'':32} {'wall':>8} {'API calls':>10} {'resources':>10}")
    for name, (t, calls, listed) in (("4 kinds, 16 workers", four), ("every kind, 16 workers", every),
                                     ("4 kinds, 1 worker (serial)", serial)):
        print(f"{name:32} {t:7.2f}s {sum(calls.values()):10d} {listed:10d}")
    print(f"every kind vs 4 kinds: {every[0] / four[0]:.2f}x the time (goal <= 2x)")
    print(f"4 kinds, parallel vs serial: {serial[0] / four[0]:.1f}x faster")
    print("\nAPI calls per service, every kind:")
    for service, n in sorted(every[1].items(), key=lambda item: -item[1]):
        print(f"  {service:28} {n:5d}")


if __name__ == "__main__":
    main()
