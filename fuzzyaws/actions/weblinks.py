"""The AWS console page of a resource: its own page for the native kinds, else the
console's generic link for an ARN. The host is the resource's partition's (aws, aws-cn,
aws-us-gov) and the page is in the resource's region."""
from __future__ import annotations

from urllib.parse import quote

from fuzzyaws.arn import CONSOLE_HOSTS, Arn

# Per native kind: the path (and fragment) of its page, from the resource's fields.
PAGES = {
    "ec2": lambda r, q: f"/ec2/home?region={r.region}#InstanceDetails:instanceId={q(r.id)}",
    "ssm-node": lambda r, q: f"/systems-manager/managed-instances/{q(r.id)}/description?region={r.region}",
    "ecs": lambda r, q: f"/ecs/v2/clusters/{q(r.cluster)}/tasks/{q(r.id)}/configuration?region={r.region}",
    "ecs-service": lambda r, q: f"/ecs/v2/clusters/{q(r.cluster)}/services/{q(r.id)}/health?region={r.region}",
    "rds": lambda r, q: (f"/rds/home?region={r.region}#database:id={q(r.id)};"
                         f"is-cluster={'true' if r.attr('is_cluster') else 'false'}"),
    "elasticache": lambda r, q: f"/elasticache/home?region={r.region}#/{q(r.engine or 'redis')}/{q(r.id)}",
    "lambda": lambda r, q: f"/lambda/home?region={r.region}#/functions/{q(r.id)}",
    "elb": lambda r, q: f"/ec2/home?region={r.region}#LoadBalancer:loadBalancerArn={q(r.key)}",
    "asg": lambda r, q: f"/ec2/home?region={r.region}#AutoScalingGroupDetails:id={q(r.id)}",
    "eks": lambda r, q: f"/eks/home?region={r.region}#/clusters/{q(r.id)}",
    "dynamodb": lambda r, q: f"/dynamodbv2/home?region={r.region}#table?name={q(r.id)}",
    "sqs": lambda r, q: f"/sqs/v3/home?region={r.region}#/queues/{q(r.address or r.key)}",
    "sns": lambda r, q: f"/sns/v3/home?region={r.region}#/topic/{q(r.key)}",
    "cfn": lambda r, q: f"/cloudformation/home?region={r.region}#/stacks/stackinfo?stackId={q(r.key)}",
    "s3": lambda r, q: f"/s3/buckets/{q(r.id)}?region={r.region}",
}


def url(resource) -> str:
    """The console page showing `resource`."""
    arn = Arn.parse(resource.key)
    partition = arn.partition if arn else "aws"
    host = CONSOLE_HOSTS.get(partition, CONSOLE_HOSTS["aws"])

    def q(text) -> str:
        return quote(str(text), safe="")

    page = PAGES.get(resource.kind)
    if page is None:
        return f"https://{host}/go/view?arn={q(resource.key)}"
    region = resource.region if resource.region not in ("", "global") else None
    if partition == "aws" and region and resource.kind != "s3":
        host = f"{region}.{host}"
    if resource.kind == "s3" and partition == "aws":
        host = "s3." + host
    return f"https://{host}{page(resource, q)}"
