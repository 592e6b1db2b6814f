"""The native collectors, by kind: each module turns every page of its service's listings
into Resources. `collect(fetch)` gets a `refresh.Fetch` (clients of the shard's account
and region, `gather` to overlap independent calls, the page size, the shard's previous
resources, and `partial()` to report a part that failed). Each module's docstring names
the IAM actions it needs."""
from __future__ import annotations

from fuzzyaws.inventory import (asg, cfn, dynamodb, ec2, ecs, ecs_service, eks, elasticache, elb, lambda_,
                                rds, s3, sns, sqs, ssm_node)

COLLECTORS = {
    "ec2": ec2.collect, "ssm-node": ssm_node.collect, "ecs": ecs.collect, "ecs-service": ecs_service.collect,
    "rds": rds.collect, "elasticache": elasticache.collect, "lambda": lambda_.collect, "elb": elb.collect,
    "asg": asg.collect, "eks": eks.collect, "dynamodb": dynamodb.collect, "sqs": sqs.collect,
    "sns": sns.collect, "cfn": cfn.collect, "s3": s3.collect,
}
# How many dependent calls a shard of each kind makes at least (ECS lists clusters, then
# tasks, then describes them; most others list, then describe or tag each resource): the
# longest chains are started first.
CHAIN = {"ecs": 3, "ecs-service": 3, "elasticache": 2, "ssm-node": 2, "lambda": 2, "elb": 2, "eks": 2,
         "dynamodb": 2, "sqs": 2, "sns": 2, "s3": 2}
