"""For teams: the organization read from AWS Config's aggregator or a shared S3 snapshot,
beside the person's own profiles scanned live (inventory/sources.py)."""
from __future__ import annotations

import gzip
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


def fault_calls(aws, kind: str) -> int:
    return sum(1 for c in aws.calls if c.fault == kind)


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
    [db] = [r for r in got if r["kind"] == "rds"]
    preview = cli("preview", db["key"], env=env).stdout
    assert "orders-db" in preview and "from AWS Config" in preview and "5432" in preview


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
    fault = aws.faults.add("throttle", service="config", operation="SelectAggregateResourceConfig", first=1)
    again = cli("refresh", env=env)  # retried by botocore's adaptive mode
    assert again.returncode == 0, again.stderr
    assert fault.fired == 1
    aws.faults.clear()
    aws.calls.clear()
    aws.faults.add("throttle", service="config", operation="SelectAggregateResourceConfig")
    fast = os.path.join(cli.home, "fast.toml")  # two attempts a call, not six
    with open(fast, "w") as fh:
        fh.write("max_attempts = 2\n")
    throttled = cli("--ttl", "0", "--config", fast, "ls",
                    env=cli.env(FUZZYAWS_SOURCE="config-aggregator:org", FUZZYAWS_KINDS="ec2"))
    # one throttled query for the organization, not one per shard
    assert fault_calls(aws, "throttle") == 2
    assert "throttled" in throttled.stderr and "keeping data from" in throttled.stderr
    assert Counter(r.split("\t")[0] for r in throttled.stdout.splitlines()) == {"ec2": 6}


# -- the shared snapshot --------------------------------------------------------------------

BUCKET = "inventory"
URL = f"s3://{BUCKET}/org"


def shard_gets(aws) -> Counter:
    """GETs of snapshot shard bodies, by status (200: transferred, 304: not modified)."""
    return Counter(c.status for c in aws.calls if c.method == "GET" and "/shards/" in c.path)


def manifest_gets(aws) -> Counter:
    return Counter(c.status for c in aws.calls if c.method == "GET" and c.path.endswith("/manifest.json"))


@pytest.fixture
def job(aws, tmp_path, fleet):
    """The scheduled job: profiles for two accounts (read-only in real life), its own cache."""
    org_fleet(fleet)
    aws.client("s3", A, EAST).create_bucket(Bucket=BUCKET)
    os.makedirs(tmp_path / "job")
    job = CLI(aws, str(tmp_path / "job"), account=A)
    files = profiles(aws, job, a=A, b=B)
    job.extra = {**files, "FUZZYAWS_PROFILES": "a,b", "FUZZYAWS_REGIONS": f"{EAST},{WEST}"}
    return job


def user(aws, tmp_path, name: str, **env) -> CLI:
    os.makedirs(tmp_path / name)
    person = CLI(aws, str(tmp_path / name), account=C)
    person.extra = {"FUZZYAWS_SNAPSHOT": URL, **env}
    return person


def test_one_job_pushes_and_two_people_pull_only_what_changed(job, aws, fleet, tmp_path):
    pushed = job.process("snapshot", "push", URL)
    assert pushed.returncode == 0, pushed.stderr
    assert "pushed" in pushed.stderr and "to s3://inventory/org" in pushed.stderr
    expected = sorted(job("ls", "--offline").stdout.splitlines())
    assert len(expected) > 6
    one, two = user(aws, tmp_path, "one"), user(aws, tmp_path, "two")
    aws.calls.clear()
    assert sorted(one("ls").stdout.splitlines()) == expected
    transferred = shard_gets(aws)[200]
    assert transferred > 0 and shard_gets(aws)[304] == 0
    assert sorted(two("ls").stdout.splitlines()) == expected  # a separate cache: pulls too
    assert shard_gets(aws)[200] == 2 * transferred
    assert not [c for c in aws.calls if c.service == "sts" or c.operation == "AssumeRole"]
    assert {c.account for c in aws.calls if c.service} == {C}  # the person's own credentials only

    aws.calls.clear()
    assert one("refresh").returncode == 0  # nothing changed: the manifest is a 304
    assert manifest_gets(aws)[304] >= 1 and manifest_gets(aws)[200] == 0 and shard_gets(aws) == Counter()

    again = job.process("snapshot", "push", URL)  # a new push of the same fleet uploads nothing
    assert "0 uploaded" in again.stderr, again.stderr
    aws.calls.clear()
    assert one("refresh").returncode == 0
    assert manifest_gets(aws)[200] == 1 and shard_gets(aws) == Counter()  # the ETags said it all

    fleet.ec2(B, WEST, 1, name="new-one")
    changed = job.process("snapshot", "push", URL)
    assert "1 uploaded" in changed.stderr, changed.stderr
    aws.calls.clear()
    assert two("refresh").returncode == 0
    assert shard_gets(aws) == Counter({200: 1})  # only B's eu-west-1 ec2 shard
    assert "new-one" in two("ls", "--offline", "new").stdout


def test_a_snapshot_shows_its_own_age_and_a_changed_shard_is_a_conditional_get(job, aws, tmp_path):
    assert job.process("snapshot", "push", URL).returncode == 0
    one = user(aws, tmp_path, "one")
    assert one("refresh").returncode == 0
    s3 = aws.client("s3", A, EAST)
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key="org/manifest.json")["Body"].read())
    for entry in manifest["shards"].values():
        entry["fetched"] -= 2 * 3600  # as if the job had collected it two hours ago
    [(sid, entry)] = [(s, e) for s, e in manifest["shards"].items() if s == f"{B}/{WEST}/ec2"]
    entry["etag"] = '"not-the-etag-one-has"'  # the manifest and the cache disagree: ask S3
    s3.put_object(Bucket=BUCKET, Key="org/manifest.json", Body=json.dumps(manifest).encode())
    aws.calls.clear()
    assert one("refresh").returncode == 0
    assert shard_gets(aws) == Counter({304: 1})  # If-None-Match: the body is the one cached
    header = one("pick", "--list", "--offline").stdout.splitlines()[0]
    assert "data 2 h old" in header, header
    info = one("cache", "info").stdout
    assert f"source:    the organization from the snapshot {URL}" in info
    [line] = [line for line in info.splitlines() if f"{B}/{WEST}/ec2 " in line]
    age = int(line.split("s old")[0].split()[-1])
    assert 7200 <= age < 7200 + 600, line  # the job's collection time, not the pull's


def test_profiles_scanned_live_beside_the_snapshot_each_resource_once(job, aws, tmp_path):
    assert job.process("snapshot", "push", URL).returncode == 0
    person = user(aws, tmp_path, "mixed")
    person.extra.update(profiles(aws, person, mine=A), FUZZYAWS_PROFILES="mine", FUZZYAWS_REGIONS=f"{EAST},{WEST}")
    aws.calls.clear()
    got = rows(person("ls", "--json"))
    assert len({r["key"] for r in got}) == len(got)
    by_account = Counter((r["account"], r["kind"]) for r in got)
    assert by_account[(A, "ec2")] == 3 and by_account[(B, "ec2")] == 3 and by_account[(B, "rds")] == 1
    mine = [c for c in aws.calls if c.operation == "DescribeInstances"]
    assert mine and {c.account for c in mine} == {A}  # A scanned live
    assert not [c for c in aws.calls if f"/shards/{A}/" in c.path]  # A not pulled: the live rows are fresher
    assert any(f"/shards/{B}/" in c.path for c in aws.calls)


def test_a_bad_snapshot_is_one_line(job, aws, tmp_path):
    person = user(aws, tmp_path, "bad")
    nobucket = person.process("ls", env=person.env(FUZZYAWS_SNAPSHOT="s3://no-such-bucket/org"))
    assert nobucket.returncode == 2 and "bucket 'no-such-bucket' does not exist" in nobucket.stderr
    nothing = person.process("ls")
    assert nothing.returncode == 2 and "no snapshot there" in nothing.stderr
    aws.client("s3", A, EAST).put_object(Bucket=BUCKET, Key="org/manifest.json", Body=b"{not json")
    corrupt = person.process("ls")
    assert corrupt.returncode == 1 and "manifest" in corrupt.stderr and "corrupt" in corrupt.stderr
    bad_url = person.process("ls", env=person.env(FUZZYAWS_SNAPSHOT="https://example.com/x"))
    assert bad_url.returncode == 2 and "s3://BUCKET/PREFIX" in bad_url.stderr
    for result in (nobucket, nothing, corrupt, bad_url):
        assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert job.process("snapshot", "push", URL).returncode == 0
    key = next(k["Key"] for k in aws.client("s3", A, EAST).list_objects_v2(Bucket=BUCKET)["Contents"]
               if k["Key"].endswith(f"{B}/{WEST}/ec2.jsonl.gz"))
    aws.client("s3", A, EAST).put_object(Bucket=BUCKET, Key=key, Body=b"not gzip")
    broken = person("ls")  # that shard fails alone: the others are listed
    assert broken.returncode == 0 and "corrupt snapshot shard" in broken.stderr
    assert "orders-db" in broken.stdout and "api-0" not in broken.stdout
    odd = gzip.compress(json.dumps({"kind": "ec2", "key": "arn:x", "id": 1, "tags": []}).encode())
    aws.client("s3", A, EAST).put_object(Bucket=BUCKET, Key=key, Body=odd)
    refreshed = person("refresh")
    assert refreshed.returncode == 1 and "corrupt snapshot shard" in refreshed.stderr, refreshed.stderr
    assert "Traceback" not in refreshed.stderr and "internal error" not in refreshed.stderr


# -- an organization's Resource Explorer view --------------------------------------------


def test_explorer_view_searches_the_named_view_with_the_source_profile(cli, fleet, aws):
    fleet.ec2(A, EAST, 1)
    fleet.ec2(B, EAST, 1)
    aws.client("kms", A, EAST).create_key()
    aws.client("kms", B, EAST).create_key()
    view = fleet.resource_explorer(A, aggregator=EAST, default_views=[])  # no default view anywhere
    assert view["default_views"] == {}
    made = aws.client("resource-explorer-2", A, EAST).create_view(
        ViewName="organization", IncludedProperties=[{"Name": "tags"}])["View"]["ViewArn"]
    env = cli.env(**profiles(aws, cli, admin=A, b=B), FUZZYAWS_PROFILES="admin,b", FUZZYAWS_INDEX="resource-explorer")
    config = os.path.join(cli.home, "teams.toml")
    with open(config, "w") as fh:
        fh.write(f'explorer_view = "{made}"\nsource_profile = "admin"\n')
    got = rows(cli("--config", config, "ls", "--json", "--kind", "kms:key", env=env))
    assert [(r["account"], r["attrs"]["source"]) for r in got] == [(A, "Resource Explorer")]
    searches = [c for c in aws.calls if c.operation == "Search"]
    assert searches and {c.account for c in searches} == {A}  # B's shard too: with the admin's credentials
    assert not [c for c in aws.calls if c.operation in ("GetDefaultView", "ListIndexes")]
    with open(config, "w") as fh:
        fh.write('explorer_view = "arn:aws:kms:us-east-1:111111111111:key/x"\n')
    wrong = cli("--config", config, "ls", env=env)
    assert wrong.returncode == 2 and "explorer_view must be a Resource Explorer view" in wrong.stderr


def test_actions_in_a_source_only_account_use_the_persons_own_profile_for_it(cli, fleet, aws):
    org_fleet(fleet)
    aggregator(aws)
    [api] = [r for r in rows(cli("ls", "--json", "--kind", "ec2", env=cli.env(FUZZYAWS_SOURCE="config-aggregator:org")))
             if r["name"] == "api-0"]
    env = cli.env(FUZZYAWS_SOURCE="config-aggregator:org", **profiles(aws, cli, operator=B))
    refused = cli("stop", "--yes", "--no-wait", "--offline", api["id"], env=env)
    assert refused.returncode == 2 and f"[account_profiles]" in refused.stderr and B in refused.stderr
    config = os.path.join(cli.home, "acting.toml")
    with open(config, "w") as fh:
        fh.write(f'[account_profiles]\n"{B}" = "operator"\n')
    aws.calls.clear()
    stopped = cli("--config", config, "stop", "--yes", "--no-wait", "--offline", api["id"], env=env)
    assert stopped.returncode == 0, stopped.stderr
    [call] = [c for c in aws.calls if c.operation == "StopInstances"]
    assert (call.account, call.region) == (B, WEST)


def test_bad_source_settings_are_exit_2_naming_the_key(cli):
    for env, words in (({"FUZZYAWS_SOURCE": "aggregator:org"}, "config-aggregator:NAME"),
                       ({"FUZZYAWS_SOURCE": "config-aggregator:"}, "config-aggregator:NAME"),
                       ({"FUZZYAWS_SNAPSHOT": "s3://"}, "s3://BUCKET/PREFIX"),
                       ({"FUZZYAWS_SOURCE": "config-aggregator:o", "FUZZYAWS_SNAPSHOT": "s3://b/p"}, "set one of them")):
        result = cli("ls", "--offline", env=cli.env(**env))
        assert result.returncode == 2 and words in result.stderr, (env, result.stderr)
    config = os.path.join(cli.home, "bad.toml")
    with open(config, "w") as fh:
        fh.write('[account_profiles]\n"12" = "x"\n')
    result = cli("--config", config, "ls", "--offline")
    assert result.returncode == 2 and "account_profiles" in result.stderr
    snapshot = cli.process("snapshot", "push", "https://bucket/x")
    assert snapshot.returncode == 2 and "s3://BUCKET/PREFIX" in snapshot.stderr and "Traceback" not in snapshot.stderr
    loop = cli("snapshot", "push", "s3://b/p", env=cli.env(FUZZYAWS_SNAPSHOT="s3://b/p"))
    assert loop.returncode == 2 and "must not read a snapshot" in loop.stderr
