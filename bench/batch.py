"""A 200-host batch run: fuzzyaws's polling (one ListCommandInvocations per command per round)
vs the common design that polls GetCommandInvocation once per host per round, side by side
on the same fake AWS (50 ms latency per call, hosts finishing over 1-8 s).

    python3 bench/batch.py
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fuzzyaws.fakeaws import FakeAWS, Fleet  # noqa: E402

ACCOUNT, REGION, HOSTS, LATENCY = "111111111111", "us-east-1", 200, 0.05


def per_host_polling(aws, ids) -> int:
    """The baseline: send in chunks of 50, then get_command_invocation for every unfinished
    host each round (same 1 s -> 5 s backoff). Returns hosts finished."""
    ssm = aws.client("ssm", ACCOUNT, REGION)
    pending = {}
    for start in range(0, len(ids), 50):
        chunk = ids[start:start + 50]
        cid = ssm.send_command(InstanceIds=chunk, DocumentName="AWS-RunShellScript",
                               Parameters={"commands": ["uptime"]})["Command"]["CommandId"]
        pending.update({i: cid for i in chunk})
    done, delay = 0, 1.0
    while pending:
        time.sleep(delay)
        for iid, cid in list(pending.items()):
            try:
                status = ssm.get_command_invocation(CommandId=cid, InstanceId=iid)["Status"]
            except ssm.exceptions.InvocationDoesNotExist:
                continue
            if status in ("Success", "Failed", "TimedOut", "Cancelled"):
                del pending[iid]
                done += 1
        delay = min(5.0, delay * 1.5)
    return done


def main():
    with FakeAWS() as aws, tempfile.TemporaryDirectory() as tmp:
        ids = Fleet(aws).ec2(ACCOUNT, REGION, HOSTS, per_reservation=50)
        rng = random.Random(0)
        for iid in ids:
            aws.commands.set([iid], outcome="slow", seconds=rng.uniform(1, 8))
        env = aws.env(ACCOUNT, REGION, base=os.environ)
        env.update(FUZZYAWS_CACHE_DIR=tmp, XDG_CONFIG_HOME=tmp)
        subprocess.run([sys.executable, "-m", "fuzzyaws", "refresh"], env=env, check=True)
        aws.faults.add("latency", seconds=LATENCY)
        rows = []

        aws.calls.clear()
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "fuzzyaws", "run", "--yes", "--json",
                              "--targets-from-stdin", "--", "uptime"], env=env,
                             input="\n".join(ids), capture_output=True, text=True)
        ours = [r for r in json.loads(out.stdout) if r["status"] == "Success"]
        rows.append(("fuzzyaws run (per command)", time.perf_counter() - t0, len(aws.calls), len(ours)))

        aws.calls.clear()
        t0 = time.perf_counter()
        done = per_host_polling(aws, ids)
        rows.append(("GetCommandInvocation per host", time.perf_counter() - t0, len(aws.calls), done))
    print(f"batch run on {HOSTS} hosts, {LATENCY * 1000:.0f} ms latency per API call")
    print(f"{'design':32} {'wall':>8} {'API calls':>10} {'hosts done':>11}")
    for name, t, calls, done in rows:
        print(f"{name:32} {t:7.1f}s {calls:10d} {done:11d}")
    print(f"API calls: {rows[1][2] / rows[0][2]:.1f}x fewer; wall time ratio (baseline/ours): "
          f"{rows[1][1] / rows[0][1]:.2f}")


if __name__ == "__main__":
    main()
