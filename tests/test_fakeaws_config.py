"""The fake's AWS Config SelectAggregateResourceConfig, exercised with real boto3 clients
over HTTP against the proxy: the SQL subset, paging, the aggregator's scope, errors."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

A, B = "111111111111", "222222222222"
EAST, WEST = "us-east-1", "eu-west-1"
NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})


def config(aws, account=A, region=EAST):
    return aws.client("config", account, region, config=NO_RETRY)


def select(client, expression, name="org", **kw) -> list:
    pages, token = [], None
    while True:
        args = {"ConfigurationAggregatorName": name, "Expression": expression, **kw}
        if token:
            args["NextToken"] = token
        page = client.select_aggregate_resource_config(**args)
        pages.append(page)
        token = page.get("NextToken")
        if not token:
            return pages


def rows(pages) -> list:
    return [json.loads(r) for page in pages for r in page["Results"]]


def code_of(excinfo) -> tuple:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def org(aws, fleet):
    fleet.ec2(A, EAST, 3, name="web-{i}", tags={"Env": "prod"})
    fleet.ec2(B, WEST, 2, name="api-{i}", state="stopped")
    fleet.rds_instance(B, WEST, "orders-db")
    config(aws).put_configuration_aggregator(
        ConfigurationAggregatorName="org",
        AccountAggregationSources=[{"AccountIds": [A, B], "AllAwsRegions": True}])
    return config(aws)


def test_a_query_selects_fields_nested_as_config_returns_them(org, aws):
    pages = select(org, "SELECT resourceId, configuration.state.name, tags WHERE resourceType = 'AWS::EC2::Instance' "
                        "AND accountId = '222222222222'")
    got = rows(pages)
    assert len(got) == 2 and {r["configuration"]["state"]["name"] for r in got} == {"stopped"}
    assert all(set(r) == {"resourceId", "configuration", "tags"} for r in got)
    assert pages[0]["QueryInfo"]["SelectFields"] == [{"Name": "resourceId"}, {"Name": "configuration.state.name"},
                                                    {"Name": "tags"}]
    assert [c.local for c in aws.calls if c.operation == "SelectAggregateResourceConfig"] == [True]


def test_group_by_counts_and_in_and_not_in_filter(org):
    counts = rows(select(org, "SELECT accountId, awsRegion, COUNT(*) WHERE resourceType IN "
                              "('AWS::EC2::Instance', 'AWS::RDS::DBInstance') GROUP BY accountId, awsRegion"))
    assert sorted((r["accountId"], r["awsRegion"], r["COUNT(*)"]) for r in counts) == [(A, EAST, 3), (B, WEST, 3)]
    others = rows(select(org, "SELECT resourceType WHERE resourceType NOT IN ('AWS::EC2::Instance', "
                              "'AWS::RDS::DBInstance')"))
    assert others and not {r["resourceType"] for r in others} & {"AWS::EC2::Instance", "AWS::RDS::DBInstance"}


def test_pages_follow_limit_and_default_and_tokens_are_bound_to_the_query(org, fleet):
    fleet.ec2(A, EAST, 30, start=10)
    expression = "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance'"
    assert [len(p["Results"]) for p in select(org, expression)] == [25, 10]  # the default page: 25
    assert [len(p["Results"]) for p in select(org, expression, Limit=100)] == [35]
    first = org.select_aggregate_resource_config(ConfigurationAggregatorName="org", Expression=expression, Limit=5)
    with pytest.raises(ClientError) as excinfo:
        org.select_aggregate_resource_config(ConfigurationAggregatorName="org", Limit=5, NextToken=first["NextToken"],
                                             Expression="SELECT arn WHERE resourceType = 'AWS::EC2::Instance'")
    assert code_of(excinfo) == ("InvalidNextTokenException", 400)
    with pytest.raises(ClientError) as excinfo:
        org.select_aggregate_resource_config(ConfigurationAggregatorName="org", Expression=expression, Limit=101)
    assert code_of(excinfo) == ("InvalidLimitException", 400)


def test_unknown_aggregators_and_unsupported_sql_are_errors(org):
    with pytest.raises(ClientError) as excinfo:
        select(org, "SELECT arn", name="nope")
    assert code_of(excinfo) == ("NoSuchConfigurationAggregatorException", 400)
    for expression in ("SELECT arn WHERE resourceType = 'a' OR resourceType = 'b'", "DELETE everything",
                       "SELECT accountId, COUNT(*)", "SELECT arn ORDER BY arn"):
        with pytest.raises(ClientError) as excinfo:
            select(org, expression)
        assert code_of(excinfo) == ("InvalidExpressionException", 400), expression


def test_an_aggregator_is_found_only_in_its_own_account_and_region(org, aws):
    for account, region in ((A, WEST), (B, EAST)):
        with pytest.raises(ClientError) as excinfo:
            select(config(aws, account, region), "SELECT arn")
        assert code_of(excinfo) == ("NoSuchConfigurationAggregatorException", 400), (account, region)


def test_an_organization_aggregator_covers_every_account_of_the_organization(aws, fleet):
    members = fleet.organization(A, ["dev", "prod"])
    fleet.ec2(members["prod"], WEST, 2)
    fleet.ec2(A, EAST, 1)
    client = config(aws)
    client.put_configuration_aggregator(
        ConfigurationAggregatorName="org",
        OrganizationAggregationSource={"RoleArn": f"arn:aws:iam::{A}:role/config", "AllAwsRegions": True})
    got = rows(select(client, "SELECT accountId, awsRegion WHERE resourceType = 'AWS::EC2::Instance'"))
    assert sorted((r["accountId"], r["awsRegion"]) for r in got) == sorted(
        [(members["prod"], WEST)] * 2 + [(A, EAST)])


def test_throttling_comes_from_the_fault_table(org, aws):
    aws.faults.add("throttle", service="config", operation="SelectAggregateResourceConfig")
    with pytest.raises(ClientError) as excinfo:
        select(org, "SELECT arn")
    assert code_of(excinfo) == ("ThrottlingException", 400)
