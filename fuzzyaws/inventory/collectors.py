"""The native collectors, by kind: each module turns every page of its service's listings
into Resources. `collect(fetch)` gets a `refresh.Fetch` (clients of the shard's account
and region, `gather` to overlap independent calls, the page size, the shard's previous
resources, and `partial()` to report a part that failed)."""
from __future__ import annotations

from fuzzyaws.inventory import ec2, ecs, elasticache, rds

COLLECTORS = {"ec2": ec2.collect, "rds": rds.collect, "elasticache": elasticache.collect, "ecs": ecs.collect}
# How many dependent calls a shard of each kind makes at least (ECS lists clusters, then
# tasks, then describes them): the longest chains are started first.
CHAIN = {"ecs": 3, "elasticache": 2}
