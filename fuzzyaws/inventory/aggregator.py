"""The organization from AWS Config's aggregator (`source = "config-aggregator:NAME"`):
SelectAggregateResourceConfig, one paginated SQL query per kind for every account and
Region at once (100 rows a page), made once per refresh run whichever shard asks first;
each shard then takes its account's and Region's rows.

The rows are the native collectors' rows where Config records the same description:
an EC2 instance's or RDS database's `configuration` is the Describe call's output in
camelCase, so it is turned back into the Describe shape and built by the collector's own
function (ec2.py, rds.py, lambda_.py). Other native kinds Config records (buckets,
queues, tables, load balancers...) are rows of their ARN, name and tags, as an index
source makes them; every other resource type is an `index` row. ECS tasks and hybrid
nodes are not recorded by Config: they come only from live scans. Config has no SSM agent
status: an instance from Config says so instead of claiming it is unmanaged.

Config lags reality by minutes (it records a change when it is notified of it), which
`refresh -v` and the README say.

IAM (in the aggregator's account): config:SelectAggregateResourceConfig.
"""
from __future__ import annotations

import json

from fuzzyaws import GLOBAL_KINDS, INDEX
from fuzzyaws.aws.errors import AwsError
from fuzzyaws.inventory import ec2, index, lambda_, rds
from fuzzyaws.model import tag_dict
from fuzzyaws.status import UsageError

PAGE = 100  # Config's most rows per page
FIELDS = ("accountId", "awsRegion", "resourceId", "resourceName", "resourceType", "arn", "tags",
          "configurationItemCaptureTime")
# kind -> Config resource types; the kinds with a builder below also select `configuration`
TYPES = {
    "ec2": ("AWS::EC2::Instance",),
    "rds": ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance"),
    "lambda": ("AWS::Lambda::Function",),
    "elasticache": ("AWS::ElastiCache::CacheCluster", "AWS::ElastiCache::ReplicationGroup"),
    "elb": ("AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer"),
    "asg": ("AWS::AutoScaling::AutoScalingGroup",),
    "eks": ("AWS::EKS::Cluster",),
    "dynamodb": ("AWS::DynamoDB::Table",),
    "sqs": ("AWS::SQS::Queue",),
    "sns": ("AWS::SNS::Topic",),
    "cfn": ("AWS::CloudFormation::Stack",),
    "s3": ("AWS::S3::Bucket",),
    "ecs-service": ("AWS::ECS::Service",),
}
# Config's own records, not resources
NOT_RESOURCES = ("AWS::Config::ResourceCompliance", "AWS::Config::ConformancePackCompliance")
SSM_UNKNOWN = "SSM status unknown: listed by AWS Config"


def name(settings) -> str:
    return settings.source.split(":", 1)[1]


def describe(settings) -> str:
    kinds = [k for k in settings.kinds if k in TYPES or k == INDEX]
    return (f"the organization from the AWS Config aggregator {name(settings)!r}: "
            f"{', '.join(kinds) or 'no kinds'} (Config lags reality by minutes; "
            "ECS tasks and hybrid nodes only from live scans)")


def _select(client, settings, expression: str) -> list:
    """Every row of one query, every page."""
    rows, token = [], None
    try:
        while True:
            kwargs = {"ConfigurationAggregatorName": name(settings), "Expression": expression, "Limit": PAGE}
            if token:
                kwargs["NextToken"] = token
            page = client.select_aggregate_resource_config(**kwargs)
            rows += [json.loads(text) for text in page.get("Results", [])]
            token = page.get("NextToken")
            if not token:
                return rows
    except AwsError as exc:
        if exc.cause == "NoSuchConfigurationAggregatorException":
            raise UsageError(f"source = {settings.source!r}: there is no configuration aggregator "
                             f"{name(settings)!r} ({exc.where or 'in the source Region'}); "
                             "see source_profile and source_region") from None
        raise


def places(settings, sessions, home, cache=None) -> list:
    """[(account, Region)] the aggregator holds resources of: one GROUP BY query."""
    client = sessions.client(home, "config")
    rows = _select(client, settings, "SELECT accountId, awsRegion, COUNT(*) GROUP BY accountId, awsRegion")
    return sorted({(r["accountId"], r["awsRegion"]) for r in rows
                   if r.get("accountId") and r.get("awsRegion") not in (None, "", "global")})


def _expression(kind: str) -> str:
    if kind == INDEX:
        known = [t for types in TYPES.values() for t in types] + list(NOT_RESOURCES)
        where = "resourceType NOT IN (" + ", ".join(f"'{t}'" for t in known) + ")"
        fields = FIELDS
    else:
        where = "resourceType IN (" + ", ".join(f"'{t}'" for t in TYPES[kind]) + ")"
        fields = FIELDS + (("configuration",) if kind in BUILDERS else ())
    return f"SELECT {', '.join(fields)} WHERE {where}"


def _organization(fetch, kind: str) -> dict:
    """{(account, Region): [row]} of one kind, for the whole organization."""
    from fuzzyaws.inventory.sources import home
    client = fetch.client_at(home(fetch.settings, fetch.sessions), "config")
    out: dict = {}
    for row in _select(client, fetch.settings, _expression(kind)):
        out.setdefault((row.get("accountId"), row.get("awsRegion")), []).append(row)
    return out


def _or_error(compute):
    try:
        return compute()
    except AwsError as exc:
        return exc


def collect(fetch, kind: str) -> list:
    if kind not in TYPES and kind != INDEX:
        return []  # not recorded by Config (ECS tasks, hybrid nodes)
    # a failed query fails every shard of the kind at once: 300 accounts do not ask again
    rows = fetch.once(("config-aggregator", kind), lambda: _or_error(lambda: _organization(fetch, kind)))
    if isinstance(rows, AwsError):
        raise rows
    if kind in GLOBAL_KINDS:  # one shard per account: every Region's rows
        mine = [r for (account, _), found in rows.items() if account == fetch.account for r in found]
    else:
        mine = list(rows.get((fetch.account, fetch.region), []))
        if fetch.first_region:
            mine += rows.get((fetch.account, "global"), [])
    build = BUILDERS.get(kind)
    out = []
    for row in mine:
        resource = build(row) if build else _generic(fetch, row)
        if resource is not None and (kind == INDEX or resource.kind == kind):
            out.append(resource)
    if kind == INDEX:  # as the index sources: leave the native kinds to their own shards
        from fuzzyaws.inventory.load import native_kinds
        skip = native_kinds(fetch.settings)
        out = [r for r in out if r.kind not in skip]
    return out


# -- rows ---------------------------------------------------------------------------------
def pascal(value):
    """Config's camelCase configuration in the Describe call's PascalCase
    (`dBInstanceIdentifier` -> `DBInstanceIdentifier`, `state.name` -> `State.Name`)."""
    if isinstance(value, dict):
        return {(k[:1].upper() + k[1:]): pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value


def _described(row: dict, tags_key: str) -> dict:
    described = pascal(row.get("configuration") or {})
    described[tags_key] = [{"Key": t.get("key"), "Value": t.get("value", "")} for t in row.get("tags") or ()]
    return described


def _with_capture(resource, row: dict):
    attrs = {**resource.attrs, "source": "AWS Config"}
    if row.get("configurationItemCaptureTime"):
        attrs["captured"] = str(row["configurationItemCaptureTime"])
    return resource.replace(attrs=attrs)


def _ec2(row: dict):
    inst = _described(row, "Tags")
    if not inst.get("InstanceId"):
        return None
    resource = ec2._with(ec2._resource(inst, row["accountId"], row["awsRegion"]), {"ssm_unknown": SSM_UNKNOWN})
    return _with_capture(resource, row)


def _rds(row: dict):
    db = _described(row, "TagList")
    account, region = row["accountId"], row["awsRegion"]
    if row.get("resourceType") == "AWS::RDS::DBCluster":
        db.setdefault("DBClusterArn", row.get("arn"))
        return _with_capture(rds._cluster(db, account, region), row) if db.get("DBClusterIdentifier") else None
    db.setdefault("DBInstanceArn", row.get("arn"))
    return _with_capture(rds._instance(db, account, region), row) if db.get("DBInstanceIdentifier") else None


def _lambda(row: dict):
    conf = pascal(row.get("configuration") or {})
    conf.setdefault("FunctionArn", row.get("arn"))
    conf.setdefault("FunctionName", row.get("resourceName") or row.get("resourceId"))
    if not conf.get("FunctionArn"):
        return None
    tags = {t.get("key"): t.get("value", "") for t in row.get("tags") or ()}
    return _with_capture(lambda_._function(conf, tags, row["accountId"], row["awsRegion"]), row)


BUILDERS = {"ec2": _ec2, "rds": _rds, "lambda": _lambda}


def _generic(fetch, row: dict):
    arn = row.get("arn")
    if not arn:
        return None  # a Config record of no resource ARN: nothing to act on or open
    tags = tag_dict(row.get("tags"))
    return index._row(fetch, arn, tags, "AWS Config", region=row.get("awsRegion"),
                      reported=row.get("configurationItemCaptureTime"))
