"""Warm `fuzzyaws ls` over 10,000 cached resources, in a user's install (see common.py),
beside that venv's `python -c pass` and `fzf --filter`; then where the imports go. The
same over a mixed fleet: 10 kinds, so ten times the shards.

    python3 bench/warm_ls.py [COUNT]

Goals: warm `ls --offline` <= 3x `python -c pass` (issue 13); over the mixed fleet <= 4x
(issue 10).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from common import MIXED, interleaved, synthetic_cache, user_install

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
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
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
        imports = import_times(ls, env)
        mixed = synthetic_cache(os.path.join(tmp, "mixed"), count, kinds=MIXED)
        assert subprocess.run(ls, env=mixed, capture_output=True, check=True).stdout.count(b"\n") == count
        timed = interleaved({
            "python -c pass (user venv)": ([python, "-c", "pass"], None, None),
            f"fuzzyaws ls --offline ({count})": (ls, env, None),
            f"fuzzyaws ls --offline '{query}'": (ls + [query], env, None),
            "fuzzyaws ls --offline --keys": (ls + ["--keys"], env, None),
            f"fzf --filter '{query}'": (["fzf", "--filter", query], None, lines_path),
            f"ls --offline, {len(MIXED)} kinds mixed": (ls, mixed, None),
        }, RUNS)
    rows = list(timed.items())
    base = rows[0][1]
    print(f"{'command':36} {'median':>9} {'x python -c pass':>17}")
    for name, t in rows:
        print(f"{name:36} {t * 1000:7.1f}ms {t / base:16.2f}x")
    print(f"fuzzyaws ls '{query}' vs fzf --filter: {rows[2][1] / rows[4][1]:.2f}x")
    print(f"\nimports of `fuzzyaws ls --offline` beyond `python -c pass`: "
          f"{sum(us for _, us in imports) / 1000:.1f} ms")
    for name, us in imports:
        print(f"  {name:34} {us / 1000:6.2f} ms")


if __name__ == "__main__":
    main()
