"""Cold `fuzzyaws refresh` of 17 regions x 4 kinds with 100 ms of latency injected on every
API call, on the default thread pool (16) vs the same collection done serially (1 worker:
one call at a time).

    python3 bench/refresh.py

Target (issue 2): parallel refresh >= 10x faster than serial.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fuzzyaws.fakeaws import FakeAWS, Fleet  # noqa: E402

REGIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1",
           "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-northeast-1",
           "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-south-1",
           "sa-east-1")
ACCOUNT = "111111111111"
LATENCY = 0.1
RUNS = 3


def cold_refresh(aws, workers: int) -> tuple:
    with tempfile.TemporaryDirectory() as tmp:
        env = aws.env(ACCOUNT, "us-east-1", base=os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed by pip: with bytecode
        env.update(FUZZYAWS_CACHE_DIR=tmp, FUZZYAWS_WORKERS=str(workers), XDG_CONFIG_HOME=tmp,
                   FUZZYAWS_REGIONS=",".join(REGIONS))
        before = len(aws.calls)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "fuzzyaws", "refresh"], env=env,
                              capture_output=True, text=True)
        elapsed = time.perf_counter() - t0
        assert done.returncode == 0, done.stderr
        listed = subprocess.run([sys.executable, "-m", "fuzzyaws", "ls", "--offline"], env=env,
                                capture_output=True, text=True).stdout.count("\n")
        return elapsed, len(aws.calls) - before, listed


def main():
    with FakeAWS() as aws:
        fleet = Fleet(aws)
        for region in REGIONS:
            fleet.ec2(ACCOUNT, region, 3, name=f"web-{region}-{{i}}")
            fleet.rds_instance(ACCOUNT, region, "db")
            fleet.elasticache_cluster(ACCOUNT, region, "memc")
            fleet.ecs_tasks(ACCOUNT, region, "main", "api", 2)
        aws.faults.add("latency", seconds=LATENCY)
        rows = []
        for workers in (16, 1):  # median of three cold runs each: the machine is shared
            runs = sorted((cold_refresh(aws, workers) for _ in range(RUNS)), key=lambda run: run[0])
            rows.append((f"{workers} worker{'s' if workers > 1 else ''}", *runs[RUNS // 2]))
    print(f"cold refresh: {len(REGIONS)} regions x 4 kinds = {len(REGIONS) * 4} shards, "
          f"{LATENCY * 1000:.0f} ms latency per API call")
    print(f"{'pool':12} {'wall (median of ' + str(RUNS) + ')':>20} {'API calls':>10} {'resources':>10}")
    for name, t, calls, listed in rows:
        print(f"{name:12} {t:19.2f}s {calls:10d} {listed:10d}")
    print(f"parallel vs serial: {rows[1][1] / rows[0][1]:.1f}x faster")


if __name__ == "__main__":
    main()
