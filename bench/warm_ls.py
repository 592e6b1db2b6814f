"""Warm `fuzzyaws ls` over 10,000 cached resources, in a user's install (see common.py),
beside that venv's `python -c pass` and `fzf --filter`; then where the imports go. The
same over a mixed fleet: 10 kinds, so ten times the shards.

    python3 bench/warm_ls.py [COUNT] [--org]

Goals: warm `ls --offline` <= 3x `python -c pass` (issue 13); over the mixed fleet <= 4x
(issue 10). With --org, also an organization's shape (issue 11): 300 accounts x 17
regions x 4 kinds, 20,400 shards and 102,000 instances, warm `ls --offline` <= 10x and
`preview` <= 3x (making that cache takes a few minutes).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from common import MIXED, interleaved, synthetic_cache, user_install

ORG_ACCOUNTS = tuple(f"{100000000000 + n}" for n in range(300))
ORG_REGIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
               "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
               "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "sa-east-1")
ORG_KINDS = ("ec2", "rds", "lambda", "sqs")

RUNS = 15


def import_times(argv, env) -> list:
    """(module, cumulative µs) of the top-level imports of a warm run, slowest first."""
    for _ in range(2):  # the first run may make the scope's view
        done = subprocess.run(argv, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, capture_output=True, text=True)
    rows, started = [], False
    for line in done.stderr.splitlines():
        if "import time:" not in line:
            continue
        _, cumulative, name = line.split(":", 1)[1].split("|")
        if name.strip() == "site":  # what `python -c pass` imports ends here
            started = True
            continue
        if started and not name.startswith("  "):
            rows.append((name.strip(), int(cumulative)))
    return sorted(rows, key=lambda row: -row[1])


def main():
    args = [a for a in sys.argv[1:] if a != "--org"]
    count = int(args[0]) if args else 10_000
    python, fuzzyaws = user_install()
    with tempfile.TemporaryDirectory() as tmp:
        env = synthetic_cache(os.path.join(tmp, "cache"), count)
        ls = [fuzzyaws, "ls", "--offline"]
        lines = subprocess.run(ls, env=env, capture_output=True, check=True).stdout
        assert lines.count(b"\n") == count, "the cache is not warm"
        lines_path = os.path.join(tmp, "lines")
        with open(lines_path, "wb") as fh:
            fh.write(lines)
        query = "prod web"
        ours, theirs = f"fuzzyaws ls --offline '{query}'", f"fzf --filter '{query}'"
        imports = import_times(ls, env)
        mixed = synthetic_cache(os.path.join(tmp, "mixed"), count, kinds=MIXED)
        assert subprocess.run(ls, env=mixed, capture_output=True, check=True).stdout.count(b"\n") == count
        org = {}
        if "--org" in sys.argv:
            shape = synthetic_cache(os.path.join(tmp, "org"), 102_000, kinds=ORG_KINDS, accounts=ORG_ACCOUNTS,
                                    regions=ORG_REGIONS)
            listed = subprocess.run(ls + ["--keys"], env=shape, capture_output=True, check=True).stdout.split()
            assert len(listed) == 102_000
            org = {"org shape: ls --offline (20,400 shards)": (ls, shape, None),
                   "org shape: preview KEY": ([fuzzyaws, "preview", listed[len(listed) // 2].decode()], shape, None)}
        timed = interleaved({
            "python -c pass (user venv)": ([python, "-c", "pass"], None, None),
            **org,
            f"fuzzyaws ls --offline ({count})": (ls, env, None),
            ours: (ls + [query], env, None),
            "fuzzyaws ls --offline --keys": (ls + ["--keys"], env, None),
            theirs: (["fzf", "--filter", query], None, lines_path),
            f"ls --offline, {len(MIXED)} kinds mixed": (ls, mixed, None),
        }, RUNS)
    rows = list(timed.items())
    base = rows[0][1]
    print(f"{'command':42} {'median':>9} {'x python -c pass':>17}")
    for name, t in rows:
        print(f"{name:42} {t * 1000:7.1f}ms {t / base:16.2f}x")
    print(f"fuzzyaws ls '{query}' vs fzf --filter: {timed[ours] / timed[theirs]:.2f}x")
    print(f"\nimports of `fuzzyaws ls --offline` beyond `python -c pass`: "
          f"{sum(us for _, us in imports) / 1000:.1f} ms")
    for name, us in imports:
        print(f"  {name:34} {us / 1000:6.2f} ms")


if __name__ == "__main__":
    main()
