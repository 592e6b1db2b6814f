"""AWS Config's SelectAggregateResourceConfig, answered by the proxy: moto keeps
aggregators (PutConfigurationAggregator, DescribeConfigurationAggregators) but does not
run queries on them. JSON 1.1, ``X-Amz-Target: StarlingDoveService.SelectAggregateResourceConfig``.

The aggregated configuration items are made from what moto holds of the fleet, read
straight from its in-process backends, in every account and Region the aggregator
covers: its account sources (AccountIds; AwsRegions or AllAwsRegions), or for an
organization source every account of the aggregator account's organization. EC2
instances and RDS instances and clusters carry a `configuration` shaped as Config records
it (camelCase of the Describe call, `dBInstanceIdentifier` and all); every other type
Resource Explorer's fake indexes (explorer_inventory.py) is an item with its ARN, name
and tags. "AllAwsRegions" means the Regions moto has state for.

The query runs through config_query.py (SELECT, WHERE with = / IN / NOT IN and AND,
GROUP BY with COUNT(*)). As the real service: Limit (or MaxResults) is 0..100, the
default page is 25 rows (500 for an aggregation), NextToken is bound to the query, an
unknown aggregator is NoSuchConfigurationAggregatorException (400). Throttling and
AccessDenied come from the fault table like any call.

Unverified, and chosen to be plausible: the error messages; the item order (account,
Region, type, id); the exact spelling of every `configuration` key (written from Config's
documented examples of EC2 and RDS items, not from captured responses); "COUNT(*)" as
the count's name in an aggregation's rows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from datetime import datetime, timezone

from . import config_query, explorer_inventory
from .errors import AwsError
from .local import LocalRequest

SERVICE = "config"
PAGE_MAX = 100
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")

# Resource Explorer's type -> Config's, for the generic items
CONFIG_TYPES = {
    "ec2:vpc": "AWS::EC2::VPC", "ec2:subnet": "AWS::EC2::Subnet",
    "ec2:security-group": "AWS::EC2::SecurityGroup", "ec2:volume": "AWS::EC2::Volume",
    "s3:bucket": "AWS::S3::Bucket", "lambda:function": "AWS::Lambda::Function",
    "sqs:queue": "AWS::SQS::Queue", "sns:topic": "AWS::SNS::Topic",
    "dynamodb:table": "AWS::DynamoDB::Table", "kms:key": "AWS::KMS::Key",
    "secretsmanager:secret": "AWS::SecretsManager::Secret",
    "states:stateMachine": "AWS::StepFunctions::StateMachine",
    "kinesis:stream": "AWS::Kinesis::Stream", "ecr:repository": "AWS::ECR::Repository",
    "logs:log-group": "AWS::Logs::LogGroup", "ecs:cluster": "AWS::ECS::Cluster",
    "ecs:service": "AWS::ECS::Service",
    "elasticloadbalancing:loadbalancer/app": "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "elasticloadbalancing:loadbalancer/net": "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "iam:role": "AWS::IAM::Role",
}
# these the functions below make with their configuration
DETAILED = {"ec2:instance", "rds:db", "rds:cluster"}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _models(service: str):
    return sys.modules.get(f"moto.{service}.models")


def _by_region(backends, account: str) -> dict:
    return dict.get(backends, account) or {} if backends is not None else {}


# -- who and where the aggregator covers ---------------------------------------------


def _aggregator(account: str, region: str, name: str):
    backend = _backend("config", account, region)
    found = backend.config_aggregators.get(name) if backend is not None else None
    if found is None:
        raise AwsError("NoSuchConfigurationAggregatorException",
                       f"The configuration aggregator {name} does not exist in {region}.", 400)
    return found


def _organization_accounts(account: str) -> list:
    models = _models("organizations")
    if models is None:
        return [account]
    for by_region in list(dict.values(models.organizations_backends)):
        for backend in list(by_region.values()):
            ids = [a.id for a in list(getattr(backend, "accounts", []))]
            if account in ids:
                return ids
    return [account]


def _known_regions(account: str) -> set:
    """The Regions moto holds any state for in the account."""
    found: set = set()
    for name, module in list(sys.modules.items()):
        if not (name.startswith("moto.") and name.endswith(".models")):
            continue
        for attr, value in list(vars(module).items()):
            if attr.endswith("_backends") and isinstance(value, dict):
                found.update(r for r in list(_by_region(value, account)) if _REGION.match(str(r)))
    return found


def scope(aggregator, account: str) -> list:
    """[(account, Region)] the aggregator collects from."""
    source = (aggregator.account_aggregation_sources or [None])[0]
    if source is not None:
        accounts, regions, every = source.account_ids, source.aws_regions, source.all_aws_regions
    else:
        org = aggregator.organization_aggregation_source
        accounts, regions, every = _organization_accounts(account), org.aws_regions, org.all_aws_regions
    return sorted({(a, r) for a in accounts
                   for r in (sorted(_known_regions(a)) if every else regions or ())})


# -- configuration items --------------------------------------------------------------


def _tags(pairs) -> list:
    return [{"key": k, "value": v} for k, v in pairs]


def _item(account, region, rtype, rid, name, arn, tags, configuration=None, az=None) -> dict:
    item = {
        "accountId": account, "awsRegion": region, "resourceType": rtype, "resourceId": rid,
        "resourceName": name, "arn": arn, "tags": _tags(tags),
        "configuration": configuration or {}, "configurationItemStatus": "OK",
        "configurationItemCaptureTime": _now(),
    }
    if az:
        item["availabilityZone"] = az
    return item


def _backend(service: str, account: str, region: str):
    """moto's backend of `service` in an account and region (None when moto has none)."""
    models = _models(service)
    return _by_region(getattr(models, f"{service}_backends", None), account).get(region) if models else None


def _ec2_instances(account: str, region: str) -> list:
    backend = _backend("ec2", account, region)
    if backend is None:
        return []
    items = []
    for inst in list(backend.all_instances()):
        if inst.state == "terminated":
            continue
        tags = tuple(backend.tags.get(inst.id, {}).items())
        config = {
            "instanceId": inst.id, "instanceType": inst.instance_type, "imageId": inst.image_id,
            "state": {"code": inst.state_code, "name": inst.state},
            "privateIpAddress": inst.private_ip, "privateDnsName": inst.private_dns_name,
            "publicIpAddress": inst.public_ip, "vpcId": inst.vpc_id, "subnetId": inst.subnet_id,
            "placement": {"availabilityZone": inst.placement.zone}, "keyName": inst.key_name,
            "launchTime": str(inst.launch_time), "platform": "windows" if inst.platform == "windows" else None,
            "securityGroups": [{"groupId": g.id, "groupName": g.name} for g in inst.security_groups],
            "tags": _tags(tags),
        }
        name = dict(tags).get("Name")
        arn = f"arn:aws:ec2:{region}:{account}:instance/{inst.id}"
        items.append(_item(account, region, "AWS::EC2::Instance", inst.id, name, arn, tags,
                           {k: v for k, v in config.items() if v is not None}, inst.placement.zone))
    return items


def _rds(account: str, region: str) -> list:
    backend = _backend("rds", account, region)
    if backend is None:
        return []
    items = []
    for db in list(backend.databases.values()):
        tags = tuple((t["Key"], t["Value"]) for t in db.tags or ())
        group = getattr(db, "db_subnet_group", None)
        config = {
            "dBInstanceIdentifier": db.db_instance_identifier, "dBInstanceClass": db.db_instance_class,
            "engine": db.engine, "engineVersion": db.engine_version, "dBInstanceStatus": db.status,
            "endpoint": {"address": db.address, "port": db.port}, "availabilityZone": db.availability_zone,
            "multiAZ": bool(db.multi_az), "masterUsername": db.master_username, "dBName": db.db_name,
            "dBClusterIdentifier": getattr(db, "db_cluster_identifier", None),
            "dBSubnetGroup": {"vpcId": group.vpc_id} if group is not None else None,
            "dBInstanceArn": db.db_instance_arn,
        }
        items.append(_item(account, region, "AWS::RDS::DBInstance", db.dbi_resource_id,
                           db.db_instance_identifier, db.db_instance_arn, tags,
                           {k: v for k, v in config.items() if v is not None}, db.availability_zone))
    for cluster in list(backend.clusters.values()):
        tags = tuple((t["Key"], t["Value"]) for t in cluster.tags or ())
        config = {
            "dBClusterIdentifier": cluster.db_cluster_identifier, "engine": cluster.engine,
            "engineVersion": cluster.engine_version, "status": cluster.status,
            "endpoint": cluster.endpoint, "readerEndpoint": cluster.reader_endpoint,
            "port": cluster.port, "masterUsername": cluster.master_username,
            "dBClusterArn": cluster.db_cluster_arn,
        }
        items.append(_item(account, region, "AWS::RDS::DBCluster", cluster.db_cluster_resource_id,
                           cluster.db_cluster_identifier, cluster.db_cluster_arn, tags,
                           {k: v for k, v in config.items() if v is not None}))
    return items


def _generic(account: str, region: str) -> list:
    found = explorer_inventory.resources_in(account, region)
    if region == "us-east-1":  # IAM's global items are recorded in one Region
        found += explorer_inventory.global_resources(account)
    items = []
    for r in found:
        rtype = CONFIG_TYPES.get(r.resource_type)
        if rtype is None or r.resource_type in DETAILED:
            continue
        name = r.arn.replace(":", "/").rsplit("/", 1)[-1]
        item_region = "global" if r.region == "global" else region
        items.append(_item(account, item_region, rtype, name, name, r.arn, r.tags))
    return items


def items_of(places) -> list:
    """Every configuration item of the (account, Region) pairs, in a stable order."""
    items = [i for account, region in places
             for make in (_ec2_instances, _rds, _generic) for i in make(account, region)]
    return sorted(items, key=lambda i: (i["accountId"], i["awsRegion"], i["resourceType"], i["resourceId"]))


# -- the operation ----------------------------------------------------------------------


def _token(offset: int, binding: str) -> str:
    digest = hashlib.sha256(binding.encode()).hexdigest()[:16]
    return base64.urlsafe_b64encode(json.dumps([offset, digest]).encode()).decode()


def _offset(token: "str | None", binding: str) -> int:
    if not token:
        return 0
    try:
        offset, _ = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError):
        offset = None
    if not isinstance(offset, int) or _token(offset, binding) != token:
        raise AwsError("InvalidNextTokenException", "The nextToken provided is invalid", 400)
    return offset


def select_aggregate_resource_config(req: LocalRequest) -> dict:
    params = req.params
    name, expression = params.get("ConfigurationAggregatorName"), params.get("Expression")
    if not name or not expression:
        raise AwsError("ValidationException", "Expression and ConfigurationAggregatorName are required", 400)
    limit = params.get("Limit") or params.get("MaxResults") or 0
    if not isinstance(limit, int) or not 0 <= limit <= PAGE_MAX:
        raise AwsError("InvalidLimitException", f"Limit must be between 0 and {PAGE_MAX}", 400)
    query = config_query.parse(expression)
    size = limit or (500 if query.aggregation else 25)
    aggregator = _aggregator(req.info.account, req.info.region, name)
    rows = query.run(items_of(scope(aggregator, req.info.account)))
    binding = f"{req.info.account}/{req.info.region}/{name}/{expression}"
    offset = _offset(params.get("NextToken"), binding)
    body = {"Results": [json.dumps(r) for r in rows[offset:offset + size]],
            "QueryInfo": {"SelectFields": [{"Name": f} for f in query.fields]}}
    if offset + size < len(rows):
        body["NextToken"] = _token(offset + size, binding)
    return body


HANDLERS = {(SERVICE, "SelectAggregateResourceConfig"): select_aggregate_resource_config}
