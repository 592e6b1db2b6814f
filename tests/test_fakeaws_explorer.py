"""The fake's Resource Explorer (resource-explorer-2), exercised the way the product
uses it: real boto3 clients, and the AWS CLI, over HTTP against the proxy."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import time
import zipfile

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from fuzzyaws.fakeaws.rest_routes import operation_of

A, B = "111111111111", "222222222222"
EAST, WEST, EU = "us-east-1", "us-west-2", "eu-west-1"
NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})
SERVICE = "resource-explorer-2"


def explorer(aws, account=A, region=EAST):
    return aws.client(SERVICE, account, region, config=NO_RETRY)


def error_of(excinfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def name_of(arn: str) -> str:
    """The last part of an ARN: a queue's or table's name, an instance's id."""
    return arn.replace(":", "/").rsplit("/", 1)[-1]


def search_all(client, query: str = "", **kwargs) -> list[dict]:
    pages = client.get_paginator("search").paginate(QueryString=query, **kwargs)
    return [r for page in pages for r in page["Resources"]]


def names(client, query: str = "") -> set[str]:
    return {name_of(r["Arn"]) for r in search_all(client, query)}


def tags_of(resource: dict) -> dict[str, str]:
    [tags] = [p["Data"] for p in resource["Properties"] if p["Name"] == "tags"] or [[]]
    return {t["Key"]: t["Value"] for t in tags}


@pytest.fixture
def unthrottled(aws):
    """For tests that page a lot: no Search rate limit (the reset puts it back)."""
    aws.state.explorer.searches_per_second = None


def queues(aws, account, region, *names_, tags=None):
    sqs = aws.client("sqs", account, region, direct=True)
    for name in names_:
        sqs.create_queue(QueueName=name, tags=tags or {})


# -- the protocol ---------------------------------------------------------------------


def test_requests_are_identified_from_method_and_path(aws):
    arn = "arn%3Aaws%3Aresource-explorer-2%3Aus-east-1%3A111111111111%3Aview%2Fv%2F1"
    assert operation_of(SERVICE, "POST", "/Search") == "Search"
    assert operation_of(SERVICE, "GET", f"/tags/{arn}") == "ListTagsForResource"
    assert operation_of(SERVICE, "POST", f"/tags/{arn}") == "TagResource"
    assert operation_of(SERVICE, "DELETE", f"/tags/{arn}?tagKeys=a") == "UntagResource"
    assert operation_of(SERVICE, "GET", "/Search") is None

    client = explorer(aws)
    client.get_default_view()
    client.list_indexes(MaxResults=5)

    got = [(c.account, c.region, c.service, c.operation, c.method, c.path, c.local, c.status)
           for c in aws.calls]
    assert got == [
        (A, EAST, SERVICE, "GetDefaultView", "POST", "/GetDefaultView", True, 200),
        (A, EAST, SERVICE, "ListIndexes", "POST", "/ListIndexes", True, 200),
    ]


def test_injected_faults_answer_in_the_rest_json_shape(aws, fleet):
    fleet.resource_explorer(A)
    client = explorer(aws)
    aws.faults.add("throttle", service=SERVICE, operation="search")
    with pytest.raises(ClientError) as excinfo:
        client.search(QueryString="")
    assert error_of(excinfo) == ("ThrottlingException", 429)
    assert client.get_index()["Type"] == "AGGREGATOR"  # the fault matches Search only

    aws.faults.clear()
    aws.faults.add("access_denied", service=SERVICE)
    with pytest.raises(ClientError) as excinfo:
        client.get_index()
    assert error_of(excinfo) == ("AccessDeniedException", 403)
    assert "resource-explorer-2:GetIndex" in excinfo.value.response["Error"]["Message"]


# -- setup states: no index, local indexes, an aggregator -----------------------------


def test_without_an_index_get_index_is_not_found_and_search_unauthorized(aws):
    client = explorer(aws)

    with pytest.raises(ClientError) as excinfo:
        client.get_index()
    assert error_of(excinfo) == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as excinfo:
        client.search(QueryString="")
    assert error_of(excinfo) == ("UnauthorizedException", 401)
    assert "ViewArn" not in client.get_default_view()
    assert client.list_indexes()["Indexes"] == []
    assert client.list_views()["Views"] == []


def test_an_index_and_views_made_through_the_api(aws):
    queues(aws, A, EAST, "orders", tags={"Team": "pay"})
    client = explorer(aws)

    created = client.create_index()
    assert created["State"] == "CREATING" and created["CreatedAt"]
    index = client.get_index()
    assert (index["Arn"], index["Type"], index["State"]) == (created["Arn"], "LOCAL", "ACTIVE")
    assert index["ReplicatingTo"] == []
    with pytest.raises(ClientError) as excinfo:
        client.create_index()
    assert error_of(excinfo) == ("ConflictException", 409)

    with pytest.raises(ClientError) as excinfo:  # an index, but no default view yet
        client.search(QueryString="")
    assert error_of(excinfo) == ("UnauthorizedException", 401)

    view = client.create_view(ViewName="sqs-only", Filters={"FilterString": "service:sqs"},
                              IncludedProperties=[{"Name": "tags"}])["View"]
    assert view["ViewArn"].startswith(f"arn:aws:resource-explorer-2:{EAST}:{A}:view/sqs-only/")
    found = client.search(QueryString="", ViewArn=view["ViewArn"])
    assert [name_of(r["Arn"]) for r in found["Resources"]] == ["orders"]
    assert found["ViewArn"] == view["ViewArn"]

    assert client.associate_default_view(ViewArn=view["ViewArn"])["ViewArn"] == view["ViewArn"]
    assert client.get_default_view()["ViewArn"] == view["ViewArn"]
    assert client.search(QueryString="")["ViewArn"] == view["ViewArn"]
    got = client.get_view(ViewArn=view["ViewArn"])["View"]
    assert got["Filters"] == {"FilterString": "service:sqs"}
    assert got["IncludedProperties"] == [{"Name": "tags"}]
    assert got["Owner"] == A and got["Scope"] == f"arn:aws:iam::{A}:root"
    assert client.list_views()["Views"] == [view["ViewArn"]]

    with pytest.raises(ClientError) as excinfo:
        client.create_view(ViewName="sqs-only")
    assert error_of(excinfo) == ("ConflictException", 409)
    with pytest.raises(ClientError) as excinfo:  # a view is usable only in its own Region
        explorer(aws, A, WEST).search(QueryString="", ViewArn=view["ViewArn"])
    assert error_of(excinfo) == ("UnauthorizedException", 401)

    client.disassociate_default_view()
    assert "ViewArn" not in client.get_default_view()
    with pytest.raises(ClientError) as excinfo:
        client.search(QueryString="")
    assert error_of(excinfo) == ("UnauthorizedException", 401)


def test_one_aggregator_per_account(aws):
    east, west = explorer(aws, A, EAST), explorer(aws, A, WEST)
    east_arn, west_arn = east.create_index()["Arn"], west.create_index()["Arn"]

    updated = east.update_index_type(Arn=east_arn, Type="AGGREGATOR")
    assert (updated["Type"], updated["State"]) == ("AGGREGATOR", "UPDATING")
    with pytest.raises(ClientError) as excinfo:
        west.update_index_type(Arn=west_arn, Type="AGGREGATOR")
    assert error_of(excinfo) == ("ConflictException", 409)
    with pytest.raises(ClientError) as excinfo:  # the index of another Region
        west.update_index_type(Arn=east_arn, Type="LOCAL")
    assert error_of(excinfo) == ("ResourceNotFoundException", 404)

    assert east.get_index()["ReplicatingFrom"] == [WEST]
    assert west.get_index()["ReplicatingTo"] == [EAST]
    aggregators = west.list_indexes(Type="AGGREGATOR")["Indexes"]
    assert aggregators == [{"Region": EAST, "Arn": east_arn, "Type": "AGGREGATOR"}]
    assert [i["Region"] for i in west.list_indexes(Regions=[WEST])["Indexes"]] == [WEST]
    first = west.list_indexes(MaxResults=1)
    rest = west.list_indexes(MaxResults=1, NextToken=first["NextToken"])
    assert [i["Region"] for i in first["Indexes"] + rest["Indexes"]] == [EAST, WEST]
    assert "NextToken" not in rest

    east.update_index_type(Arn=east_arn, Type="LOCAL")  # demote, then promote another
    assert west.update_index_type(Arn=west_arn, Type="AGGREGATOR")["Type"] == "AGGREGATOR"
    assert explorer(aws, B, EAST).list_indexes()["Indexes"] == []  # another account's own


def test_delete_index_deletes_the_regions_views(aws, fleet):
    setup = fleet.resource_explorer(A, local=[WEST])
    client = explorer(aws)

    deleted = client.delete_index(Arn=setup["indexes"][EAST])
    assert deleted["State"] == "DELETING"
    with pytest.raises(ClientError) as excinfo:
        client.get_index()
    assert error_of(excinfo) == ("ResourceNotFoundException", 404)
    assert client.list_views()["Views"] == []
    assert "ViewArn" not in client.get_default_view()
    with pytest.raises(ClientError) as excinfo:
        client.get_view(ViewArn=setup["default_views"][EAST])
    assert error_of(excinfo) == ("UnauthorizedException", 401)
    assert [i["Region"] for i in client.list_indexes()["Indexes"]] == [WEST]


@pytest.mark.parametrize("kwargs", [
    {"ViewName": "no spaces"},
    {"ViewName": "x" * 65},
    {"ViewName": "free-text", "Filters": {"FilterString": "service:ec2 web"}},
    {"ViewName": "bad-property", "IncludedProperties": [{"Name": "colour"}]},
])
def test_create_view_rejects_what_the_service_rejects(aws, fleet, kwargs):
    fleet.resource_explorer(A)
    with pytest.raises(ClientError) as excinfo:
        explorer(aws).create_view(**kwargs)
    assert error_of(excinfo) == ("ValidationException", 400)


def test_aggregator_searches_every_indexed_region_a_local_index_its_own(aws, fleet):
    for region in (EAST, WEST, EU):
        queues(aws, A, region, f"jobs-{region}")
    queues(aws, B, EAST, "jobs-of-b")
    fleet.resource_explorer(A, aggregator=EAST, local=[WEST], default_views=[EAST, WEST])
    east, west = explorer(aws, A, EAST), explorer(aws, A, WEST)

    assert names(east, "service:sqs") == {f"jobs-{EAST}", f"jobs-{WEST}"}  # EU: no index
    assert names(west, "service:sqs") == {f"jobs-{WEST}"}
    with pytest.raises(ClientError) as excinfo:  # B has no index at all
        explorer(aws, B, EAST).search(QueryString="")
    assert error_of(excinfo) == ("UnauthorizedException", 401)

    explorer(aws, A, EU).create_index()  # a new local index replicates to the aggregator
    assert names(east, "service:sqs") == {f"jobs-{r}" for r in (EAST, WEST, EU)}

    east.update_index_type(Arn=east.get_index()["Arn"], Type="LOCAL")  # local indexes only
    assert names(east, "service:sqs") == {f"jobs-{EAST}"}


# -- what is indexed ----------------------------------------------------------------------

TAG = {"Suite": "every-service"}
TAG_LIST = [{"Key": "Suite", "Value": "every-service"}]
TAGGED_TYPES = {
    "ec2:instance", "s3:bucket", "lambda:function", "sqs:queue", "sns:topic",
    "dynamodb:table", "kms:key", "secretsmanager:secret", "states:stateMachine",
    "kinesis:stream", "ecr:repository", "logs:log-group", "rds:db", "rds:cluster",
    "ecs:cluster", "ecs:service", "ecs:task", "elasticloadbalancing:loadbalancer/app",
    "ssm:parameter",
}
# the default VPC's, a root volume, and IAM's (whose tags Resource Explorer doesn't index)
UNTAGGED_TYPES = {"ec2:vpc", "ec2:subnet", "ec2:security-group", "ec2:volume", "iam:role"}


def seed_every_service(aws, fleet, region):
    """One tagged resource of each service the fake indexes, and an IAM role."""
    def client(service):
        return aws.client(service, A, region, direct=True)

    role = client("iam").create_role(RoleName="app", AssumeRolePolicyDocument="{}",
                                     Tags=TAG_LIST)["Role"]["Arn"]
    fleet.ec2(A, region, 1, tags=TAG)
    client("s3").create_bucket(Bucket="every-service-bucket")
    client("s3").put_bucket_tagging(Bucket="every-service-bucket",
                                    Tagging={"TagSet": TAG_LIST})
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    client("lambda").create_function(FunctionName="app", Runtime="python3.11", Role=role,
                                     Handler="app.handler", Code={"ZipFile": code.getvalue()},
                                     Tags=TAG)
    client("sqs").create_queue(QueueName="app", tags=TAG)
    client("sns").create_topic(Name="app", Tags=TAG_LIST)
    client("dynamodb").create_table(
        TableName="app", BillingMode="PAY_PER_REQUEST", Tags=TAG_LIST,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    client("kms").create_key(Tags=[{"TagKey": "Suite", "TagValue": "every-service"}])
    client("secretsmanager").create_secret(Name="app", SecretString="fake", Tags=TAG_LIST)
    client("stepfunctions").create_state_machine(
        name="app", roleArn=role, tags=[{"key": "Suite", "value": "every-service"}],
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}))
    client("kinesis").create_stream(StreamName="app", ShardCount=1)
    client("kinesis").add_tags_to_stream(StreamName="app", Tags=TAG)
    client("ecr").create_repository(repositoryName="app", tags=TAG_LIST)
    client("logs").create_log_group(logGroupName="/app", tags=TAG)
    client("ssm").put_parameter(Name="/app/url", Value="https://app.invalid", Type="String",
                                Tags=TAG_LIST)
    fleet.rds_instance(A, region, "app-db", tags=TAG)
    client("rds").create_db_cluster(DBClusterIdentifier="app-cluster", Engine="aurora-postgresql",
                                    MasterUsername="fakeadmin", Tags=TAG_LIST,
                                    MasterUserPassword="fake-password-not-real")
    fleet.ecs_tasks(A, region, "app", "web", 1, tags=TAG)
    subnets = [s["SubnetId"] for s in fleet.default_subnets(A, region)[:2]]
    client("elbv2").create_load_balancer(Name="app", Subnets=subnets, Tags=TAG_LIST)


def test_every_service_is_indexed_tagged_or_not(aws, fleet, unthrottled):
    seed_every_service(aws, fleet, EAST)
    eu_s3 = aws.client("s3", A, EU, direct=True)
    eu_s3.create_bucket(Bucket="bucket-in-eu", CreateBucketConfiguration={
        "LocationConstraint": EU})
    fleet.resource_explorer(A, local=[EU])
    client = explorer(aws)

    everything = search_all(client)
    assert {r["ResourceType"] for r in everything} == TAGGED_TYPES | UNTAGGED_TYPES
    for resource in everything:
        assert resource["OwningAccountId"] == A
        assert resource["Service"] == resource["ResourceType"].split(":")[0]
        assert resource["LastReportedAt"]
    regions = {name_of(r["Arn"]): r["Region"] for r in everything}
    assert regions["bucket-in-eu"] == EU  # S3 is one namespace; a bucket has its Region
    assert regions["every-service-bucket"] == EAST
    [role] = [r for r in everything if r["ResourceType"] == "iam:role"]
    assert (role["Region"], role["Arn"], role["Properties"]) == (
        "global", f"arn:aws:iam::{A}:role/app", [])

    tagged = search_all(client, "tag:Suite=every-service")
    assert {r["ResourceType"] for r in tagged} == TAGGED_TYPES
    assert all(tags_of(r)["Suite"] == "every-service" for r in tagged)
    untagged = {r["ResourceType"] for r in search_all(client, "tag:none")}
    assert untagged == UNTAGGED_TYPES | {"s3:bucket"}  # the EU bucket has no tags

    by_type = {r["ResourceType"]: r["Arn"] for r in tagged}
    assert by_type["states:stateMachine"] == f"arn:aws:states:{EAST}:{A}:stateMachine:app"
    assert by_type["logs:log-group"] == f"arn:aws:logs:{EAST}:{A}:log-group:/app"
    assert by_type["ssm:parameter"] == f"arn:aws:ssm:{EAST}:{A}:parameter/app/url"
    assert by_type["rds:db"] == f"arn:aws:rds:{EAST}:{A}:db:app-db"


def test_tags_come_back_as_a_property_when_the_view_includes_them(aws, fleet):
    queues(aws, A, EAST, "orders", tags={"Team": "pay", "Env": "prod"})
    queues(aws, A, EAST, "scratch")
    fleet.resource_explorer(A)  # quick setup's view includes tags
    client = explorer(aws)

    found = {name_of(r["Arn"]): r for r in client.search(QueryString="service:sqs")["Resources"]}
    [tags] = found["orders"]["Properties"]
    assert tags["Name"] == "tags" and tags["LastReportedAt"]
    assert sorted(tags["Data"], key=lambda t: t["Key"]) == [
        {"Key": "Env", "Value": "prod"}, {"Key": "Team", "Value": "pay"}]
    assert found["scratch"]["Properties"] == []

    bare = client.create_view(ViewName="no-properties")["View"]["ViewArn"]
    plain = client.search(QueryString="orders", ViewArn=bare)["Resources"]
    assert [(name_of(r["Arn"]), r["Properties"]) for r in plain] == [("orders", [])]
    # the filter works on tags even when the view doesn't return them
    assert len(client.search(QueryString="tag:Team=pay", ViewArn=bare)["Resources"]) == 1


# -- the query syntax -------------------------------------------------------------------


@pytest.fixture
def small_fleet(aws, fleet, unthrottled):
    """In us-east-1: an instance (web), queues orders / scratch, topic alerts; in
    us-west-2: queue reports, table ledger. Aggregator in us-east-1."""
    [instance] = fleet.ec2(A, EAST, 1, name="web", tags={"Team": "web", "Env": "prod"})
    queues(aws, A, EAST, "orders", tags={"Team": "pay"})
    queues(aws, A, EAST, "scratch")
    aws.client("sns", A, EAST, direct=True).create_topic(
        Name="alerts", Tags=[{"Key": "Env", "Value": "Prod"}])
    queues(aws, A, WEST, "reports", tags={"Team": "web"})
    aws.client("dynamodb", A, WEST, direct=True).create_table(
        TableName="ledger", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    fleet.resource_explorer(A, local=[WEST])
    return instance


@pytest.mark.parametrize("query, expected", [
    ("region:us-west-2", {"reports", "ledger"}),
    ("service:sqs", {"orders", "scratch", "reports"}),
    ("resourcetype:dynamodb:table", {"ledger"}),
    ("resourcetype:ec2:instance", {"web"}),
    ("tag:Team=web", {"web", "reports"}),
    ("tag.key:Env", {"web", "alerts"}),
    ("tag:Env=prod", {"web", "alerts"}),  # values match case-insensitively
    ("tag.value:pay", {"orders"}),
    ("service:sqs -tag:Team=pay", {"scratch", "reports"}),
    ("service:sqs tag:none", {"scratch"}),
    ("region:us-* service:sqs", {"orders", "scratch", "reports"}),
    ("-service:ec2 region:us-east-1", {"orders", "scratch", "alerts"}),
    ("orders reports", {"orders", "reports"}),  # keywords are ORed
    ("service:sqs orders", {"orders"}),  # ... and ANDed with the filters
    ("SERVICE:SQS Tag:team=PAY", {"orders"}),
    ("service:sqs -orders", {"scratch", "reports"}),
    ("service:sqs region:us-west-2", {"reports"}),
])
def test_query_filters(aws, small_fleet, query, expected):
    found = names(explorer(aws), query)
    assert {"web" if n == small_fleet else n for n in found} == expected


def test_a_views_filter_is_anded_with_the_query(aws, small_fleet):
    client = explorer(aws)
    view = client.create_view(ViewName="prod", Filters={"FilterString": "tag:Env=prod"})
    arn = view["View"]["ViewArn"]

    assert {name_of(r["Arn"]) for r in search_all(client, "service:sns", ViewArn=arn)} == {
        "alerts"}
    assert search_all(client, "service:sqs", ViewArn=arn) == []


# -- paging and the 1,000 cap ---------------------------------------------------------------


def test_search_pages_with_a_token_bound_to_its_query(aws, fleet, unthrottled):
    queues(aws, A, EAST, *[f"job-{i:02d}" for i in range(10)])
    fleet.resource_explorer(A)
    client = explorer(aws)

    pages = list(client.get_paginator("search").paginate(
        QueryString="service:sqs", PaginationConfig={"PageSize": 3}))
    assert [len(p["Resources"]) for p in pages] == [3, 3, 3, 1]
    assert all(p["Count"] == {"TotalResources": 10, "Complete": True} for p in pages)
    assert all(p["ViewArn"] for p in pages) and "NextToken" not in pages[-1]
    assert len({r["Arn"] for p in pages for r in p["Resources"]}) == 10

    token = client.search(QueryString="service:sqs", MaxResults=3)["NextToken"]
    for kwargs in ({"QueryString": "job", "NextToken": token},
                   {"QueryString": "service:sqs", "NextToken": "not-a-token"},
                   {"QueryString": "", "MaxResults": 1001}):
        with pytest.raises(ClientError) as excinfo:
            client.search(**kwargs)
        assert error_of(excinfo) == ("ValidationException", 400)


def add_queues(account, region, names_):
    """Straight into moto's backend: 1,100 CreateQueue calls over HTTP take ~4 s."""
    from moto.sqs.models import sqs_backends

    backend = sqs_backends[account][region]
    for name in names_:
        backend.create_queue(name)


def test_a_query_never_returns_more_than_1000_resources(aws, fleet, unthrottled):
    add_queues(A, EAST, [f"alpha-{i:04d}" for i in range(600)])
    add_queues(A, EAST, [f"beta-{i:04d}" for i in range(500)])
    add_queues(A, WEST, [f"gamma-{i:02d}" for i in range(30)])
    fleet.resource_explorer(A, local=[WEST])
    client = explorer(aws)

    capped = {"TotalResources": 1000, "Complete": False}
    first = client.search(QueryString="", MaxResults=1000)
    assert first["Count"] == capped
    assert len(first["Resources"]) == 1000 and "NextToken" not in first
    pages = list(client.get_paginator("search").paginate(
        QueryString="service:sqs", PaginationConfig={"PageSize": 300}))
    assert [len(p["Resources"]) for p in pages] == [300, 300, 300, 100]
    assert all(p["Count"] == capped for p in pages)
    assert len({r["Arn"] for p in pages for r in p["Resources"]}) == 1000
    assert client.search(QueryString="region:us-east-1", MaxResults=5)["Count"] == capped

    # split the query until each part is complete: then the parts add up to everything
    seen: set[str] = set()
    for query, total in (("region:us-east-1 alpha", 600), ("region:us-east-1 beta", 500),
                         ("region:us-west-2", 30)):
        found = search_all(client, query, PaginationConfig={"PageSize": 1000})
        count = client.search(QueryString=query, MaxResults=1)["Count"]
        assert count == {"TotalResources": total, "Complete": True}
        assert len(found) == total
        seen |= {r["Arn"] for r in found}
    assert len(seen) == 1130


# -- throttling -------------------------------------------------------------------------


def test_search_is_throttled_at_5_per_second_per_region(aws, fleet):
    fleet.resource_explorer(A, local=[WEST], default_views=[EAST, WEST])
    east, west = explorer(aws, A, EAST), explorer(aws, A, WEST)

    started = time.monotonic()
    for _ in range(5):
        east.search(QueryString="")
    with pytest.raises(ClientError) as excinfo:
        east.search(QueryString="")
    assert time.monotonic() - started < 1, "too slow to test a per-second limit"
    assert error_of(excinfo) == ("ThrottlingException", 429)
    assert aws.calls[-1].status == 429 and aws.calls[-1].local
    west.search(QueryString="")  # every Region has its own budget
    east.get_index()  # and only Search counts

    time.sleep(1.0)
    east.search(QueryString="")


def test_the_search_rate_is_configurable_and_can_be_off(aws, fleet):
    fleet.resource_explorer(A)
    client = explorer(aws)

    aws.state.explorer.searches_per_second = 2
    client.search(QueryString="")
    client.search(QueryString="")
    with pytest.raises(ClientError) as excinfo:
        client.search(QueryString="")
    assert error_of(excinfo) == ("ThrottlingException", 429)

    aws.state.explorer.searches_per_second = None
    for _ in range(12):
        client.search(QueryString="")


# -- the AWS CLI: proof of the wire format --------------------------------------------------


@pytest.fixture
def aws_cli():
    path = shutil.which("aws")
    assert path, "the AWS CLI (pip install awscli, a test dependency) is not installed"
    return path


def test_aws_cli_reads_search_results_and_errors(aws, fleet, aws_cli):
    queues(aws, A, EAST, "orders", tags={"Team": "pay"})
    queues(aws, A, EAST, "scratch")
    fleet.resource_explorer(A)
    env = aws.env(A, EAST, base=os.environ)

    def cli(*args):
        return subprocess.run(
            [aws_cli, "resource-explorer-2", *args, "--endpoint-url", aws.endpoint,
             "--output", "json"], env=env, capture_output=True, text=True, timeout=60)

    done = cli("search", "--query-string", "tag:Team=pay")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    [resource] = out["Resources"]
    assert resource["Arn"] == f"arn:aws:sqs:{EAST}:{A}:orders"
    assert (resource["ResourceType"], resource["Service"], resource["Region"]) == (
        "sqs:queue", "sqs", EAST)
    assert resource["Properties"][0]["Data"] == [{"Key": "Team", "Value": "pay"}]
    assert resource["LastReportedAt"].endswith("Z")  # the ISO 8601 string as sent
    assert out["Count"] == {"TotalResources": 1, "Complete": True}
    assert (aws.calls[-1].service, aws.calls[-1].operation) == (SERVICE, "Search")

    failed = cli("get-index", "--region", WEST)
    assert failed.returncode != 0
    assert "ResourceNotFoundException" in failed.stderr
