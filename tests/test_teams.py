"""For teams: the organization read from AWS Config's aggregator or a shared S3 snapshot,
beside the person's own profiles scanned live (inventory/sources.py)."""
from __future__ import annotations

import json
import os
from collections import Counter

import pytest

from tests.cli import CLI

A, B, C = "111111111111", "222222222222", "333333333333"
EAST, WEST = "us-east-1", "eu-west-1"
COMPARED = ("kind", "key", "id", "name", "state", "address", "account", "region", "tags")
EC2_ATTRS = ("vpc", "subnet", "private_ip", "type", "az", "image", "platform")


@pytest.fixture
def cli(aws, tmp_path):
    return CLI(aws, str(tmp_path), account=A)


def profiles(aws, cli, **names) -> dict:
    """The env of a CLI whose AWS config defines these profiles (name -> account)."""
    files = aws.write_aws_config(os.path.join(cli.home, "aws"), names, EAST)
    return files


def rows(result) -> list:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def org_fleet(fleet):
    fleet.ec2(A, EAST, 3, name="web-{i}", tags={"Team": "a"})
    fleet.ec2(B, WEST, 2, name="api-{i}")
    fleet.ec2(B, WEST, 1, name="batch-{i}", state="stopped")
    fleet.rds_instance(B, WEST, "orders-db", tags={"Env": "prod"})
    fleet.lambda_function(C, EAST, "resize")
    fleet.sqs_queue(C, EAST, "jobs")


def aggregator(aws, accounts=(A, B, C), name="org"):
    aws.client("config", A, EAST).put_configuration_aggregator(
        ConfigurationAggregatorName=name,
        AccountAggregationSources=[{"AccountIds": list(accounts), "AllAwsRegions": True}])


def comparable(row: dict) -> tuple:
    attrs = tuple(row["attrs"].get(k) for k in (EC2_ATTRS if row["kind"] == "ec2" else ("engine", "endpoint", "port")))
    return tuple(json.dumps(row[k], sort_keys=True) for k in COMPARED) + attrs


# -- the Config aggregator ----------------------------------------------------------------


def test_the_aggregator_gives_the_native_rows_of_every_account_and_region(cli, fleet, aws):
    org_fleet(fleet)
    aggregator(aws)
    env = cli.env(**profiles(aws, cli, a=A, b=B, c=C))
    live = rows(cli("ls", "--json", "--kind", "ec2", "--kind", "rds", "--profile", "a", "--profile", "b",
                    "--region", EAST, "--region", WEST, env=env))
    aws.calls.clear()
    source = env | {"FUZZYAWS_SOURCE": "config-aggregator:org", "FUZZYAWS_CACHE_DIR": cli.cache_dir + "2"}
    org = rows(cli("ls", "--json", "--kind", "ec2", "--kind", "rds", env=source))
    assert Counter(r["kind"] for r in live) == {"ec2": 6, "rds": 1}
    assert sorted(map(comparable, org)) == sorted(map(comparable, live))
    assert {r["attrs"]["source"] for r in org} == {"AWS Config"}
    assert all(r["attrs"]["ssm_unknown"] for r in org if r["kind"] == "ec2")
    # one GROUP BY for the plan, then one query per kind for the whole organization
    selects = [c for c in aws.calls if c.operation == "SelectAggregateResourceConfig"]
    assert len(selects) == 3, [c.operation for c in aws.calls]
    assert {(c.account, c.region) for c in aws.calls if c.service} == {(A, EAST)}  # no role, no other account


def test_the_aggregator_pages_and_lists_every_other_kind(cli, fleet, aws):
    fleet.ec2(B, WEST, 130, name="node-{i:03d}")
    org_fleet(fleet)
    aggregator(aws)
    env = cli.env(FUZZYAWS_SOURCE="config-aggregator:org")
    got = rows(cli("ls", "--json", env=env))
    kinds = Counter((r["kind"], r["account"]) for r in got)
    assert kinds[("ec2", B)] == 133 and kinds[("ec2", A)] == 3
    assert kinds[("lambda", C)] == 1 and kinds[("sqs", C)] == 1 and kinds[("rds", B)] == 1
    assert kinds[("ec2:vpc", A)] >= 1  # the rest as indexed rows
    assert len({r["key"] for r in got}) == len(got)
    pages = [c for c in aws.calls if c.operation == "SelectAggregateResourceConfig"]
    assert len(pages) > 3  # 133 instances take two pages of 100


def test_refresh_says_what_comes_from_config_and_that_it_lags(cli, fleet, aws):
    org_fleet(fleet)
    aggregator(aws)
    result = cli("refresh", "-v", env=cli.env(FUZZYAWS_SOURCE="config-aggregator:org"))
    assert result.returncode == 0, result.stderr
    assert "AWS Config aggregator 'org'" in result.stderr and "lags reality by minutes" in result.stderr
    assert f"{B} {WEST} ec2: 3 resources" in result.stderr


def test_a_missing_aggregator_denied_or_throttled_is_one_line(cli, fleet, aws):
    org_fleet(fleet)
    aggregator(aws)
    missing = cli.process("ls", env=cli.env(FUZZYAWS_SOURCE="config-aggregator:nope"))
    assert missing.returncode == 2 and "no configuration aggregator 'nope'" in missing.stderr
    assert "Traceback" not in missing.stderr and len(missing.stderr.splitlines()) == 1
    aws.faults.add("access_denied", service="config")
    denied = cli.process("ls", env=cli.env(FUZZYAWS_SOURCE="config-aggregator:org"))
    assert denied.returncode == 1 and "access denied" in denied.stderr and "Traceback" not in denied.stderr
    aws.faults.clear()
    env = cli.env(FUZZYAWS_SOURCE="config-aggregator:org")
    assert cli("refresh", env=env).returncode == 0
    fault = aws.faults.add("throttle", service="config", operation="SelectAggregateResourceConfig", first=2)
    again = cli("refresh", env=env)  # retried by botocore's adaptive mode
    assert again.returncode == 0, again.stderr and fault.fired == 2
    aws.faults.add("throttle", service="config", operation="SelectAggregateResourceConfig")
    throttled = cli("--ttl", "0", "ls", env=cli.env(FUZZYAWS_SOURCE="config-aggregator:org", FUZZYAWS_KINDS="ec2"))
    assert "throttled" in throttled.stderr and "keeping data from" in throttled.stderr
    assert Counter(r.split("\t")[0] for r in throttled.stdout.splitlines()) == {"ec2": 6}
