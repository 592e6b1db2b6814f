"""Helpers for the benchmarks: a user's install, timing commands side by side, and a
synthetic warm cache.

Every figure is measured as users get it: fuzzyaws installed with `pip install .` (not
editable) into a fresh venv, run through its `fuzzyaws` entry point, against that venv's
own `python -c pass`. The development interpreter is slower to start (an editable
install's finder alone adds ~11 ms), which would flatter every ratio.
"""
from __future__ import annotations

import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from fuzzyaws import config  # noqa: E402
from fuzzyaws.cache import Cache, shard_id  # noqa: E402
from fuzzyaws.inventory.load import plan_key  # noqa: E402
from fuzzyaws.model import Resource  # noqa: E402

ACCOUNTS = ("111111111111", "222222222222")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-2", "eu-central-1")
ROLES = ("web", "api", "worker", "db", "cache", "batch", "bastion")
ENVS = ("prod", "staging", "dev")


def user_install(extras: str = "") -> tuple:
    """(python, fuzzyaws) of a fresh venv with this tree `pip install`ed (not editable) by
    the current pip, with `extras` (e.g. "demo"), made once per version of the source
    (under $TMPDIR, named by its hash)."""
    digest = hashlib.sha256(extras.encode())
    for base, dirs, files in sorted(os.walk(os.path.join(ROOT, "fuzzyaws"))):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".py", ".zsh", ".bash", ".fish")):
                with open(os.path.join(base, name), "rb") as fh:
                    digest.update(name.encode() + fh.read())
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        digest.update(fh.read())
    venv = os.path.join(tempfile.gettempdir(), f"fuzzyaws-bench-{digest.hexdigest()[:12]}")
    python, script = os.path.join(venv, "bin", "python"), os.path.join(venv, "bin", "fuzzyaws")
    if not os.path.exists(script):
        print(f"(installing this tree into {venv}: a user's install)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        # today's pip, as pipx and an upgraded venv have: the pip bundled with Python 3.11
        # (23.x) writes an entry-point script that imports `re` (~5-12 ms) before fuzzyaws
        subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-U", "pip"],
                       check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        ROOT + (f"[{extras}]" if extras else "")], check=True)
    return python, script


def user_env(env: dict) -> dict:
    """`env` as on a user's machine: bytecode written and used (this workplace sets
    PYTHONDONTWRITEBYTECODE, which would compile the package again on every run)."""
    env = dict(env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(argv, env=None, stdin_path=None) -> float:
    """Wall time of one run of argv (stdin from `stdin_path`, output discarded)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        subprocess.run(argv, env=env, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0
    finally:
        if stdin_path:
            stdin.close()


def median_time(argv, runs: int, env=None, stdin_path=None) -> float:
    """Median wall time of running argv `runs` times (after one warm-up run)."""
    run_once(argv, env, stdin_path)
    return statistics.median(run_once(argv, env, stdin_path) for _ in range(runs))


MIXED = ("ec2", "rds", "lambda", "sqs", "sns", "dynamodb", "elb", "ecs-service", "cfn", "asg")
STATES = {"ec2": "running", "rds": "available", "lambda": "python3.12", "elb": "active",
          "ecs-service": "active", "cfn": "UPDATE_COMPLETE"}


def interleaved(commands: dict, runs: int) -> dict:
    """{name: median seconds} of `commands` ({name: (argv, env, stdin_path)}) run in turns,
    one run of each per round after a warm-up round: a shared machine that speeds up or
    slows down part-way shifts every figure alike, and their ratios are what we report."""
    times: dict = {name: [] for name in commands}
    for round_ in range(runs + 1):
        for name, (argv, env, stdin_path) in commands.items():
            elapsed = run_once(argv, env, stdin_path)
            if round_:
                times[name].append(elapsed)
    return {name: statistics.median(t) for name, t in times.items()}


def synthetic_cache(directory: str, count: int, seed: int = 0, kinds=("ec2",), accounts=ACCOUNTS,
                    regions=REGIONS) -> dict:
    """A warm cache of `count` resources over `accounts` x `regions` (EC2 instances, or
    spread evenly over `kinds`: one shard per kind per account x region), with a cached
    plan. Returns the env under which `fuzzyaws ls` finds it warm."""
    rng = random.Random(seed)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FUZZYAWS_"))}
    env = user_env(env)
    env.update(FUZZYAWS_CACHE_DIR=directory, FUZZYAWS_PROFILES=",".join(f"p{a}" for a in accounts),
               FUZZYAWS_REGIONS=",".join(regions), FUZZYAWS_KINDS=",".join(kinds),
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               XDG_CONFIG_HOME=os.path.join(directory, "no-config"))
    settings = config.load({}, env)
    cache = Cache(directory)
    shards = [(a, r, k) for a in accounts for r in regions for k in kinds]
    now = time.time()
    for n, (account, region, kind) in enumerate(shards):
        resources = []
        for i in range(n * count // len(shards), (n + 1) * count // len(shards)):
            role, envname = rng.choice(ROLES), rng.choice(ENVS)
            name = f"{envname}-{role}-{i:05d}"
            tags = {"Name": name, "Environment": envname, "Role": role,
                    "Team": rng.choice(("payments", "search", "platform", "data")),
                    "Service": rng.choice(("checkout", "ledger", "catalog", "auth", "etl"))}
            if kind == "ec2":
                iid = f"i-{rng.getrandbits(68):017x}"
                resources.append(Resource(
                    kind="ec2", key=f"arn:aws:ec2:{region}:{account}:instance/{iid}", id=iid, name=name,
                    account=account, region=region, state="running",
                    address=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
                    tags=tags, attrs={"ssm_ping": "Online", "type": "m6i.large"}))
            else:
                resources.append(Resource(
                    kind=kind, key=f"arn:aws:{kind}:{region}:{account}:{kind}/{name}", id=name, name=name,
                    account=account, region=region, state=STATES.get(kind, ""), tags=tags))
        cache.put_shard(shard_id(account, region, kind), resources, now)
    cache.put_plan(plan_key(settings), [{"profile": f"p{a}", "role_arn": None, "account": a, "region": r}
                                        for a in accounts for r in regions], now)
    cache.close()
    return env
