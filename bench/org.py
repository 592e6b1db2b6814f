"""Cold `fuzzyaws refresh` of an organization as it grows, in a user's install (see
common.py), against a fast fake organization (fuzzyaws/fakeaws/org.py: 50 ms per call,
5% of calls throttled, 20 instances per account × region, all 17 regions by default).

    python3 bench/org.py                  # 10 and 30 accounts
    python3 bench/org.py 10 30 100 300    # the issue's sizes
    python3 bench/org.py 300 --kinds ""   # every kind (the fake answers the others empty)
    python3 bench/org.py 30 --nofile 1024 # under `ulimit -n 1024`

For each size: wall time, CPU (user+sys of the child), its peak RSS, the peak of its open
files and threads (sampled from /proc while it runs), API calls (by operation, throttled
ones included) and TCP connections the fake accepted, and the instances `ls --offline`
lists against those the organization has.

Goals (issue 11): linear in calls, flat in memory; at 300 accounts × 17 regions peak RSS
<= 600 MB, <= 512 open files, <= 60 s, every instance listed.

Measured 2026-11-29 on the shared 2-core machine, whose load average (other sessions'
test suites) was 10-40: wall times are inflated and noisy, CPU less so.

  before (f0e5a59: a boto3 session and static credentials per assumed role, every client
  kept; peak RSS from wait4's ru_maxrss)
  accounts    wall     CPU  peak RSS    fds  threads  calls  conns   listed
        10   12.0s    9.2s    146 MB    400       17    386    351     3400
        30   40.5s   26.8s    282 MB   1074       17   1164   1051    10200
       100  144.4s   91.0s    764 MB   3458       17   3826   3501    34000
       300  killed at 600s  275.5s  2142 MB  10252  17  11432  10501  (all shards written)

  after (one session per profile, refreshable role credentials, at most 64 clients kept;
  peak RSS from VmHWM)
        10   32.4s    9.2s     95 MB    127       17    386    359     3400
        30   59.5s   22.8s    104 MB    130       17   1164   1066    10200
       100  105.2s   69.0s    122 MB    141       17   3826   3587    34000
       300  383.4s  268.3s    170 MB    137       17  11432  10618   102000 (all)
  again at a lower load (4-5): 10 accounts 12.5s wall, 8.9s CPU; 30 accounts 29.6s, 25.4s.

Memory, open files and threads are flat; calls linear. Then 60 s at 300 accounts was not
met: the child was CPU-bound (one process, the GIL): per account × region it made an EC2
and an SSM client (~40% of the CPU) and parsed EC2's XML (~20%).

  after, 2026-11-29 (second session: the accounts share a client per service × region,
  each request signed as its account; botocore's structure parsing from a per-shape table;
  group commits; the accounts shared out among 2 processes, one per core; RSS, fds and
  threads are the most any one process reached; load average 3-4 from other sessions)
  accounts    wall     CPU  fake CPU  peak RSS    fds  threads  procs  calls  conns   listed
        10    7.6s    6.3s      1.4s     88 MB    147       17      1    386    227     3400
        30   12.2s   14.3s      2.4s     93 MB    160       30      2   1164    554    10200
       100   27.1s   35.7s      5.0s    100 MB    151       33      2   3826    736    34000
       300   88.3s  116.4s     16.1s    134 MB    150       33      2  11432    839   102000 (all)
  (another run at 300: 79.7 s wall, 114.7 s CPU.)

Not met still: 60 s at 300 accounts (80-88 s; 383 s before). "fake CPU" is this process
answering as AWS, on the same two cores.

One account of 100,000 instances (python3 bench/org.py 1 --regions 1 --instances 100000
--throttle 0): 226 s wall, 54.8 s CPU, 632 MB (744 MB before the instances were made into
records a page at a time), all listed. Not met: <= 20 s. The wall is SSM's
DescribeInstanceInformation, 2,000 pages of 50 one after the other (its maximum page);
the CPU, EC2's 100 pages of XML, in one process.

  after, 2026-11-29 (third session: SSM asked about the instances by batches of 50 ids
  while EC2 lists them, the batches at once; load average 1.5-3)
  accounts    wall     CPU  fake CPU  peak RSS    fds  threads  procs  calls  conns   listed
       300   72.9s   99.9s     14.5s    139 MB    153       33      2  11432    921  102000 (all)
  one account of 100,000 instances: 56.8 s wall (226 s before), 53.1 s CPU, 582 MB, all
  listed, 2,103 calls.

Not met still: 60 s at 300 accounts, and 20 s for 100,000 instances. Both are CPU-bound
now: one shard's calls share one process (the GIL), and a call costs its CPU whatever the
latency (measured alone: 5.5 ms for an SSM batch of 50, 172 ms for an EC2 page of 1,000).

  after, 2026-11-29 (fourth session: no automatic full garbage collection during a refresh,
  botocore's XML strings read without its dispatch, cheaper records and credentials' clock,
  paginators made once; an account's regions asked for as soon as its page of the account
  list comes; load average 3-5 from other sessions)
  accounts    wall     CPU  fake CPU  peak RSS    fds  threads  procs  calls  conns   listed
        10    8.5s    5.4s      1.4s     96 MB    143       17      1    386    242     3400
        30   10.8s   12.4s      2.2s     99 MB    172       31      2   1164    605    10200
       100   26.8s   33.0s      5.6s    112 MB    156       33      2   3826    782    34000
       300   70.0s   96.3s     14.7s    143 MB    149       33      2  11432    846   102000 (all)
  one account of 100,000 instances: 36.5 s wall (56.8 s before), 32.4 s CPU (53.1 s),
  fake 4.9 s, 585 MB, all listed, 2,103 calls. Of the CPU before, 22 s were CPython's full
  collections, each walking every record kept so far (see fuzzyaws/heap.py).
  again at the session's last commit (load average 2.6-4.8): 300 accounts 72.6 s wall,
  94.4 s CPU, fake 15.8 s, 144 MB; 100,000 instances 38.6 s wall, 34.5 s CPU, 584 MB.

Not met still: 60 s at 300 accounts (70 s: the plan, 4-7 s, mostly waits for ListAccounts
pages and throttled calls' backoff; then ~60 s with both cores busy) and 20 s for 100,000
instances (36.5 s: one shard is one process, and its listing alone is ~27 s of CPU).

  after, 2026-12-06 (fifth session, on a quiet machine: load average ~1 from this session
  alone). First the figures of the tree as the fourth session left it (91e7c14), here: 300
  accounts 40.9 s wall, 34.8 s CPU, fake 5.5 s; 100,000 instances 18.0 s wall, 12.5 s CPU,
  fake 1.8 s. The fake's own CPU for the same answers (14.7 s then, 5.5 s now) says the
  machine was ~2.7x slower then, not the code. Then two changes: the fake no longer waits
  for a delayed ACK (Nagle's algorithm: every call took ~90 ms, not the 50 ms asked for),
  and a large EC2 page is read into records by a child process while the next is fetched
  (inventory/offload.py; botocore parses only its nextToken)
  accounts    wall     CPU  fake CPU  peak RSS    fds  threads  procs  calls  conns   listed
        10    4.7s    1.7s      0.5s     95 MB    179       17      1    386    260     3400
        30    6.9s    4.7s      1.0s     97 MB    187       31      2   1164    577    10200
       100   14.4s   14.8s      2.9s    109 MB    166       33      2   3826    736    34000
       300   36.6s   35.5s      6.3s    142 MB    158       33      2  11432    808   102000 (all)
  one account of 100,000 instances: 10.7 s and 10.5 s wall (18.4-20.5 s with the fake's fix
  alone), 8.6-9.8 s CPU (the reading process's included), 580 MB, all listed, 2,103 calls,
  2 processes. Met: <= 60 s at 300 accounts, <= 20 s at 100,000 instances. What is left at
  100,000 is SSM: 2,000 batches of 50 ids (the API's most per page), 16 at a time.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

from common import ROOT, user_env, user_install  # noqa: F401 - ROOT puts the tree on sys.path

from fuzzyaws.fakeaws.org import REGIONS, FakeOrg  # noqa: E402
from tests.peaks import Peaks  # noqa: E402


def measure(argv, env, nofile: "int | None", timeout: float) -> dict:
    """Wall, CPU (wait4's rusage), peak RSS, fds and threads (sampled) of one run."""
    def limits():
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    t0 = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             preexec_fn=limits)
    sampler = Peaks(child.pid, every=0.02)
    sampler.start()
    stderr: list = []
    reader = threading.Thread(target=lambda: stderr.append(child.stderr.read()), daemon=True)
    reader.start()
    killer = threading.Timer(timeout, child.kill)
    killer.start()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    killer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    sampler.stopped.set()
    reader.join()
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": sampler.rss_kb / 1024,
            "fds": sampler.fds, "threads": sampler.threads, "processes": sampler.processes,
            "rc": child.returncode,
            "stderr": stderr[0].decode(errors="replace") if stderr else ""}


def run(fuzzyaws: str, accounts: int, args) -> dict:
    org = FakeOrg(accounts, regions=REGIONS[:args.regions], instances=args.instances,
                  latency=args.latency, throttle=args.throttle)
    with org, tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "config.toml")
        with open(config, "w") as fh:
            kinds = f'kinds = ["{args.kinds}"]\n' if args.kinds else ""
            fh.write(f'regions = ["all"]\n{kinds}index = "off"\n[org]\nrole_name = "Admin"\n')
        env = user_env(org.env(base=os.environ))
        env.update(FUZZYAWS_CACHE_DIR=os.path.join(tmp, "cache"), FUZZYAWS_CONFIG=config,
                   XDG_CONFIG_HOME=tmp, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        if args.workers:
            env["FUZZYAWS_WORKERS"] = str(args.workers)
        before = resource.getrusage(resource.RUSAGE_SELF)
        result = measure([fuzzyaws, "refresh"], env, args.nofile, args.timeout)
        after = resource.getrusage(resource.RUSAGE_SELF)  # the fake's answering, on the same cores
        result["fake"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        result["calls"] = dict(org.calls)
        result["throttled"], result["connections"] = org.throttled, org.connections
        listed = subprocess.run([fuzzyaws, "ls", "--offline"], env=env, capture_output=True, text=True)
        result["listed"] = listed.stdout.count("\n")
        result["expected"] = org.expected_instances() if args.kinds == "ec2" else None
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("accounts", nargs="*", type=int, default=[10, 30])
    parser.add_argument("--regions", type=int, default=len(REGIONS), help="how many of the 17 regions")
    parser.add_argument("--instances", type=int, default=20, help="instances per account × region")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per call")
    parser.add_argument("--throttle", type=float, default=0.05, help="fraction of calls throttled")
    parser.add_argument("--kinds", default="ec2", help='kinds to refresh ("": every kind)')
    parser.add_argument("--workers", type=int, default=0, help="FUZZYAWS_WORKERS (0: the default)")
    parser.add_argument("--nofile", type=int, default=0, help="the child's open files limit (ulimit -n)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before the run is killed")
    args = parser.parse_args()
    _, fuzzyaws = user_install()
    print(f"cold refresh of an organization: {args.regions} regions, {args.instances} instances per "
          f"account × region, kinds {args.kinds or 'all'}, {args.latency * 1000:.0f} ms per call, "
          f"{args.throttle:.0%} throttled" + (f", ulimit -n {args.nofile}" if args.nofile else ""))
    print(f"{'accounts':>8} {'wall':>8} {'CPU':>8} {'fake CPU':>8} {'peak RSS':>9} {'fds':>5} {'threads':>7} "
          f"{'procs':>5} {'calls':>7} {'conns':>6} {'listed':>8} {'expected':>8}  exit")
    for accounts in args.accounts:
        r = run(fuzzyaws, accounts, args)
        print(f"{accounts:8d} {r['wall']:7.1f}s {r['cpu']:7.1f}s {r['fake']:7.1f}s {r['rss']:6.0f} MB {r['fds']:5d} "
              f"{r['threads']:7d} {r['processes']:5d} {sum(r['calls'].values()):7d} {r['connections']:6d} {r['listed']:8d} "
              f"{r['expected'] if r['expected'] is not None else '-':>8}  {r['rc']}", flush=True)
        calls = ", ".join(f"{service} {op} {n}" for (service, op), n in
                          sorted(r["calls"].items(), key=lambda item: -item[1]))
        print(f"{'':9}calls: {calls}; {r['throttled']} throttled", flush=True)
        lines = r["stderr"].strip().splitlines()
        for line in lines[:3]:
            print(f"{'':9}stderr: {line[:200]}", flush=True)
        if len(lines) > 3:
            print(f"{'':9}stderr: … {len(lines) - 3} more lines", flush=True)


if __name__ == "__main__":
    sys.exit(main())
