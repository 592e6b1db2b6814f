"""Warm `fuzzyaws ls` over 10,000 cached resources, beside `python -c pass` and `fzf --filter`.

    python3 bench/warm_ls.py [COUNT]

Target (issue 2): warm ls (10k) <= 4x `python -c pass`.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from common import median_time, synthetic_cache

RUNS = 15


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        env = synthetic_cache(os.path.join(tmp, "cache"), count)
        fz = [sys.executable, "-m", "fuzzyaws", "ls"]
        lines = subprocess.run(fz, env=env, capture_output=True, check=True).stdout
        assert lines.count(b"\n") == count, "the cache is not warm"
        lines_path = os.path.join(tmp, "lines")
        with open(lines_path, "wb") as fh:
            fh.write(lines)
        query = "prod web"
        base = median_time([sys.executable, "-c", "pass"], RUNS)
        rows = [
            ("python -c pass", base),
            (f"fuzzyaws ls ({count})", median_time(fz, RUNS, env)),
            (f"fuzzyaws ls '{query}'", median_time(fz + [query], RUNS, env)),
            (f"fzf --filter '{query}'", median_time(["fzf", "--filter", query], RUNS, stdin_path=lines_path)),
        ]
    print(f"{'command':32} {'median':>9} {'x python -c pass':>17}")
    for name, t in rows:
        print(f"{name:32} {t * 1000:7.1f}ms {t / base:16.2f}x")
    print(f"fuzzyaws ls '{query}' vs fzf --filter: {rows[2][1] / rows[3][1]:.2f}x")


if __name__ == "__main__":
    main()
