"""`refresh` and `ls` end to end: the CLI as a subprocess against a real moto server over HTTP,
through the fault-injecting proxy of tests/fakeaws."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from tests.cli import CLI

A, B = "111111111111", "222222222222"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def cli(aws, tmp_path):
    return CLI(aws, str(tmp_path), account=A)


def records(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def calls(aws, operation, **match):
    return [c for c in aws.calls if c.operation == operation
            and all(getattr(c, k) == v for k, v in match.items())]


def test_every_page_of_250_instances_in_one_region(cli, fleet, aws):
    ids = fleet.ec2(A, "us-east-1", 260, per_reservation=1)
    result = cli("ls", "--kind", "ec2", "--json", env=cli.env(FUZZYAWS_PAGE_SIZE="50"))
    assert sorted(r["id"] for r in records(result)) == sorted(ids)
    assert len(calls(aws, "DescribeInstances")) >= 6  # it really went through the pages
    assert len(calls(aws, "DescribeInstanceInformation")) >= 6  # SSM pages too (50 a page)
    assert {r["attrs"]["ssm_ping"] for r in records(result)} == {"Online"}


def test_two_accounts_three_regions_all_kinds(cli, fleet, aws, tmp_path):
    regions = ["us-east-1", "us-west-2", "eu-west-1"]
    want = Counter()
    for account in (A, B):
        for region in regions:
            fleet.ec2(account, region, 3, name=f"web-{account[:1]}-{region}-{{i}}", tags={"Team": "x"})
            fleet.rds_instance(account, region, f"db-{region}")
            fleet.elasticache_replication_group(account, region, f"redis-{region[:2]}")
            fleet.elasticache_cluster(account, region, f"memc-{region[:2]}")
            fleet.ecs_tasks(account, region, "main", "api", 2, tags={"Team": "api"})
            want.update({(account, region, "ec2"): 3, (account, region, "rds"): 1,
                         (account, region, "elasticache"): 2, (account, region, "ecs"): 2})
    files = aws.write_aws_config(tmp_path / "aws", {"prod": A, "staging": B})
    env = cli.env(**files, FUZZYAWS_KINDS="ec2,rds,elasticache,ecs")
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    args = ["--profile", "prod", "--profile", "staging"] + [a for r in regions for a in ("--region", r)]
    got = records(cli(*args, "ls", "--json", env=env))
    assert Counter((r["account"], r["region"], r["kind"]) for r in got) == want
    assert len({r["key"] for r in got}) == len(got)
    for r in got:
        assert r["key"].startswith("arn:aws:") and r["account"] in r["key"] and r["line"]
        if r["kind"] == "ecs":
            assert r["tags"] == {"Team": "api"} and r["attrs"]["cluster"] == "main"
            assert r["attrs"]["service"] == "api" and r["attrs"]["containers"] == ["app"]
        if r["kind"] == "ec2":
            assert r["tags"]["Team"] == "x" and r["address"] and r["attrs"]["vpc"].startswith("vpc-")
        if r["kind"] == "rds":
            assert r["attrs"]["engine"] == "postgres" and ":" in r["address"]
    # the lines are what `ls` prints
    plain = cli(*args, "ls", env=env)
    assert plain.stdout.splitlines() == [r["line"] for r in got]


def test_denied_region_warns_and_keeps_its_old_data(cli, fleet, aws):
    fleet.ec2(A, "us-east-1", 2, name="east-{i}")
    fleet.ec2(A, "us-west-2", 2, name="west-{i}")
    regions = ["--region", "us-east-1", "--region", "us-west-2"]
    assert cli(*regions, "refresh", "--kind", "ec2").returncode == 0
    fleet.ec2(A, "us-east-1", 1, name="new-east-{i}", start=10)
    aws.faults.add("access_denied", region="us-west-2", service="ec2")
    result = cli(*regions, "refresh", "--kind", "ec2")
    assert result.returncode == 0
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 1 and "Traceback" not in result.stderr
    assert A in warnings[0] and "us-west-2" in warnings[0] and "ec2" in warnings[0]
    assert "denied" in warnings[0] and "keeping data" in warnings[0]
    names = {r["name"] for r in records(cli(*regions, "ls", "--kind", "ec2", "--json", "--offline"))}
    assert names == {"east-0", "east-1", "new-east-10", "west-0", "west-1"}
    info = cli(*regions, "cache", "info").stdout
    assert "last refresh failed: access denied" in info


def test_throttling_on_every_other_call_still_gives_everything(cli, fleet, aws):
    fleet.ec2(A, "us-east-1", 30, per_reservation=1)
    fleet.rds_instance(A, "us-east-1", "db")
    fleet.elasticache_cluster(A, "us-east-1", "memc")
    fleet.ecs_tasks(A, "us-east-1", "main", "web", 3)
    aws.faults.add("throttle", every=2)
    # one worker: calls one at a time, so that every other one is throttled, as named (with
    # calls at once, one call could meet every throttle in a row and use up its retries)
    result = cli("ls", "--json", env=cli.env(FUZZYAWS_PAGE_SIZE="10", FUZZYAWS_KINDS="ec2,rds,elasticache,ecs",
                                             FUZZYAWS_WORKERS="1"))
    assert result.stderr == ""
    assert Counter(r["kind"] for r in records(result)) == {"ec2": 30, "rds": 1, "elasticache": 1, "ecs": 3}
    assert any(c.status == 400 for c in aws.calls)  # throttles were injected, and retried


@pytest.mark.parametrize("fault", ["expired_token", "invalid_credentials"])
def test_rejected_credentials_exit_3_and_leave_the_cache(cli, fleet, aws, fault):
    fleet.ec2(A, "us-east-1", 2)
    assert cli("refresh").returncode == 0
    before = cli("cache", "info").stdout
    aws.faults.add(fault)
    result = cli("refresh")
    assert result.returncode == 3
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert "credentials" in result.stderr
    assert cli("ls", "--offline").stdout.count("\n") == 2
    assert "failed" not in cli("cache", "info").stdout.split("shards:")[1].split("\n", 1)[1]
    assert before.splitlines()[3] == cli("cache", "info").stdout.splitlines()[3]


def test_no_credentials_and_unknown_profile_exit_3(cli):
    env = cli.env()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(name)
    env["AWS_SHARED_CREDENTIALS_FILE"] = env["AWS_CONFIG_FILE"] = os.devnull
    result = cli("ls", env=env)
    assert result.returncode == 3 and result.stderr.count("\n") == 1
    assert "no AWS credentials" in result.stderr
    result = cli("--profile", "nosuch", "ls")
    assert result.returncode == 3 and result.stderr.count("\n") == 1 and "'nosuch'" in result.stderr


def test_expired_sso_token_says_how_to_log_in(cli, tmp_path):
    config = tmp_path / "ssoconfig"
    config.write_text("[profile work]\nsso_session = corp\nsso_account_id = 111111111111\n"
                      "sso_role_name = Admin\nregion = us-east-1\n\n[sso-session corp]\n"
                      "sso_start_url = https://example.invalid/start\nsso_region = us-east-1\n")
    env = cli.env(AWS_CONFIG_FILE=str(config))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(name)
    result = cli("--profile", "work", "ls", env=env)
    assert result.returncode == 3 and result.stderr.count("\n") == 1, result.stderr
    assert "aws sso login --profile work" in result.stderr


def test_bad_input_exits_2(cli):
    result = cli("--region", "us east 1", "ls")
    assert result.returncode == 2 and "not an AWS region name" in result.stderr
    assert cli("ls", "--kind", "lamda").returncode == 2  # a typo, not an indexed kind
    (cli_cfg := os.path.join(cli.home, "bad.toml"))
    with open(cli_cfg, "w") as fh:
        fh.write("ttl = [")
    result = cli("--config", cli_cfg, "ls")
    assert result.returncode == 2 and result.stderr.count("\n") == 1


def test_hostile_tags_are_one_line_and_never_run(cli, fleet, aws):
    evil = "line1\nline2 $(touch pwned) `touch pwned2` 'q\" ; rm -rf ~"
    fleet.ec2(A, "us-east-1", 1, name="host {i}", tags={"Note": evil, "팀": "서버-웹"})
    fleet.ecs_tasks(A, "us-east-1", "main", "web", 1, tags={"Color": "\x1b[31mred\x1b]0;title\x07"})
    result = cli("ls", "--kind", "ec2", "--kind", "ecs")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert not any(ord(c) < 0x20 and c != "\t" for line in lines for c in line)
    assert all(line.count("\t") == 8 for line in lines)
    assert "Note=line1␊line2 $(touch pwned)" in result.stdout and "팀=서버-웹" in result.stdout
    assert "Color=␛[31mred␛]0;title␇" in result.stdout
    raw = records(cli("ls", "--json", "--offline", "--kind", "ec2", "--kind", "ecs"))
    assert {r["kind"]: r["tags"] for r in raw}["ec2"]["Note"] == evil
    assert not os.path.exists(os.path.join(cli.home, "pwned"))
    assert not os.path.exists(os.path.join(cli.home, "pwned2"))


def test_concurrent_refreshes_fetch_each_shard_once(cli, fleet, aws):
    fleet.ec2(A, "us-east-1", 5)
    fleet.rds_instance(A, "us-east-1", "db")
    assert cli("ls", "--offline").returncode == 1  # nothing cached yet
    aws.faults.add("latency", seconds=0.3)
    procs = [cli.start("refresh") for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    for op in ("DescribeInstances", "DescribeDBInstances", "DescribeReplicationGroups", "ListTasks",
               "ListServices", "GetResources", "DescribeStacks"):
        assert len(calls(aws, op)) <= 1, op  # ListTasks only if ListClusters found a cluster
    assert len(calls(aws, "DescribeInstances")) == 1
    assert len(calls(aws, "ListClusters", service="ecs")) <= 2  # shared by the ecs shards of a run
    assert len(cli("ls", "--offline", "--kind", "ec2", "--kind", "rds").stdout.splitlines()) == 6


def test_ttl_offline_and_no_match(cli, fleet, aws):
    fleet.ec2(A, "us-east-1", 2, name="web-{i}")
    assert len(cli("ls").stdout.splitlines()) == 2
    fleet.ec2(A, "us-east-1", 1, name="late-{i}", start=5)
    n = len(aws.calls)
    assert len(cli("ls").stdout.splitlines()) == 2  # fresh: served from the cache
    assert len(cli("ls", "--offline", "--ttl", "0").stdout.splitlines()) == 2
    assert len(aws.calls) == n  # neither touched the network
    assert "late-5" in cli("ls", "--ttl", "0").stdout  # expired: refreshed first
    assert cli("ls", "--offline", "nothing-like-this").returncode == 1
    keys = cli("ls", "--keys", "--offline", "late").stdout.split()
    assert len(keys) == 1 and keys[0].startswith(f"arn:aws:ec2:us-east-1:{A}:instance/i-")


# Never on the warm path: AWS and the picker toolkit, and what the standard library's
# heavier helpers drag in (dataclasses/inspect, shutil's compressors, subprocess, threads).
WARM_PATH_NEVER = ("boto3", "botocore", "prompt_toolkit", "pyfzf", "diskcache", "dataclasses",
                   "inspect", "shutil", "subprocess", "threading", "tempfile", "typing", "argparse")
# Nor, where the scope's view serves: the database and json.
VIEW_NEVER = ("sqlite3", "json", "fuzzyaws.cache")


def imports(stderr: str) -> dict:
    """{module: cumulative µs} from PYTHONPROFILEIMPORTTIME output."""
    found = {}
    for line in stderr.splitlines():
        if "import time:" in line:
            _, cumulative, name = line.split(":", 1)[1].split("|")
            if cumulative.strip().isdigit():
                found[name.strip()] = int(cumulative)
    return found


@pytest.mark.parametrize("argv", [["ls", "web"], ["ls", "--offline", "--keys"], ["pick", "--list", "--offline"],
                                  ["preview", "KEY"]])
def test_the_warm_path_imports_only_what_it_needs(cli, fleet, argv):
    fleet.ec2(A, "us-east-1", 3)
    assert cli("refresh").returncode == 0
    key = cli("ls", "--keys").stdout.split()[0]
    # without site (-S): the development install's editable finder imports much of what is
    # looked for here, which would hide it; the warm path needs nothing from site-packages
    env = cli.env(PYTHONPROFILEIMPORTTIME="1", PYTHONPATH=ROOT)
    result = subprocess.run([sys.executable, "-S", "-m", "fuzzyaws", *[key if a == "KEY" else a for a in argv]],
                            env=env, capture_output=True, text=True, cwd=cli.home)
    assert result.returncode == 0, result.stderr[-2000:]
    python = subprocess.run([sys.executable, "-S", "-c", "import runpy"], env=env, capture_output=True, text=True)
    times = {m: us for m, us in imports(result.stderr).items() if m not in imports(python.stderr)}
    assert "fuzzyaws.view" in times  # the check is looking at the right thing
    table = "\n".join(f"{us / 1000:7.2f} ms  {name}" for name, us in sorted(times.items(), key=lambda i: -i[1])
                      if name.startswith("fuzzyaws"))
    print(f"\nwarm path `{' '.join(argv)}`, cumulative import time per fuzzyaws module:\n{table}")
    heavy = sorted(m for m in times if m.split(".")[0] in WARM_PATH_NEVER + VIEW_NEVER or m in VIEW_NEVER)
    assert not heavy, f"{heavy}\n{table}"


def test_corrupt_cache_is_rebuilt(cli, fleet):
    fleet.ec2(A, "us-east-1", 2)
    assert cli("refresh").returncode == 0
    with open(os.path.join(cli.cache_dir, "cache.db"), "wb") as fh:
        fh.write(b"\0garbage" * 1000)
    result = cli("ls")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2
    assert len(result.stderr.splitlines()) == 1 and "corrupt" in result.stderr and "moved it aside" in result.stderr
    moved = [n for n in os.listdir(cli.cache_dir) if n.startswith("cache.db.corrupt-")]
    assert len(moved) == 1  # kept, not deleted
    with open(os.path.join(cli.cache_dir, moved[0]), "rb") as fh:
        assert fh.read() == b"\0garbage" * 1000
    assert oct(os.stat(cli.cache_dir).st_mode & 0o777) == "0o700"


def test_org_mode_assumes_a_role_in_each_account(cli, fleet, aws, tmp_path):
    members = fleet.organization(A, ["dev", "ops"])
    for name, account in members.items():
        fleet.ec2(account, "us-east-1", 2, name=f"{name}-{{i}}")
    fleet.ec2(A, "us-east-1", 1, name="mgmt-{i}")
    files = aws.write_aws_config(tmp_path / "aws", {"mgmt": A})
    config = tmp_path / "org.toml"
    config.write_text('regions = ["us-east-1"]\nkinds = ["ec2"]\n[org]\nprofile = "mgmt"\n')
    env = cli.env(**files, FUZZYAWS_CONFIG=str(config))
    got = records(cli("ls", "--json", env=env))
    assert Counter(r["account"] for r in got) == {A: 1, members["dev"]: 2, members["ops"]: 2}
    assumed = calls(aws, "AssumeRole")
    assert len(assumed) == 2


@pytest.mark.parametrize("regions", ['["us-east-1"]', '["all"]'])
def test_an_org_account_whose_role_is_refused_is_one_warning_and_the_rest_go_on(cli, fleet, aws, tmp_path,
                                                                                 regions):
    members = fleet.organization(A, ["dev", "ops"])
    for name, account in members.items():
        fleet.ec2(account, "us-east-1", 2, name=f"{name}-{{i}}")
    files = aws.write_aws_config(tmp_path / "aws", {"mgmt": A})
    config = tmp_path / "org.toml"
    config.write_text(f'regions = {regions}\nkinds = ["ec2"]\n[org]\nprofile = "mgmt"\n')
    env = cli.env(**files, FUZZYAWS_CONFIG=str(config))
    aws.faults.add("access_denied", service="sts", operation="AssumeRole", first=1)
    result = cli("ls", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("\n") == 1 and "AccessDenied" in result.stderr and "AssumeRole" in result.stderr
    assert len(Counter(r["account"] for r in records(result))) == 1  # the other member, listed in full
    # left out of the plan, which is not cached: the next run tries again
    aws.faults.clear()
    again = cli("ls", "--json", env=env)
    assert again.returncode == 0 and set(Counter(r["account"] for r in records(again))) == set(members.values())


def test_offline_with_no_plan_an_org_lists_its_cached_accounts_whatever_the_profiles(cli, fleet, aws, tmp_path):
    members = fleet.organization(A, ["dev", "ops"])
    for name, account in members.items():
        fleet.ec2(account, "us-east-1", 2, name=f"{name}-{{i}}")
    files = aws.write_aws_config(tmp_path / "aws", {"mgmt": A})
    config = tmp_path / "org.toml"
    config.write_text('profiles = ["mgmt"]\nregions = ["us-east-1"]\nkinds = ["ec2"]\n[org]\nprofile = "mgmt"\n')
    env = cli.env(**files, FUZZYAWS_CONFIG=str(config))
    aws.faults.add("access_denied", service="sts", operation="AssumeRole", first=1)
    assert cli("refresh", env=env).returncode == 0  # one member left out: no plan cached
    offline = cli("ls", "--offline", "--json", env=env)
    assert offline.returncode == 0, offline.stderr
    assert len(records(offline)) == 2 and {r["account"] for r in records(offline)} < set(members.values())


def test_all_regions_come_from_describe_regions(cli, fleet, aws):
    fleet.ec2(A, "ap-southeast-2", 1, name="sydney-{i}")
    result = cli("--region", "all", "ls", "--kind", "ec2")
    assert result.returncode == 0, result.stderr
    assert "sydney-0" in result.stdout
    assert len(calls(aws, "DescribeRegions")) == 1
    assert len({c.region for c in calls(aws, "DescribeInstances")}) > 15


def test_cache_info_and_clear(cli, fleet):
    fleet.ec2(A, "us-east-1", 2)
    cli("refresh")
    info = cli("cache", "info")
    assert info.returncode == 0 and f"{A}/us-east-1/ec2" in info.stdout and "2 resources" in info.stdout
    assert cli("cache", "clear").returncode == 0
    assert cli("ls", "--offline").returncode == 1


QUERIES = ["web", "prod web", "'prod", "^ec2", "running$", "!stopped", "web | db", "Web", "서버",
           "^ec2 !web 'us-east", "팀=서버", "i-0", "ssm:online", "cafe", "'[x]", "$(", "zz9"]


def test_ls_query_keeps_what_fzf_filter_keeps(cli, fleet):
    fleet.ec2(A, "us-east-1", 4, name="prod-web-{i}", tags={"팀": "서버-웹", "Note": "café [x]"})
    fleet.ec2(A, "us-east-1", 3, name="WebServer-{i}", state="stopped", start=10)
    fleet.ec2(A, "us-east-1", 2, name="db $(x) '{i}'", tags={"Environment": "prod"}, start=20)
    fleet.rds_instance(A, "us-east-1", "orders-db")
    everything = cli("ls").stdout
    assert everything.count("\n") == 10
    env = {k: v for k, v in os.environ.items() if k != "FZF_DEFAULT_OPTS"}
    for query in QUERIES:
        ours = cli("ls", "--offline", query).stdout.splitlines()
        theirs = subprocess.run(["fzf", "--filter", query], input=everything, capture_output=True,
                                text=True, env={**env, "LANG": "C.UTF-8"}).stdout.splitlines()
        assert sorted(ours) == sorted(theirs), query


def test_demo_without_moto_says_how_to_install_it(tmp_path):
    code = "import sys; sys.modules['moto'] = None; from fuzzyaws.cli import main; sys.exit(main(['demo', 'ls']))"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "pip install 'fuzzyaws[demo]'" in result.stderr
