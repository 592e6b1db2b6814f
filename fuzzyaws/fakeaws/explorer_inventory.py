"""What the fake Resource Explorer indexes: the resources moto holds, read straight
from its in-process backends, as IndexedResource (ARN, service, resource type, Region,
owner, tags), tagged or not.

One function per service, listed in REGIONAL or GLOBAL; supporting another service
is one more function and one more entry. Resource types are Resource Explorer's own
names (``ec2:instance``, ``rds:db``, ``states:stateMachine``...), as its Search
answers and its ``resourcetype:`` filter expects them.

As in the real service:
- S3 buckets (a global namespace) are indexed in their own Region;
- IAM roles are global (Region "global") and their tags are not indexed (the user
  guide: "tags attached to IAM resources, such as roles or users, are not indexed");
- terminated EC2 instances and secrets pending deletion are gone.

A backend nobody has used is not created just to be read: moto builds a Region's
EC2 backend, default VPC included, on first use, so a Region no call has touched
holds nothing to index.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

GLOBAL_REGION = "global"


@dataclass(frozen=True)
class IndexedResource:
    arn: str
    service: str
    resource_type: str
    region: str
    account: str
    tags: tuple[tuple[str, str], ...] = ()


def _backend(service: str, account: str, key: str, backends: str = ""):
    """moto's backend of a service (``moto.<service>.models.<service>_backends``, or
    the dict named `backends`) for the account and Region (or partition), if it exists.

    A models module moto never imported holds no backend, and importing the lot
    just to find them empty costs over a second; dict.get, not [], because moto's
    backend dicts create what they are asked for.
    """
    models = sys.modules.get(f"moto.{service}.models")
    if models is None:
        return None
    by_region = dict.get(getattr(models, backends or f"{service}_backends"), account)
    return None if by_region is None else dict.get(by_region, key)


def _pairs(tags, key: str = "Key", value: str = "Value") -> tuple[tuple[str, str], ...]:
    """Tags as (key, value) pairs, from a dict or a list of {key: .., value: ..}."""
    if not tags:
        return ()
    if isinstance(tags, Mapping):
        return tuple((str(k), str(v)) for k, v in tags.items())
    return tuple((str(t[key]), str(t.get(value, ""))) for t in tags)


def _resources(
    account: str, region: str, service: str, resource_type: str,
    items: Iterable[tuple[str, tuple[tuple[str, str], ...]]],
) -> Iterator[IndexedResource]:
    for arn, tags in items:
        yield IndexedResource(arn, service, resource_type, region, account, tags)


# -- one function per service: (account, region) -> resources ------------------------


def ec2(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("ec2", account, region)
    if backend is None:
        return
    tags = backend.tags

    def of(kind: str, ids: Iterable[str]):
        for resource_id in ids:
            arn = f"arn:aws:ec2:{region}:{account}:{kind}/{resource_id}"
            yield arn, _pairs(tags.get(resource_id, {}))

    instances = [i.id for i in list(backend.all_instances()) if i.state != "terminated"]
    subnets = [s for by_id in list(backend.subnets.values()) for s in list(by_id)]
    groups = [g for by_id in list(backend.groups.values()) for g in list(by_id)]
    yield from _resources(account, region, "ec2", "ec2:instance", of("instance", instances))
    yield from _resources(account, region, "ec2", "ec2:vpc", of("vpc", list(backend.vpcs)))
    yield from _resources(account, region, "ec2", "ec2:subnet", of("subnet", subnets))
    yield from _resources(
        account, region, "ec2", "ec2:security-group", of("security-group", groups)
    )
    yield from _resources(
        account, region, "ec2", "ec2:volume", of("volume", list(backend.volumes))
    )


def s3(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("s3", account, "aws")
    if backend is None:
        return
    items = [
        (b.arn, _pairs(backend.tagger.get_tag_dict_for_resource(b.arn)))
        for b in list(backend.buckets.values())
        if b.region_name == region
    ]
    yield from _resources(account, region, "s3", "s3:bucket", items)


def lambda_(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("awslambda", account, region, "lambda_backends")
    if backend is None:
        return
    items = [(f.function_arn, _pairs(f.tags)) for f in list(backend.list_functions())]
    yield from _resources(account, region, "lambda", "lambda:function", items)


def sqs(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("sqs", account, region)
    if backend is None:
        return
    items = [(q.queue_arn, _pairs(q.tags)) for q in list(backend.queues.values())]
    yield from _resources(account, region, "sqs", "sqs:queue", items)


def sns(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("sns", account, region)
    if backend is None:
        return
    items = [(arn, _pairs(backend.list_tags_for_resource(arn))) for arn in list(backend.topics)]
    yield from _resources(account, region, "sns", "sns:topic", items)


def dynamodb(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("dynamodb", account, region)
    if backend is None:
        return
    items = [(t.table_arn, _pairs(t.tags)) for t in list(backend.tables.values())]
    yield from _resources(account, region, "dynamodb", "dynamodb:table", items)


def kms(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("kms", account, region)
    if backend is None:
        return
    items = [
        (k.arn, _pairs(backend.list_resource_tags(k.id).get("Tags"), "TagKey", "TagValue"))
        for k in list(backend.keys.values())
    ]
    yield from _resources(account, region, "kms", "kms:key", items)


def secretsmanager(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("secretsmanager", account, region)
    if backend is None:
        return
    items = [
        (s.arn, _pairs(s.tags)) for s in list(backend.secrets.values()) if not s.is_deleted()
    ]
    yield from _resources(account, region, "secretsmanager", "secretsmanager:secret", items)


def stepfunctions(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("stepfunctions", account, region)
    if backend is None:
        return
    key, value = backend.tagger.key_name, backend.tagger.value_name
    items = [
        (m.arn, _pairs(backend.get_tags_list_for_state_machine(m.arn), key, value))
        for m in list(backend.state_machines)
    ]
    yield from _resources(account, region, "states", "states:stateMachine", items)


def kinesis(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("kinesis", account, region)
    if backend is None:
        return
    items = [(s.arn, _pairs(s.tags)) for s in list(backend.streams.values())]
    yield from _resources(account, region, "kinesis", "kinesis:stream", items)


def ecr(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("ecr", account, region)
    if backend is None:
        return
    items = [
        (r.arn, _pairs(backend.tagger.list_tags_for_resource(r.arn)["tags"]))
        for r in list(backend.repositories.values())
    ]
    yield from _resources(account, region, "ecr", "ecr:repository", items)


def logs(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("logs", account, region)
    if backend is None:
        return
    items = [
        (g.arn, _pairs(backend.list_tags_for_resource(g.arn)))
        for g in list(backend.groups.values())
    ]
    yield from _resources(account, region, "logs", "logs:log-group", items)


def rds(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("rds", account, region)
    if backend is None:
        return
    instances = [(d.db_instance_arn, _pairs(d.tags)) for d in list(backend.databases.values())]
    clusters = [(c.db_cluster_arn, _pairs(c.tags)) for c in list(backend.clusters.values())]
    yield from _resources(account, region, "rds", "rds:db", instances)
    yield from _resources(account, region, "rds", "rds:cluster", clusters)


def ecs(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("ecs", account, region)
    if backend is None:
        return
    clusters = [(c.arn, _pairs(c.tags, "key", "value")) for c in list(backend.clusters.values())]
    services = [
        (s.physical_resource_id, _pairs(s.tags, "key", "value"))
        for s in list(backend.services.values())
    ]
    tasks = [
        (t.task_arn, _pairs(t.tags, "key", "value"))
        for by_arn in list(backend.tasks.values())
        for t in list(by_arn.values())
    ]
    yield from _resources(account, region, "ecs", "ecs:cluster", clusters)
    yield from _resources(account, region, "ecs", "ecs:service", services)
    yield from _resources(account, region, "ecs", "ecs:task", tasks)


def elbv2(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("elbv2", account, region)
    if backend is None:
        return
    for lb in list(backend.load_balancers.values()):
        # arn:...:loadbalancer/app/NAME/ID -> elasticloadbalancing:loadbalancer/app
        kind = lb.arn.split(":", 5)[5].split("/")[1]
        tags = _pairs(backend.tagging_service.get_tag_dict_for_resource(lb.arn))
        yield IndexedResource(
            lb.arn, "elasticloadbalancing", f"elasticloadbalancing:loadbalancer/{kind}",
            region, account, tags,
        )


def ssm(account: str, region: str) -> Iterator[IndexedResource]:
    backend = _backend("ssm", account, region)
    if backend is None:
        return
    names = [p.name for p in backend.describe_parameters(filters=[], parameter_filters=[])]
    items = [
        (
            f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}",
            _pairs(backend.list_tags_for_resource("Parameter", name)),
        )
        for name in names
    ]
    yield from _resources(account, region, "ssm", "ssm:parameter", items)


def iam(account: str) -> Iterator[IndexedResource]:
    backend = _backend("iam", account, "aws")
    if backend is None:
        return
    items = [(r.arn, ()) for r in list(backend.roles.values())]  # IAM tags: not indexed
    yield from _resources(account, GLOBAL_REGION, "iam", "iam:role", items)


REGIONAL: tuple[Callable[[str, str], Iterable[IndexedResource]], ...] = (
    ec2, s3, lambda_, sqs, sns, dynamodb, kms, secretsmanager, stepfunctions,
    kinesis, ecr, logs, rds, ecs, elbv2, ssm,
)
GLOBAL: tuple[Callable[[str], Iterable[IndexedResource]], ...] = (iam,)


# Every resource type indexed above, as ListSupportedResourceTypes names them.
SUPPORTED_TYPES = (
    "ec2:instance", "ec2:vpc", "ec2:subnet", "ec2:security-group", "ec2:volume", "s3:bucket",
    "lambda:function", "sqs:queue", "sns:topic", "dynamodb:table", "kms:key",
    "secretsmanager:secret", "states:stateMachine", "kinesis:stream", "ecr:repository",
    "logs:log-group", "rds:db", "rds:cluster", "ecs:cluster", "ecs:service", "ecs:task",
    "elasticloadbalancing:loadbalancer/app", "elasticloadbalancing:loadbalancer/net",
    "ssm:parameter", "iam:role",
)


def resources_in(account: str, region: str) -> list[IndexedResource]:
    """The account's resources that live in the Region."""
    return [r for source in REGIONAL for r in source(account, region)]


def global_resources(account: str) -> list[IndexedResource]:
    """The account's resources of no Region (IAM)."""
    return [r for source in GLOBAL for r in source(account)]
