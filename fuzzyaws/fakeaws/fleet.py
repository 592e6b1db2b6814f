"""Seed fleets into a FakeAWS through boto3 (straight to moto, so seeding is neither
logged nor faulted), plus the deterministic demo fleet.

    fleet = Fleet(aws)
    ids = fleet.ec2("111111111111", "us-east-1", 30, name="web-{i:03d}",
                    tags={"Role": "web"}, per_reservation=1)
    fleet.aurora_cluster("111111111111", "us-east-1", "orders", readers=2)
    fleet.ecs_tasks("111111111111", "us-east-1", "prod", "api", 3, containers=["app", "envoy"])

Tag values (and name) are str.format templates over i (the instance's index),
account and region. Instances with equal tags share a run_instances batch of up to
per_reservation; per-instance differences are tagged in moto directly, which keeps
seeding a 150-instance fleet under a couple of seconds.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import FakeAWS

# Images in moto's built-in AMI list: an Amazon Linux without a Platform field (as
# real Linux instances describe) and a Windows Server (Platform "windows").
LINUX_AMI = "ami-760aaa0f"
WINDOWS_AMI = "ami-b7e93bce"
FAKE_DB_PASSWORD = "fake-password-not-real"

DEMO_ACCOUNTS = ("111111111111", "222222222222")
DEMO_REGIONS = ("us-east-1", "us-west-2", "eu-west-1")


def _tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


class Fleet:
    """Builds resources in a FakeAWS. Methods return what describe calls return."""

    def __init__(self, aws: FakeAWS, *, via_proxy: bool = False) -> None:
        self.aws = aws
        self.via_proxy = via_proxy
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._subnets: dict[tuple[str, str], list[dict]] = {}

    def client(self, service: str, account: str, region: str):
        key = (service, account, region)
        if key not in self._clients:
            self._clients[key] = self.aws.client(
                service, account, region, direct=not self.via_proxy
            )
        return self._clients[key]

    def default_subnets(self, account: str, region: str) -> list[dict]:
        """The default VPC's subnets, one per AZ, sorted by AZ."""
        key = (account, region)
        if key not in self._subnets:
            resp = self.client("ec2", account, region).describe_subnets(
                Filters=[{"Name": "default-for-az", "Values": ["true"]}]
            )
            self._subnets[key] = sorted(resp["Subnets"], key=lambda s: s["AvailabilityZone"])
        return self._subnets[key]

    def _default_sg(self, account: str, region: str) -> str:
        resp = self.client("ec2", account, region).describe_security_groups(
            Filters=[{"Name": "group-name", "Values": ["default"]}]
        )
        return resp["SecurityGroups"][0]["GroupId"]

    # -- EC2 ------------------------------------------------------------------

    def ec2(
        self,
        account: str,
        region: str,
        count: int,
        *,
        name: str | None = "web-{i:03d}",
        tags: Mapping[str, str] | None = None,
        per_reservation: int = 1,
        state: str = "running",
        platform: str | None = None,
        instance_type: str = "t3.micro",
        image_id: str | None = None,
        start: int = 0,
        key_name: str | None = None,
        az: int | None = None,
    ) -> list[str]:
        """Launch `count` instances; returns their ids in index order.

        per_reservation caps instances per run_instances call (and so per
        reservation, the unit moto pages describe_instances by). state is
        "running" or "stopped"; platform None (Linux) or "windows". Instances
        are spread over the region's AZs unless az (an index) pins them.
        """
        if state not in ("running", "stopped"):
            raise ValueError("state is 'running' or 'stopped'")
        if per_reservation < 1:
            raise ValueError("per_reservation must be >= 1")
        ec2 = self.client("ec2", account, region)
        subnets = self.default_subnets(account, region)
        image = image_id or (WINDOWS_AMI if platform == "windows" else LINUX_AMI)
        if key_name:
            existing = ec2.describe_key_pairs()["KeyPairs"]
            if key_name not in {k["KeyName"] for k in existing}:
                ec2.create_key_pair(KeyName=key_name)

        templates = dict(tags or {})
        if name is not None:
            templates = {"Name": name, **templates}
        wanted = [
            {k: v.format(i=i, account=account, region=region) for k, v in templates.items()}
            for i in range(start, start + count)
        ]
        ids: list[str] = []
        per_instance: list[tuple[str, dict[str, str]]] = []
        for batch_no, first in enumerate(range(0, count, per_reservation)):
            batch = wanted[first : first + per_reservation]
            common = {k: v for k, v in batch[0].items() if all(t.get(k) == v for t in batch)}
            subnet = subnets[(az if az is not None else batch_no) % len(subnets)]
            kwargs: dict[str, Any] = {
                "ImageId": image,
                "InstanceType": instance_type,
                "MinCount": len(batch),
                "MaxCount": len(batch),
                "SubnetId": subnet["SubnetId"],
            }
            if key_name:
                kwargs["KeyName"] = key_name
            if common:
                kwargs["TagSpecifications"] = [
                    {"ResourceType": "instance", "Tags": _tags(common)}
                ]
            launched = [i["InstanceId"] for i in ec2.run_instances(**kwargs)["Instances"]]
            for instance_id, want in zip(launched, batch):
                extra = {k: v for k, v in want.items() if k not in common}
                if extra:
                    per_instance.append((instance_id, extra))
            ids += launched

        if per_instance:
            from moto.ec2.models import ec2_backends

            backend = ec2_backends[account][region]
            for instance_id, extra in per_instance:
                backend.create_tags([instance_id], extra)
        if state == "stopped":
            for first in range(0, len(ids), 500):
                ec2.stop_instances(InstanceIds=ids[first : first + 500])
        return ids

    # -- RDS ------------------------------------------------------------------

    def rds_instance(
        self,
        account: str,
        region: str,
        identifier: str,
        *,
        engine: str = "postgres",
        engine_version: str | None = None,
        instance_class: str = "db.t3.medium",
        tags: Mapping[str, str] | None = None,
        port: int | None = None,
        multi_az: bool = False,
        allocated_storage: int = 20,
    ) -> dict:
        kwargs: dict[str, Any] = {
            "DBInstanceIdentifier": identifier,
            "Engine": engine,
            "DBInstanceClass": instance_class,
            "AllocatedStorage": allocated_storage,
            "MasterUsername": "fakeadmin",
            "MasterUserPassword": FAKE_DB_PASSWORD,
            "MultiAZ": multi_az,
            "Tags": _tags(tags or {}),
        }
        if engine_version:
            kwargs["EngineVersion"] = engine_version
        if port:
            kwargs["Port"] = port
        return self.client("rds", account, region).create_db_instance(**kwargs)["DBInstance"]

    def aurora_cluster(
        self,
        account: str,
        region: str,
        identifier: str,
        *,
        engine: str = "aurora-postgresql",
        readers: int = 1,
        instance_class: str = "db.r6g.large",
        tags: Mapping[str, str] | None = None,
    ) -> dict:
        """A cluster with one writer and `readers` reader instances.

        Returns {"cluster": DBCluster, "writer": id, "readers": [ids]}.
        """
        rds = self.client("rds", account, region)
        cluster = rds.create_db_cluster(
            DBClusterIdentifier=identifier,
            Engine=engine,
            MasterUsername="fakeadmin",
            MasterUserPassword=FAKE_DB_PASSWORD,
            Tags=_tags(tags or {}),
        )["DBCluster"]
        members = [f"{identifier}-{n}" for n in range(readers + 1)]
        for member in members:
            member_tags = dict(tags or {})
            if "Name" in member_tags:
                member_tags["Name"] = member
            rds.create_db_instance(
                DBInstanceIdentifier=member,
                DBClusterIdentifier=identifier,
                Engine=engine,
                DBInstanceClass=instance_class,
                Tags=_tags(member_tags),
            )
        cluster = rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
        return {"cluster": cluster, "writer": members[0], "readers": members[1:]}

    # -- ElastiCache ------------------------------------------------------------

    def elasticache_replication_group(
        self,
        account: str,
        region: str,
        group_id: str,
        *,
        engine: str = "redis",
        node_type: str = "cache.t3.micro",
        num_cache_clusters: int = 2,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> dict:
        """A cluster-mode-disabled group: one primary and num_cache_clusters - 1 replicas.

        moto sizes the group from ReplicasPerNodeGroup only and lists none of its
        member clusters in DescribeCacheClusters; this creates them there too, as
        ElastiCache does (each with its ReplicationGroupId).
        """
        elasticache = self.client("elasticache", account, region)
        group = elasticache.create_replication_group(
            ReplicationGroupId=group_id,
            ReplicationGroupDescription=description or f"{group_id} ({engine})",
            Engine=engine,
            CacheNodeType=node_type,
            NumCacheClusters=num_cache_clusters,
            ReplicasPerNodeGroup=num_cache_clusters - 1,
            Tags=_tags(tags or {}),
        )["ReplicationGroup"]
        for member in group["MemberClusters"]:
            elasticache.create_cache_cluster(
                CacheClusterId=member,
                ReplicationGroupId=group_id,
                Engine=engine,
                CacheNodeType=node_type,
                NumCacheNodes=1,
                Tags=_tags(tags or {}),
            )
        return group

    def elasticache_cluster(
        self,
        account: str,
        region: str,
        cluster_id: str,
        *,
        engine: str = "memcached",
        node_type: str = "cache.t3.micro",
        num_nodes: int = 2,
        tags: Mapping[str, str] | None = None,
    ) -> dict:
        return self.client("elasticache", account, region).create_cache_cluster(
            CacheClusterId=cluster_id,
            Engine=engine,
            CacheNodeType=node_type,
            NumCacheNodes=num_nodes,
            Tags=_tags(tags or {}),
        )["CacheCluster"]

    # -- ECS ------------------------------------------------------------------

    def ecs_tasks(
        self,
        account: str,
        region: str,
        cluster: str,
        service: str,
        count: int,
        *,
        containers: Sequence[str | Mapping[str, Any]] = ("app",),
        exec_enabled: bool = True,
        tags: Mapping[str, str] | None = None,
        launch_type: str = "FARGATE",
    ) -> list[str]:
        """A service in `cluster` (both created if missing) with `count` RUNNING tasks.

        containers: names, or container definitions (name, image, ...). Returns
        the task ARNs. moto gives a task one container, never starts service
        tasks and ignores enableExecuteCommand; this fills those in on moto's
        task objects so DescribeTasks answers like ECS does.
        """
        ecs = self.client("ecs", account, region)
        if not ecs.describe_clusters(clusters=[cluster])["clusters"]:
            ecs.create_cluster(clusterName=cluster, tags=[
                {"key": k, "value": v} for k, v in (tags or {}).items()
            ])
        # moto's RunTask fails on a container definition without cpu and memory
        base = {"essential": True, "cpu": 128, "memory": 256}
        defs = [
            {**base, "name": c, "image": f"public.ecr.aws/fake/{c}:latest"}
            if isinstance(c, str)
            else {**base, **c}
            for c in containers
        ]
        task_def = ecs.register_task_definition(
            family=f"{cluster}-{service}",
            containerDefinitions=defs,
            networkMode="awsvpc",
            requiresCompatibilities=[launch_type],
            cpu="256",
            memory="512",
        )["taskDefinition"]["taskDefinitionArn"]
        subnets = [s["SubnetId"] for s in self.default_subnets(account, region)]
        network = {
            "awsvpcConfiguration": {
                "subnets": subnets[:1],
                "securityGroups": [self._default_sg(account, region)],
                "assignPublicIp": "DISABLED",
            }
        }
        ecs_tags = [{"key": k, "value": v} for k, v in (tags or {}).items()]
        ecs.create_service(
            cluster=cluster,
            serviceName=service,
            taskDefinition=task_def,
            desiredCount=count,
            launchType=launch_type,
            networkConfiguration=network,
            enableExecuteCommand=exec_enabled,
            tags=ecs_tags,
            propagateTags="SERVICE",
        )
        deployment = random.Random(f"{account}/{region}/{cluster}/{service}").randrange(10**19)
        started_by = f"ecs-svc/{deployment:019d}"
        arns: list[str] = []
        while len(arns) < count:  # RunTask starts at most 10 tasks per call
            batch = min(10, count - len(arns))
            kwargs: dict[str, Any] = {
                "cluster": cluster,
                "taskDefinition": task_def,
                "count": batch,
                "launchType": launch_type,
                "networkConfiguration": network,
                "group": f"service:{service}",
                "startedBy": started_by,
                "enableExecuteCommand": exec_enabled,
            }
            if ecs_tags:
                kwargs["tags"] = ecs_tags
            arns += [t["taskArn"] for t in ecs.run_task(**kwargs)["tasks"]]
        self._complete_tasks(account, region, cluster, arns, defs, exec_enabled)
        return arns

    def _complete_tasks(self, account, region, cluster, arns, defs, exec_enabled) -> None:
        from moto.ecs.models import Container, ecs_backends

        backend = ecs_backends[account][region]
        for arn in arns:
            task = backend.tasks[cluster][arn]
            task.enable_execute_command = exec_enabled
            task_def = backend.describe_task_definition(task.task_definition_arn)
            private_ip = None
            for attachment in task.attachments:
                for detail in attachment["details"]:
                    if detail["name"] == "privateIPv4Address":
                        private_ip = detail["value"]
            runtime_base = random.Random(arn).randrange(10**9, 10**10)
            built = []
            for n, definition in enumerate(defs):
                container = Container(task_def)
                container.task_arn = arn
                container.name = definition["name"]
                container.image = definition.get("image")
                container.last_status = "RUNNING"
                container.exitCode = None
                container.runtime_id = f"{task.id}-{runtime_base + n}"
                if private_ip:
                    attachment = task.attachments[0]["id"]
                    container.network_interfaces = [
                        {"attachmentId": attachment, "privateIpv4Address": private_ip}
                    ]
                if exec_enabled:
                    container.managed_agents = [
                        {"name": "ExecuteCommandAgent", "lastStatus": "RUNNING"}
                    ]
                built.append(container)
            task.containers = built

    # -- Organizations -----------------------------------------------------------

    def organization(self, management: str, members: Sequence[str]) -> dict[str, str]:
        """An organization run from `management` with one new account per member name.

        Returns {name: account id}. moto picks member account ids at random, and
        lets anyone assume any role in them (OrganizationAccountAccessRole included).
        """
        org = self.client("organizations", management, "us-east-1")
        org.create_organization(FeatureSet="ALL")
        ids = {}
        for name in members:
            status = org.create_account(Email=f"{name}@example.invalid", AccountName=name)
            ids[name] = status["CreateAccountStatus"]["AccountId"]
        return ids

    # -- the demo ---------------------------------------------------------------

    def demo(self, seed: int = 0) -> dict[str, Any]:
        """A realistic fleet over DEMO_ACCOUNTS x DEMO_REGIONS; deterministic for a seed.

        Returns a summary: {"ec2": {(account, region): [ids]}, "rds": [...],
        "elasticache": [...], "ecs": [...], "windows": [...], "stopped": [...],
        "ssm_unmanaged": [...], "ssm_connection_lost": [...]}.
        """
        from .demo import build

        return build(self, seed)
