"""Every resource type: each native kind collected, every other type through an index
source (the tagging API, or Resource Explorer), each resource once, by kind; and console
links for every row."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.cli import CLI

A = "111111111111"
R = "us-east-1"
HOSTILE = "evil\n$(touch pwned) `id` \x1b[31m'q\""
XML_HOSTILE = "evil $(touch pwned) `id` 'q\" <b>"  # S3's XML cannot carry control characters


@pytest.fixture
def cli(aws, tmp_path):
    return CLI(aws, str(tmp_path), account=A)


def native_fleet(fleet):
    """One of each native kind, some tagged, some not."""
    fleet.ec2(A, R, 2, name="web-{i}")
    fleet.hybrid_nodes(A, R, 1)
    fleet.ecs_tasks(A, R, "prod", "api", 1)
    fleet.ecs_services(A, R, "prod", ["billing"])  # and "api", of the task above
    fleet.rds_instance(A, R, "orders-db")
    fleet.elasticache_cluster(A, R, "sessions")
    fleet.lambda_function(A, R, "resize", tags={"Team": HOSTILE})
    fleet.lambda_function(A, R, "untagged-fn")
    fleet.load_balancer(A, R, "front")
    fleet.auto_scaling_group(A, R, "workers", desired=0, max_size=0)
    fleet.eks_cluster(A, R, "k8s")
    fleet.dynamodb_table(A, R, "carts")
    fleet.sqs_queue(A, R, "jobs")
    fleet.sns_topic(A, R, "alerts")
    fleet.cfn_stack(A, R, "network")
    fleet.s3_bucket(A, "eu-west-1", "logs-eu-bucket", tags={"Note": XML_HOSTILE})


NATIVE = {"ec2": 2, "ssm-node": 1, "ecs": 1, "ecs-service": 2, "rds": 1, "elasticache": 1, "lambda": 2,
          "elb": 1, "asg": 1, "eks": 1, "dynamodb": 1, "sqs": 1, "sns": 1, "cfn": 1, "s3": 1}


def other_services(aws, tagged: bool = True) -> dict:
    """A dozen resources of services no native collector lists; half of them tagged.
    Returns {kind: count} of the tagged ones."""
    tags = [{"Key": "Team", "Value": "platform"}] if tagged else []
    kv = {"Team": "platform"} if tagged else {}
    kms = aws.client("kms", A, R)
    kms.create_key(Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags])
    aws.client("secretsmanager", A, R).create_secret(Name="db-password", SecretString="x", Tags=tags)
    aws.client("stepfunctions", A, R).create_state_machine(
        name="flow", definition='{"StartAt": "a", "States": {"a": {"Type": "Pass", "End": true}}}',
        roleArn=f"arn:aws:iam::{A}:role/x", tags=[{"key": t["Key"], "value": t["Value"]} for t in tags])
    aws.client("logs", A, R).create_log_group(logGroupName="/app/api", tags=kv)
    aws.client("ssm", A, R).put_parameter(Name="/app/flag", Value="1", Type="String", Tags=tags)
    ec2 = aws.client("ec2", A, R)
    ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}] if tags else [])
    aws.client("kinesis", A, R).create_stream(StreamName="clicks", ShardCount=1)
    aws.client("ecr", A, R).create_repository(repositoryName="app")
    if not tagged:
        return {}
    return {"kms:key": 1, "secretsmanager:secret": 1, "stepfunctions:statemachine": 1,
            "logs:log-group": 1, "ssm:parameter": 1, "ec2:vpc": 1}


def rows(result) -> list:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_tagging_api_lists_the_tagged_rest_and_every_native_resource(cli, fleet, aws):
    native_fleet(fleet)
    tagged = other_services(aws)
    got = rows(cli("ls", "--json", env=cli.env(FUZZYAWS_INDEX="tagging")))
    kinds = Counter(r["kind"] for r in got)
    for kind, count in NATIVE.items():
        assert kinds[kind] == count, kind  # untagged native resources too
    for kind, count in tagged.items():
        assert kinds[kind] == count, kind
    assert len({r["key"] for r in got}) == len(got)  # each resource once: native rows win
    assert "kinesis:stream" not in kinds  # untagged: the tagging API does not know it
    indexed = [r for r in got if r["attrs"].get("source") == "tagging API"]
    assert indexed and all(r["kind"] not in NATIVE for r in indexed)
    [bucket] = [r for r in got if r["kind"] == "s3"]
    assert bucket["region"] == "eu-west-1" and bucket["tags"]["Note"] == XML_HOSTILE
    [resize] = [r for r in got if r["id"] == "resize"]
    assert resize["tags"]["Team"] == HOSTILE
    for r in got:
        assert "\n" not in r["line"] and "\x1b" not in r["line"]
    key = next(r["key"] for r in indexed if r["kind"] == "kms:key")
    preview = cli("preview", key).stdout
    assert "only resources that have or had tags" in preview and "Team" in preview


def test_resource_explorer_lists_untagged_resources_too(cli, fleet, aws):
    native_fleet(fleet)
    other_services(aws, tagged=False)
    fleet.resource_explorer(A, aggregator=R)
    got = rows(cli("ls", "--json"))  # index = auto: Resource Explorer is set up
    kinds = Counter(r["kind"] for r in got)
    for kind in ("kms:key", "secretsmanager:secret", "stepfunctions:statemachine", "logs:log-group",
                 "ssm:parameter", "kinesis:stream", "ecr:repository", "ec2:vpc"):
        assert kinds[kind] >= 1, kind
    for kind, count in NATIVE.items():
        assert kinds[kind] == count, kind  # not twice, though Resource Explorer lists them too
    assert len({r["key"] for r in got}) == len(got)
    assert {r["attrs"]["source"] for r in got if "source" in r["attrs"]} == {"Resource Explorer"}


def test_asking_for_indexed_kinds(cli, fleet, aws):
    fleet.ec2(A, R, 1)
    other_services(aws)
    env = cli.env(FUZZYAWS_INDEX="tagging")
    assert cli("refresh", env=env).returncode == 0
    kinds = lambda *k: Counter(r["kind"] for r in rows(cli("ls", "--offline", "--json", *k, env=env)))  # noqa: E731
    assert kinds("--kind", "kms:key") == {"kms:key": 1}
    assert kinds("--kind", "kms", "--kind", "ec2") == {"kms:key": 1, "ec2": 1}
    assert set(kinds("--kind", "index")) == {"kms:key", "secretsmanager:secret", "stepfunctions:statemachine",
                                              "logs:log-group", "ssm:parameter", "ec2:vpc"}
    assert cli("ls", "--offline", "--kind", "nosuchservice:thing", env=env).returncode == 2


def test_index_shards_keep_their_own_ttl_and_can_be_off(cli, fleet, aws):
    fleet.ec2(A, R, 1)
    other_services(aws)
    env = cli.env(FUZZYAWS_INDEX="tagging")
    assert cli("ls", env=env).returncode == 0
    before = Counter(c.operation for c in aws.calls)
    assert cli("--ttl", "0", "ls", env=env).returncode == 0  # natives expired, the index not (1 h)
    after = Counter(c.operation for c in aws.calls)
    assert after["GetResources"] == before["GetResources"] and after["DescribeInstances"] > before["DescribeInstances"]
    off = rows(cli("ls", "--json", env=cli.env(FUZZYAWS_INDEX="off")))
    assert {r["kind"] for r in off} <= set(NATIVE)


def test_a_capped_explorer_query_is_split_and_a_capped_split_reported(cli, fleet, aws, tmp_path):
    fleet.ec2(A, R, 1)
    ssm = aws.client("ssm", A, R, direct=True)
    for i in range(1030):
        ssm.put_parameter(Name=f"/p/{i}", Value="v", Type="String")
    aws.client("kms", A, R).create_key()
    fleet.resource_explorer(A, aggregator=R)
    result = cli("ls", "--json", env=cli.env(FUZZYAWS_KINDS="ec2,index"))
    assert result.returncode == 0  # what could be listed is listed
    warning = [line for line in result.stderr.splitlines() if "1000" in line or "1,000" in line]
    assert len(warning) == 1 and "resourcetype:ssm:parameter" in warning[0], result.stderr
    kinds = Counter(r["kind"] for r in json.loads(result.stdout))
    assert kinds["ssm:parameter"] == 1000 and kinds["kms:key"] == 1  # the other split was complete
    searches = [c.status for c in aws.calls if c.operation == "Search"]
    assert 429 not in searches  # paced under 5 a second
    refresh = cli("refresh", env=cli.env(FUZZYAWS_KINDS="ec2,index"))
    assert refresh.returncode == 1  # a partial shard is something to retry


def test_open_prints_the_console_page_of_any_row(cli, fleet, aws):
    fleet.ec2(A, R, 1, name="web-one")
    fleet.lambda_function(A, R, "resize")
    other_services(aws)
    env = cli.env(FUZZYAWS_INDEX="tagging")
    assert cli("refresh", env=env).returncode == 0
    web = cli("open", "--print", "web-one", env=env)
    assert web.returncode == 0
    assert web.stdout.startswith(f"https://{R}.console.aws.amazon.com/ec2/home?region={R}#InstanceDetails:instanceId=i-")
    assert cli("open", "--print", "resize", env=env).stdout == \
        f"https://{R}.console.aws.amazon.com/lambda/home?region={R}#/functions/resize\n"
    vpc = next(r for r in rows(cli("ls", "--offline", "--json", "--kind", "ec2:vpc", env=env)))
    link = cli("open", "--print", vpc["key"], env=env).stdout.strip()
    assert link.startswith("https://console.aws.amazon.com/go/view?arn=arn%3Aaws%3Aec2%3Aus-east-1")
