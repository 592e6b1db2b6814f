"""The fake AWS harness itself, exercised the way the product uses it: boto3 over HTTP."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest


from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

import fuzzyaws.fakeaws  # noqa: E402
from fuzzyaws.fakeaws import DEFAULT_ACCOUNT, AwsError  # noqa: E402

A, B = "111111111111", "222222222222"
# total_max_attempts counts the first attempt; botocore's max_attempts counts retries only
NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})
STANDARD = Config(retries={"mode": "standard", "total_max_attempts": 3})


def instance_ids(pages) -> list[str]:
    return [i["InstanceId"] for p in pages for r in p["Reservations"] for i in r["Instances"]]


def tags_of(resource) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource.get("Tags", resource.get("TagList", []))}


# -- EC2 paging and accounts ---------------------------------------------------------


def test_describe_instances_pages_over_many_reservations(aws, fleet):
    ids = fleet.ec2(A, "us-west-2", 260, name="web-{i:03d}", per_reservation=1)
    ec2 = aws.client("ec2", A, "us-west-2")

    pages = list(ec2.get_paginator("describe_instances").paginate())

    assert len(pages) >= 3  # moto pages by reservation, 100 per page by default
    assert all(len(p["Reservations"]) <= 100 for p in pages)
    assert sorted(instance_ids(pages)) == sorted(ids)
    assert len(set(ids)) == 260
    first = ec2.describe_instances(MaxResults=5)
    assert len(first["Reservations"]) == 5 and first["NextToken"]


def test_batches_share_reservations_and_get_their_own_names(aws, fleet):
    ids = fleet.ec2(A, "us-east-1", 10, name="api-{i:02d}", tags={"Role": "api"},
                    per_reservation=4, start=5)
    reservations = aws.client("ec2", A, "us-east-1").describe_instances()["Reservations"]

    assert sorted(len(r["Instances"]) for r in reservations) == [2, 4, 4]
    by_id = {i["InstanceId"]: tags_of(i) for r in reservations for i in r["Instances"]}
    assert [by_id[i]["Name"] for i in ids] == [f"api-{n:02d}" for n in range(5, 15)]
    assert {t["Role"] for t in by_id.values()} == {"api"}


def test_stopped_and_windows_instances(aws, fleet):
    stopped = fleet.ec2(A, "us-east-1", 2, name="old-{i}", state="stopped")
    windows = fleet.ec2(A, "us-east-1", 1, name="win-{i}", platform="windows")
    ec2 = aws.client("ec2", A, "us-east-1")
    found = {i["InstanceId"]: i for r in ec2.describe_instances()["Reservations"]
             for i in r["Instances"]}

    assert {found[i]["State"]["Name"] for i in stopped} == {"stopped"}
    assert found[windows[0]]["Platform"] == "windows"
    assert "Platform" not in found[stopped[0]]


def test_accounts_see_only_their_own_resources(aws, fleet):
    a_ids = fleet.ec2(A, "eu-west-1", 3)
    b_ids = fleet.ec2(B, "eu-west-1", 2)

    for account, ids in ((A, a_ids), (B, b_ids)):
        ec2 = aws.client("ec2", account, "eu-west-1")
        assert sorted(instance_ids([ec2.describe_instances()])) == sorted(ids)
        sts = aws.client("sts", account)
        assert sts.get_caller_identity()["Account"] == account
    assert aws.credentials(A) != aws.credentials(B)
    assert "FAKE" in aws.credentials(A)["aws_access_key_id"]


# -- faults ------------------------------------------------------------------------

# service -> (a cheap read call, protocol)
CALLS = {
    "ec2": (lambda c: c.describe_instances(), "ec2"),
    "rds": (lambda c: c.describe_db_instances(), "query"),
    "elasticache": (lambda c: c.describe_cache_clusters(), "query"),
    "sts": (lambda c: c.get_caller_identity(), "query"),
    "ecs": (lambda c: c.list_clusters(), "json"),
    "ssm": (lambda c: c.describe_instance_information(), "json"),
}
EXPECTED = {
    # kind -> protocol -> (code, status)
    "throttle": {"ec2": ("RequestLimitExceeded", 503), "query": ("Throttling", 400),
                 "json": ("ThrottlingException", 400)},
    "access_denied": {"ec2": ("UnauthorizedOperation", 403), "query": ("AccessDenied", 403),
                      "json": ("AccessDeniedException", 400)},
    "server_error": {p: ("InternalError", 500) for p in ("ec2", "query", "json")},
    "unavailable": {p: ("ServiceUnavailable", 503) for p in ("ec2", "query", "json")},
    "expired_token": {"ec2": ("RequestExpired", 400), "query": ("ExpiredToken", 403),
                      "json": ("ExpiredTokenException", 400)},
    "invalid_credentials": {"ec2": ("AuthFailure", 401), "query": ("InvalidClientTokenId", 403),
                            "json": ("UnrecognizedClientException", 400)},
}


@pytest.mark.parametrize("service", sorted(CALLS))
@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_fault_kind_raises_the_real_error_code(aws, kind, service):
    call, protocol = CALLS[service]
    aws.faults.add(kind, service=service)
    client = aws.client(service, A, "us-east-1", config=NO_RETRY)

    with pytest.raises(ClientError) as excinfo:
        call(client)

    code, status = EXPECTED[kind][protocol]
    error = excinfo.value.response
    assert error["Error"]["Code"] == code
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error["Error"]["Message"]
    assert aws.calls[-1].fault == kind and aws.calls[-1].status == status


def test_server_error_with_status_503_is_service_unavailable(aws):
    aws.faults.add("server_error", service="ec2", status=503)
    with pytest.raises(ClientError, match="ServiceUnavailable"):
        aws.client("ec2", A, config=NO_RETRY).describe_instances()


@pytest.mark.parametrize("service", ["ec2", "rds", "ssm"])
def test_botocore_retries_throttling_and_succeeds(aws, fleet, service):
    call, _ = CALLS[service]
    fault = aws.faults.add("throttle", service=service, every=2)
    client = aws.client(service, A, "us-east-1", config=STANDARD)

    first, second = call(client), call(client)  # the 2nd attempt is throttled, its retry is not

    assert first["ResponseMetadata"]["RetryAttempts"] == 0
    assert second["ResponseMetadata"]["RetryAttempts"] == 1
    assert fault.matched == 3 and fault.fired == 1
    assert [c.fault for c in aws.calls] == [None, "throttle", None]


def test_botocore_retries_5xx_but_not_access_denied(aws):
    aws.faults.add("server_error", service="ecs", first=1)
    ecs = aws.client("ecs", A, config=STANDARD)
    assert ecs.list_clusters()["ResponseMetadata"]["RetryAttempts"] == 1

    aws.faults.add("access_denied", service="rds")
    with pytest.raises(ClientError, match="AccessDenied"):
        aws.client("rds", A, config=STANDARD).describe_db_instances()
    assert len([c for c in aws.calls if c.service == "rds"]) == 1


def test_faults_match_account_region_service_and_operation(aws):
    aws.faults.add("access_denied", account=B, region="us-west-2", service="ec2",
                   operation="describe_instances")  # snake_case or PascalCase

    aws.client("ec2", A, "us-west-2", config=NO_RETRY).describe_instances()
    aws.client("ec2", B, "us-east-1", config=NO_RETRY).describe_instances()
    aws.client("ec2", B, "us-west-2", config=NO_RETRY).describe_regions()
    with pytest.raises(ClientError, match="UnauthorizedOperation"):
        aws.client("ec2", B, "us-west-2", config=NO_RETRY).describe_instances()


def test_first_n_then_never_again(aws):
    fault = aws.faults.add("unavailable", service="sts", first=2)
    sts = aws.client("sts", A, config=NO_RETRY)
    for _ in range(2):
        with pytest.raises(ClientError):
            sts.get_caller_identity()
    assert sts.get_caller_identity()["Account"] == A
    assert (fault.matched, fault.fired) == (3, 2)

    aws.faults.clear()
    assert not list(aws.faults)
    with pytest.raises(ValueError):
        aws.faults.add("throttle", every=2, first=1)
    with pytest.raises(ValueError):
        aws.faults.add("meltdown")


def test_latency_is_applied_only_where_it_matches(aws):
    aws.faults.add("latency", seconds=1.0, region="us-west-2", service="ec2")
    slow = aws.client("ec2", A, "us-west-2")
    fast = aws.client("ec2", A, "us-east-1")
    fast.describe_instances()  # warm the region's backend

    started = time.monotonic()
    slow.describe_instances()
    assert time.monotonic() - started >= 1.0
    started = time.monotonic()
    fast.describe_instances()
    assert time.monotonic() - started < 1.0
    assert aws.calls[-2].duration >= 1.0


def test_read_timeout_from_latency(aws):
    from botocore.exceptions import ReadTimeoutError

    aws.faults.add("latency", seconds=0.5, service="ecs")
    ecs = aws.client("ecs", A, config=Config(read_timeout=0.2,
                                             retries={"mode": "standard", "total_max_attempts": 1}))
    with pytest.raises(ReadTimeoutError):
        ecs.list_clusters()

    aws.reset()  # the proxy still sleeps on that call; when it ends it is not logged
    time.sleep(0.6)
    assert aws.calls == []


# -- SSM DescribeInstanceInformation ------------------------------------------------


def test_describe_instance_information_pages_and_reflects_settings(aws, fleet):
    linux = fleet.ec2(A, "us-east-1", 20, name="app-{i:02d}", per_reservation=20)
    windows = fleet.ec2(A, "us-east-1", 2, name="win-{i}", platform="windows")
    fleet.ec2(A, "us-east-1", 3, name="off-{i}", state="stopped")
    fleet.ec2(B, "us-east-1", 4, name="other-{i}")  # another account: never listed
    aws.ssm.set(linux[:3], managed=False)
    aws.ssm.set(linux[3:5], ping_status="ConnectionLost")
    aws.ssm.set(linux[5], agent_version="3.2.0.0", is_latest_version=False)
    ssm = aws.client("ssm", A, "us-east-1")

    default_page = ssm.describe_instance_information()
    assert len(default_page["InstanceInformationList"]) == 10 and default_page["NextToken"]

    pages = list(ssm.get_paginator("describe_instance_information")
                 .paginate(PaginationConfig={"PageSize": 5}))
    nodes = {n["InstanceId"]: n for p in pages for n in p["InstanceInformationList"]}
    assert len(pages) == 4 and "NextToken" not in pages[-1]
    assert set(nodes) == set(linux[3:] + windows)  # running, managed, this account only
    assert {nodes[i]["PingStatus"] for i in linux[3:5]} == {"ConnectionLost"}
    assert nodes[linux[6]]["PingStatus"] == "Online"
    assert nodes[linux[5]]["AgentVersion"] == "3.2.0.0"
    assert nodes[linux[5]]["IsLatestVersion"] is False
    assert {nodes[i]["PlatformType"] for i in windows} == {"Windows"}
    assert nodes[linux[6]]["PlatformType"] == "Linux"
    assert nodes[linux[6]]["ResourceType"] == "EC2Instance"
    assert nodes[linux[6]]["IPAddress"] and nodes[linux[6]]["ComputerName"]
    assert nodes[linux[3]]["LastPingDateTime"] < nodes[linux[6]]["LastPingDateTime"]

    by_id = ssm.describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": [linux[0], linux[6]]}])
    assert [n["InstanceId"] for n in by_id["InstanceInformationList"]] == [linux[6]]
    lost = ssm.describe_instance_information(
        InstanceInformationFilterList=[{"key": "PingStatus", "valueSet": ["ConnectionLost"]}])
    assert len(lost["InstanceInformationList"]) == 2
    tagged = ssm.describe_instance_information(Filters=[{"Key": "tag:Name", "Values": ["app-07"]}])
    assert [n["InstanceId"] for n in tagged["InstanceInformationList"]] == [linux[7]]


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"MaxResults": 51}, "ValidationException"),
        ({"NextToken": "not-a-token"}, "InvalidNextToken"),
        ({"Filters": [{"Key": "Colour", "Values": ["red"]}]}, "InvalidFilterKey"),
        ({"Filters": [{"Key": "InstanceIds", "Values": ["bogus"]}]}, "InvalidInstanceId"),
    ],
)
def test_describe_instance_information_rejects_bad_input(aws, kwargs, code):
    with pytest.raises(ClientError) as excinfo:
        aws.client("ssm", A, config=NO_RETRY).describe_instance_information(**kwargs)
    assert excinfo.value.response["Error"]["Code"] == code


FOUND, MISSING = "11111111-2222-3333-4444-555555555555", "99999999-2222-3333-4444-555555555555"


def test_local_handlers_are_a_plain_dict(aws):
    def list_command_invocations(req):
        if req.params.get("CommandId") == MISSING:
            raise AwsError("InvalidCommandId", "no such command")
        return {"CommandInvocations": [{"CommandId": req.params["CommandId"],
                                        "InstanceId": "i-0123456789abcdef0",
                                        "Status": "Success"}]}

    aws.local_handlers[("ssm", "ListCommandInvocations")] = list_command_invocations
    try:
        ssm = aws.client("ssm", A, config=NO_RETRY)
        out = ssm.list_command_invocations(CommandId=FOUND)
        assert out["CommandInvocations"][0]["Status"] == "Success"
        with pytest.raises(ClientError, match="InvalidCommandId"):
            ssm.list_command_invocations(CommandId=MISSING)
        assert aws.calls[-1].local
    finally:
        del aws.local_handlers[("ssm", "ListCommandInvocations")]


# -- call log and reset ---------------------------------------------------------------


def test_call_log_records_who_called_what(aws, fleet):
    fleet.ec2(A, "us-west-2", 1)  # seeding goes straight to moto: not logged
    assert aws.calls == []

    aws.client("ec2", A, "us-west-2").describe_instances()
    aws.client("rds", B, "eu-west-1").describe_db_instances()
    aws.client("ecs", B, "us-east-1").list_clusters()

    got = [(c.account, c.region, c.service, c.operation, c.status) for c in aws.calls]
    assert got == [
        (A, "us-west-2", "ec2", "DescribeInstances", 200),
        (B, "eu-west-1", "rds", "DescribeDBInstances", 200),
        (B, "us-east-1", "ecs", "ListClusters", 200),
    ]
    assert all(c.time > 0 and c.duration >= 0 and not c.local for c in aws.calls)


def test_reset_clears_everything_but_keys_stay_valid(aws, fleet):
    ids = fleet.ec2(A, "us-east-1", 2)
    aws.ssm.set(ids, managed=False)
    aws.faults.add("latency", seconds=5)
    keys = aws.credentials(A)

    aws.reset()

    assert list(aws.faults) == [] and aws.calls == []
    assert aws.ssm.get(ids[0])["managed"] is True
    assert aws.credentials(A) == keys
    assert aws.client("ec2", A).describe_instances()["Reservations"] == []
    assert aws.client("sts", A).get_caller_identity()["Account"] == A


# -- other services -----------------------------------------------------------------


def test_rds_elasticache_and_ecs_resources_are_listed_with_tags(aws, fleet):
    db = fleet.rds_instance(A, "us-east-1", "orders-db", engine="postgres", tags={"Team": "pay"})
    aurora = fleet.aurora_cluster(A, "us-east-1", "ledger", readers=2, tags={"Name": "ledger"})
    rg = fleet.elasticache_replication_group(A, "us-east-1", "sessions", tags={"Team": "web"})
    mc = fleet.elasticache_cluster(A, "us-east-1", "catalog-cache", tags={"Team": "search"})
    tasks = fleet.ecs_tasks(A, "us-east-1", "prod", "api", 3, containers=["app", "envoy"],
                            tags={"Service": "api"})
    fleet.ecs_tasks(A, "us-east-1", "prod", "worker", 1, exec_enabled=False)

    rds = aws.client("rds", A)
    dbs = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    assert set(dbs) == {"orders-db", "ledger-0", "ledger-1", "ledger-2"}
    assert dbs["orders-db"]["Endpoint"]["Port"] == 5432
    assert tags_of(rds.list_tags_for_resource(ResourceName=db["DBInstanceArn"])) == {"Team": "pay"}
    cluster = rds.describe_db_clusters()["DBClusters"][0]
    writers = {m["DBInstanceIdentifier"]: m["IsClusterWriter"] for m in cluster["DBClusterMembers"]}
    assert writers == {"ledger-0": True, "ledger-1": False, "ledger-2": False}
    assert aurora["writer"] == "ledger-0" and cluster["Endpoint"] and cluster["ReaderEndpoint"]
    assert tags_of(dbs["ledger-1"])["Name"] == "ledger-1"

    ec = aws.client("elasticache", A)
    groups = ec.describe_replication_groups()["ReplicationGroups"]
    assert [g["ReplicationGroupId"] for g in groups] == ["sessions"]
    clusters = {c["CacheClusterId"]: c for c in ec.describe_cache_clusters()["CacheClusters"]}
    assert clusters["catalog-cache"]["Engine"] == "memcached"
    assert "ReplicationGroupId" not in clusters["catalog-cache"]
    assert rg["MemberClusters"] == ["sessions-001", "sessions-002"]
    assert {clusters[m]["ReplicationGroupId"] for m in rg["MemberClusters"]} == {"sessions"}
    assert tags_of(ec.list_tags_for_resource(ResourceName=rg["ARN"])) == {"Team": "web"}
    assert tags_of(ec.list_tags_for_resource(ResourceName=mc["ARN"])) == {"Team": "search"}

    ecs = aws.client("ecs", A)
    assert ecs.list_clusters()["clusterArns"][0].endswith(":cluster/prod")
    arns = ecs.list_tasks(cluster="prod")["taskArns"]
    assert set(tasks) < set(arns) and len(arns) == 4
    for _ in range(2):  # moto would otherwise step tasks towards STOPPED on every describe
        described = ecs.describe_tasks(cluster="prod", tasks=arns, include=["TAGS"])["tasks"]
        assert {t["lastStatus"] for t in described} == {"RUNNING"}
    api = [t for t in described if t["group"] == "service:api"]
    assert len(api) == 3
    task = api[0]
    assert task["enableExecuteCommand"] is True and task["launchType"] == "FARGATE"
    assert {"key": "Service", "value": "api"} in task["tags"]
    assert [c["name"] for c in task["containers"]] == ["app", "envoy"]
    container = task["containers"][0]
    assert container["runtimeId"].startswith(task["taskArn"].rsplit("/", 1)[1])
    assert container["managedAgents"][0]["name"] == "ExecuteCommandAgent"
    assert container["lastStatus"] == "RUNNING"
    worker = next(t for t in described if t["group"] == "service:worker")
    assert worker["enableExecuteCommand"] is False
    assert "managedAgents" not in worker["containers"][0]


def test_organizations_and_assume_role(aws, fleet):
    members = fleet.organization(DEFAULT_ACCOUNT, ["dev", "prod"])
    org = aws.client("organizations", DEFAULT_ACCOUNT)
    listed = {a["Name"]: a["Id"] for a in org.list_accounts()["Accounts"]}
    assert listed["dev"] == members["dev"] and listed["prod"] == members["prod"]

    fleet.ec2(members["prod"], "us-east-1", 2)
    role = f"arn:aws:iam::{members['prod']}:role/OrganizationAccountAccessRole"
    creds = aws.client("sts", DEFAULT_ACCOUNT).assume_role(
        RoleArn=role, RoleSessionName="fuzzyaws")["Credentials"]
    import boto3

    session = boto3.Session(aws_access_key_id=creds["AccessKeyId"],
                            aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"], region_name="us-east-1")
    ec2 = session.client("ec2", endpoint_url=aws.endpoint)
    assert len(instance_ids([ec2.describe_instances()])) == 2
    assert aws.calls[-1].account == members["prod"]


# -- subprocess environment ---------------------------------------------------------

PROBE = """
import json, boto3
s = boto3.Session(profile_name={profile!r})
print(json.dumps([s.client("sts").get_caller_identity()["Account"],
                  s.region_name,
                  len(s.client("ec2").describe_instances()["Reservations"])]))
"""


def run_probe(env, profile=None):
    out = subprocess.run([sys.executable, "-c", PROBE.format(profile=profile)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_env_points_a_subprocess_at_the_fake(aws, fleet, tmp_path):
    fleet.ec2(B, "eu-west-1", 3, per_reservation=3)
    env = aws.env(B, "eu-west-1", base=os.environ)

    assert env["AWS_ENDPOINT_URL"] == aws.endpoint
    assert os.path.exists(env["AWS_CONFIG_FILE"])
    assert os.path.exists(env["AWS_SHARED_CREDENTIALS_FILE"])
    assert run_probe(env) == [B, "eu-west-1", 1]

    files = aws.write_aws_config(tmp_path, {
        "alpha": A,
        "beta": {"account": B, "region": "eu-west-1"},
        "beta-admin": {"role_arn": f"arn:aws:iam::{B}:role/Admin", "source_profile": "alpha",
                       "region": "eu-west-1"},
    })
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    assert run_probe({**clean, **files}, "beta") == [B, "eu-west-1", 1]
    assert run_probe({**clean, **files}, "alpha") == [A, "us-east-1", 0]
    assert run_probe({**clean, **files}, "beta-admin") == [B, "eu-west-1", 1]


# -- the demo fleet -------------------------------------------------------------------


def test_demo_fleet_has_the_promised_shape(aws, fleet):
    summary = fleet.demo(seed=0)

    instances = {}
    for account in summary["accounts"]:
        for region in summary["regions"]:
            ec2 = aws.client("ec2", account, region)
            pages = ec2.get_paginator("describe_instances").paginate()
            for p in pages:
                for r in p["Reservations"]:
                    for i in r["Instances"]:
                        instances[i["InstanceId"]] = (account, region, i)
    assert len(instances) >= 150
    assert {(a, r) for a, r, _ in instances.values()} == {
        (a, r) for a in summary["accounts"] for r in summary["regions"]}
    tags = {iid: tags_of(i) for iid, (_, _, i) in instances.items()}
    assert all({"Name", "Environment", "Role", "Team", "Service"} <= set(t) for t in tags.values())
    assert {t["Environment"] for t in tags.values()} == {"prod", "staging", "dev"}
    assert {"web", "api", "worker", "bastion", "jumphost"} <= {t["Role"] for t in tags.values()}
    assert sum(t["Role"] == "jumphost" for t in tags.values()) >= 2
    states = [i["State"]["Name"] for _, _, i in instances.values()]
    assert 0 < states.count("stopped") < 30
    assert 1 < sum(i.get("Platform") == "windows" for _, _, i in instances.values()) < 10
    assert any("\n" in t.get("Notes", "") for t in tags.values())

    nodes = {}
    for account in summary["accounts"]:
        for region in summary["regions"]:
            ssm = aws.client("ssm", account, region)
            for p in ssm.get_paginator("describe_instance_information").paginate():
                nodes.update({n["InstanceId"]: n for n in p["InstanceInformationList"]})
    assert not set(summary["ssm_unmanaged"]) & set(nodes)
    assert {nodes[i]["PingStatus"] for i in summary["ssm_connection_lost"]} == {"ConnectionLost"}

    rds = aws.client("rds", "111111111111", "us-east-1")
    engines = {d["Engine"] for d in rds.describe_db_instances()["DBInstances"]}
    assert {"postgres", "aurora-postgresql"} <= engines
    assert rds.describe_db_clusters()["DBClusters"]
    assert aws.client("elasticache", "111111111111", "us-east-1") \
        .describe_replication_groups()["ReplicationGroups"]
    memcached = aws.client("elasticache", "111111111111", "eu-west-1").describe_cache_clusters()
    assert memcached["CacheClusters"][0]["Engine"] == "memcached"
    ecs = aws.client("ecs", "111111111111", "us-east-1")
    assert len(ecs.list_tasks(cluster="prod")["taskArns"]) == 5
    assert len(summary["ecs"]) == 9



def test_demo_fleet_is_deterministic_for_a_seed(aws, fleet):
    def shape(summary):
        names = []
        for (account, region), ids in sorted(summary["ec2"].items()):
            ec2 = aws.client("ec2", account, region)
            for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]:
                names += [(account, region, tags_of(i)["Name"], i["State"]["Name"])
                          for i in r["Instances"]]
        return sorted(names)

    first = shape(fleet.demo(seed=7))
    aws.reset()
    from fuzzyaws.fakeaws import Fleet

    assert shape(Fleet(aws).demo(seed=7)) == first


# -- the package's own structure ----------------------------------------------------------
#
# The import graph counts every import statement, wherever it is: at the top, inside a
# function, or under `if TYPE_CHECKING:`, since each of those ties two modules together.
# `from pkg import name` is an edge to the submodule pkg.name when there is one, else to
# pkg; the import of a parent package that Python does implicitly is not an edge.


def package_modules(root: Path, package: str) -> dict[str, Path]:
    """{dotted module name: file} for every module of the package under root."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join((package, *parts))] = path
    return modules


def imported_names(module: str, path: Path) -> list[tuple[str, str | None]]:
    """(module or package, name imported from it or None) of each import in a file."""
    out: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = module if path.name == "__init__.py" else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            if node.level == 0:
                base = node.module or ""
            elif node.module:
                base = f"{base}.{node.module}"
            out += [(base, alias.name) for alias in node.names]
    return out


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """module -> the package's modules it imports."""
    modules = package_modules(root, package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for module, path in modules.items():
        for base, name in imported_names(module, path):
            target = f"{base}.{name}" if f"{base}.{name}" in modules else base
            if target in modules:
                graph[module].add(target)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components (Tarjan) that are cycles, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = stack[stack.index(module):]
            del stack[stack.index(module):]
            if len(component) > 1 or module in graph[module]:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(cycles)


def private_imports(root: Path, package: str) -> list[tuple[str, str, str]]:
    """(importer, module, name) of every `from module import _name` across modules."""
    modules = package_modules(root, package)
    return [
        (module, base, name)
        for module, path in modules.items()
        for base, name in imported_names(module, path)
        if name and name.startswith("_") and base in modules and f"{base}.{name}" not in modules
    ]


FAKEAWS_ROOT = Path(fuzzyaws.fakeaws.__file__).parent


def test_fakeaws_modules_import_one_another_without_cycles():
    graph = import_graph(FAKEAWS_ROOT, "fuzzyaws.fakeaws")

    # the graph sees top-level, TYPE_CHECKING and subpackage imports
    assert "fuzzyaws.fakeaws.proxy" in graph["fuzzyaws.fakeaws.server"]
    assert "fuzzyaws.fakeaws.server" in graph["fuzzyaws.fakeaws.fleet"]
    assert "fuzzyaws.fakeaws.local" in graph["fuzzyaws.fakeaws.runcommand.send"]
    assert import_cycles(graph) == []


def test_fakeaws_modules_import_no_private_names():
    assert private_imports(FAKEAWS_ROOT, "fuzzyaws.fakeaws") == []


def test_the_structure_checks_catch_what_they_look_for(tmp_path):
    files = {
        "__init__.py": "from .a import A\n",
        "a.py": "from .b import B\nA = 1\n",
        "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import A\n",
        "c.py": "def later():\n    from . import d\n",
        "d.py": "from .c import _helper\n",
        "e.py": "from . import a\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)

    assert import_cycles(import_graph(tmp_path, "pkg")) == [
        ["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"]]
    assert private_imports(tmp_path, "pkg") == [("pkg.d", "pkg.c", "_helper")]

