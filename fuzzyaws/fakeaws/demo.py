"""The demo fleet: two accounts x three regions of EC2, RDS, ElastiCache and ECS with
the tags a real estate has, a few awkward cases (stopped, Windows, SSM-unmanaged or
ConnectionLost hosts, a tag full of shell metacharacters), some of every other native
kind (functions, buckets, queues, load balancers...), resources only an index source
lists (KMS keys, secrets, log groups), and Resource Explorer set up in each account; all
decided by one seed.
"""

from __future__ import annotations

import random
from typing import Any

PROD, NONPROD = "111111111111", "222222222222"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
ACCOUNT_NAMES = {PROD: "acme-prod", NONPROD: "acme-nonprod"}

# service -> (team, roles it runs on EC2)
SERVICES = {
    "checkout": ("payments", ("web", "api", "worker")),
    "ledger": ("payments", ("api", "worker")),
    "catalog": ("search", ("web", "api")),
    "search": ("search", ("api", "worker")),
    "auth": ("platform", ("api",)),
    "gateway": ("platform", ("web",)),
    "notify": ("growth", ("worker",)),
    "reports": ("data", ("worker",)),
    "etl": ("data", ("worker",)),
}
ROLE_TYPES = {
    "web": "t3.medium",
    "api": "m6i.large",
    "worker": "c6i.xlarge",
    "db": "r6i.large",
    "cache": "r6g.large",
    "bastion": "t3.micro",
    "jumphost": "t3.small",
}
# No control characters other than newline: EC2 speaks XML 1.0, which cannot carry them.
HOSTILE_NOTE = "line one\nline two $(touch /tmp/pwned) `id` 'quote\" ; rm -rf ~ <b>&amp;"


def _group(fleet, summary, account, region, env, service, role, count, rng, **kw) -> list[str]:
    team = SERVICES[service][0] if service in SERVICES else kw.pop("team", "platform")
    tags = {
        "Environment": env,
        "Role": role,
        "Team": team,
        "Service": service,
        **kw.pop("tags", {}),
    }
    stopped = kw.pop("stopped", 0)
    name = kw.pop("name", f"{env}-{service}-{role}-{{i:02d}}")
    per_reservation = kw.pop("per_reservation", rng.choice((2, 4, count or 1)))
    ids = []
    if count - stopped > 0:
        ids += fleet.ec2(
            account, region, count - stopped, name=name, tags=tags,
            per_reservation=per_reservation, instance_type=ROLE_TYPES[role], **kw,
        )
    if stopped:
        stopped_ids = fleet.ec2(
            account, region, stopped, name=name, tags=tags, start=count - stopped,
            per_reservation=stopped, state="stopped", instance_type=ROLE_TYPES[role], **kw,
        )
        summary["stopped"] += stopped_ids
        ids += stopped_ids
    summary["ec2"].setdefault((account, region), []).extend(ids)
    if kw.get("platform") == "windows":
        summary["windows"] += ids
    return ids


def build(fleet, seed: int = 0) -> dict[str, Any]:
    """Seed the demo into `fleet`, a fleet.Fleet (not imported: fleet.py imports this
    module for Fleet.demo). Returns the summary Fleet.demo documents."""
    rng = random.Random(seed)
    summary: dict[str, Any] = {
        "accounts": dict(ACCOUNT_NAMES),
        "regions": list(REGIONS),
        "ec2": {},
        "stopped": [],
        "windows": [],
        "jumphosts": [],
        "rds": [],
        "elasticache": [],
        "ecs": [],
        "ssm_unmanaged": [],
        "ssm_connection_lost": [],
    }

    envs = {PROD: ("prod",), NONPROD: ("staging", "dev")}
    for account, account_envs in envs.items():
        for region in REGIONS:
            services = sorted(rng.sample(sorted(SERVICES), k=5 if region == "us-east-1" else 3))
            for env in account_envs:
                for service in services:
                    for role in SERVICES[service][1]:
                        count = rng.randint(3, 6) if env == "prod" else rng.randint(1, 3)
                        stopped = 1 if env != "prod" and count > 1 and rng.random() < 0.4 else 0
                        _group(fleet, summary, account, region, env, service, role, count, rng,
                               stopped=stopped)
            env = account_envs[0]
            _group(fleet, summary, account, region, env, "gateway", "bastion", 1, rng,
                   name=f"{env}-bastion-{region}")
        # one jump host per account, in the first region, for `connect` through it
        summary["jumphosts"] += _group(
            fleet, summary, account, REGIONS[0], account_envs[0], "gateway", "jumphost", 1, rng,
            name=f"{account_envs[0]}-jumphost",
        )

    # Windows hosts
    _group(fleet, summary, PROD, "us-east-1", "prod", "reports", "worker", 2, rng,
           name="prod-reports-win-{i:02d}", platform="windows", per_reservation=2)
    _group(fleet, summary, NONPROD, "eu-west-1", "dev", "reports", "worker", 1, rng,
           name="dev-reports-win-{i:02d}", platform="windows")
    # a host whose tags are hostile text, to show they never reach a shell raw
    _group(fleet, summary, NONPROD, "us-west-2", "dev", "etl", "worker", 1, rng,
           name="dev-legacy-$(whoami)", tags={"Notes": HOSTILE_NOTE})

    # SSM: a few running Linux hosts unmanaged, a few with a lost agent
    stopped = set(summary["stopped"])
    running = sorted(
        i for ids in summary["ec2"].values() for i in ids
        if i not in stopped and i not in summary["jumphosts"]
    )
    picked = rng.sample(running, 7)
    summary["ssm_unmanaged"] = picked[:4]
    summary["ssm_connection_lost"] = picked[4:]
    fleet.aws.ssm.set(summary["ssm_unmanaged"], managed=False)
    fleet.aws.ssm.set(summary["ssm_connection_lost"], ping_status="ConnectionLost")

    def tags(env, service, name):
        return {"Name": name, "Environment": env, "Team": SERVICES[service][0], "Service": service}

    # RDS
    for account, region, env, service, ident, engine in (
        (PROD, "us-east-1", "prod", "checkout", "prod-checkout-db", "postgres"),
        (PROD, "us-west-2", "prod", "catalog", "prod-catalog-db", "mysql"),
        (PROD, "eu-west-1", "prod", "auth", "prod-auth-db-eu", "postgres"),
        (NONPROD, "us-east-1", "staging", "checkout", "staging-checkout-db", "postgres"),
        (NONPROD, "us-east-1", "dev", "reports", "dev-reports-db", "mysql"),
    ):
        db = fleet.rds_instance(account, region, ident, engine=engine,
                                tags=tags(env, service, ident))
        summary["rds"].append(db["DBInstanceArn"])
    aurora = fleet.aurora_cluster(PROD, "us-east-1", "prod-ledger", readers=2,
                                  tags=tags("prod", "ledger", "prod-ledger"))
    summary["rds"].append(aurora["cluster"]["DBClusterArn"])
    aurora = fleet.aurora_cluster(NONPROD, "us-west-2", "staging-ledger", readers=1,
                                  engine="aurora-mysql",
                                  tags=tags("staging", "ledger", "staging-ledger"))
    summary["rds"].append(aurora["cluster"]["DBClusterArn"])

    # ElastiCache
    rg = fleet.elasticache_replication_group(
        PROD, "us-east-1", "prod-sessions", num_cache_clusters=3,
        tags=tags("prod", "auth", "prod-sessions"))
    summary["elasticache"].append(rg["ARN"])
    rg = fleet.elasticache_replication_group(
        NONPROD, "us-east-1", "staging-sessions", num_cache_clusters=2,
        tags=tags("staging", "auth", "staging-sessions"))
    summary["elasticache"].append(rg["ARN"])
    cc = fleet.elasticache_cluster(
        PROD, "eu-west-1", "prod-catalog-cache", num_nodes=2,
        tags=tags("prod", "catalog", "prod-catalog-cache"))
    summary["elasticache"].append(cc["ARN"])

    # ECS
    for account, region, cluster, env, service, count, containers, exec_enabled in (
        (PROD, "us-east-1", "prod", "prod", "checkout", 3, ["app", "envoy"], True),
        (PROD, "us-east-1", "prod", "prod", "notify", 2, ["worker"], False),
        (PROD, "eu-west-1", "prod-eu", "prod", "catalog", 2, ["app", "envoy"], True),
        (NONPROD, "us-west-2", "dev", "dev", "search", 2, ["app"], True),
    ):
        summary["ecs"] += fleet.ecs_tasks(
            account, region, cluster, service, count, containers=containers,
            exec_enabled=exec_enabled,
            tags={"Environment": env, "Team": SERVICES[service][0], "Service": service},
        )
    _other_kinds(fleet, summary, tags)
    return summary


def _other_kinds(fleet, summary, tags) -> None:
    """A few of every other native kind, some resources only an index source lists, and
    Resource Explorer set up in each account (so that untagged ones are listed too)."""
    for account, env in ((PROD, "prod"), (NONPROD, "staging")):
        region = REGIONS[0]
        for service in ("checkout", "notify"):
            fleet.lambda_function(account, region, f"{env}-{service}-handler",
                                  tags=tags(env, service, f"{env}-{service}-handler"))
            fleet.sqs_queue(account, region, f"{env}-{service}-jobs", tags=tags(env, service, f"{env}-{service}-jobs"))
        fleet.sns_topic(account, region, f"{env}-alerts", subscribers=2)
        fleet.dynamodb_table(account, region, f"{env}-carts", tags=tags(env, "checkout", f"{env}-carts"))
        fleet.s3_bucket(account, REGIONS[2], f"acme-{env}-reports-{account[:4]}", tags=tags(env, "reports", "reports"))
        fleet.load_balancer(account, region, f"{env}-gateway", tags=tags(env, "gateway", f"{env}-gateway"))
        fleet.auto_scaling_group(account, region, f"{env}-workers", desired=0, max_size=0)
        fleet.eks_cluster(account, region, f"{env}-k8s")
        fleet.cfn_stack(account, region, f"{env}-network", description="VPC and subnets")
        fleet.aws.client("kms", account, region, direct=True).create_key(Description=f"{env} data key")
        fleet.aws.client("secretsmanager", account, region, direct=True).create_secret(
            Name=f"{env}/checkout/db", SecretString="not-a-real-secret")
        fleet.aws.client("logs", account, region, direct=True).create_log_group(logGroupName=f"/{env}/checkout")
        fleet.resource_explorer(account, aggregator=region, local=REGIONS[1:])
    fleet.hybrid_nodes(PROD, REGIONS[0], 2)
