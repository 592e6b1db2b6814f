"""Seed fleets into a FakeAWS through boto3 (straight to moto, so seeding is neither
logged nor faulted), plus the deterministic demo fleet.

    fleet = Fleet(aws)
    ids = fleet.ec2("111111111111", "us-east-1", 30, name="web-{i:03d}",
                    tags={"Role": "web"}, per_reservation=1)
    fleet.aurora_cluster("111111111111", "us-east-1", "orders", readers=2)
    fleet.ecs_tasks("111111111111", "us-east-1", "prod", "api", 3, containers=["app", "envoy"])
    fleet.sqs_queue("111111111111", "us-east-1", "jobs", tags={"Team": "batch"})

Tag values (and name) are str.format templates over i (the instance's index),
account and region. Instances with equal tags share a run_instances batch of up to
per_reservation; per-instance differences are tagged in moto directly, which keeps
seeding a 150-instance fleet under a couple of seconds.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
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
        self._roles: dict[tuple[str, str], str] = {}

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

    def _role(self, account: str, service: str) -> str:
        """The ARN of a role `service` (lambda, eks) may assume, made once per account."""
        if (account, service) not in self._roles:
            trust = {"Effect": "Allow", "Action": "sts:AssumeRole",
                     "Principal": {"Service": f"{service}.amazonaws.com"}}
            policy = {"Statement": [trust]}
            role = self.client("iam", account, "us-east-1").create_role(
                RoleName=f"fakeaws-{service}", AssumeRolePolicyDocument=json.dumps(policy)
            )
            self._roles[account, service] = role["Role"]["Arn"]
        return self._roles[account, service]

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
        managed_secret: bool = False,
    ) -> dict:
        """An RDS instance; with `managed_secret`, its master password is a secret RDS keeps
        in Secrets Manager (MasterUserSecret) instead of FAKE_DB_PASSWORD."""
        kwargs: dict[str, Any] = {
            "DBInstanceIdentifier": identifier,
            "Engine": engine,
            "DBInstanceClass": instance_class,
            "AllocatedStorage": allocated_storage,
            "MasterUsername": "fakeadmin",
            "MultiAZ": multi_az,
            "Tags": _tags(tags or {}),
        }
        if managed_secret:
            kwargs["ManageMasterUserPassword"] = True
        else:
            kwargs["MasterUserPassword"] = FAKE_DB_PASSWORD
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

    def ecs_services(
        self,
        account: str,
        region: str,
        cluster: str,
        names: Sequence[str],
        *,
        desired: int = 2,
        running: int | None = None,
        exec_enabled: bool = False,
        tags: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Services (no tasks) in `cluster`, created if missing, each `running` of
        `desired` tasks (all by default); returns their ARNs. moto counts none running
        (unless told per process) and ignores enableExecuteCommand, so both are set on
        its service objects."""
        from moto.ecs.models import ecs_backends

        ecs = self.client("ecs", account, region)
        if not ecs.describe_clusters(clusters=[cluster])["clusters"]:
            ecs.create_cluster(clusterName=cluster)
        arns = []
        for name in names:
            task_def = ecs.register_task_definition(
                family=f"{cluster}-{name}",
                containerDefinitions=[{"name": "app", "image": "public.ecr.aws/fake/app:latest",
                                       "cpu": 128, "memory": 256}],
            )["taskDefinition"]["taskDefinitionArn"]
            service = ecs.create_service(
                cluster=cluster,
                serviceName=name,
                taskDefinition=task_def,
                desiredCount=desired,
                launchType="EC2",
                enableExecuteCommand=exec_enabled,
                tags=[{"key": k, "value": v} for k, v in (tags or {}).items()],
            )["service"]
            arns.append(service["serviceArn"])
            moto_service = ecs_backends[account][region].services[f"{cluster}:{name}"]
            moto_service.running_count = desired if running is None else running
            moto_service.pending_count = desired - moto_service.running_count
            moto_service.enable_execute_command = exec_enabled
        return arns

    # -- Lambda, S3, load balancers, Auto Scaling, EKS -----------------------------

    def lambda_function(
        self,
        account: str,
        region: str,
        name: str,
        *,
        runtime: str = "python3.12",
        memory: int = 128,
        description: str = "",
        tags: Mapping[str, str] | None = None,
    ) -> dict:
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("app.py", "def handler(event, context):\n    return event\n")
        return self.client("lambda", account, region).create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=self._role(account, "lambda"),
            Handler="app.handler",
            Code={"ZipFile": code.getvalue()},
            MemorySize=memory,
            Description=description,
            Tags=dict(tags or {}),
        )

    def s3_bucket(
        self,
        account: str,
        region: str,
        name: str,
        *,
        tags: Mapping[str, str] | None = None,
        constraint: str | None = None,
    ) -> None:
        """A bucket in `region`, or with `constraint` as its LocationConstraint instead
        (the legacy "EU"). Created through us-east-1, which takes any constraint."""
        s3 = self.client("s3", account, "us-east-1")
        constraint = constraint or (None if region == "us-east-1" else region)
        kwargs: dict[str, Any] = {"Bucket": name}
        if constraint:
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": constraint}
        s3.create_bucket(**kwargs)
        if tags:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tags(tags)})

    def load_balancer(
        self,
        account: str,
        region: str,
        name: str,
        *,
        lb_type: str = "application",
        ports: Sequence[int] = (80,),
        tags: Mapping[str, str] | None = None,
    ) -> dict:
        """An "application" or "network" load balancer (elbv2) with a listener per port
        forwarding to an empty target group, or a "classic" one (elb)."""
        subnets = self.default_subnets(account, region)
        if lb_type == "classic":
            listeners = [
                {"Protocol": "HTTP", "LoadBalancerPort": p, "InstancePort": p} for p in ports
            ]
            self.client("elb", account, region).create_load_balancer(
                LoadBalancerName=name,
                Listeners=listeners,
                AvailabilityZones=[subnets[0]["AvailabilityZone"]],
                Tags=_tags(tags or {}),
            )
            return self.client("elb", account, region).describe_load_balancers(
                LoadBalancerNames=[name]
            )["LoadBalancerDescriptions"][0]
        elbv2 = self.client("elbv2", account, region)
        kwargs: dict[str, Any] = {
            "Name": name,
            "Type": lb_type,
            "Subnets": [s["SubnetId"] for s in subnets[:2]],
        }
        if tags:
            kwargs["Tags"] = _tags(tags)
        lb = elbv2.create_load_balancer(**kwargs)["LoadBalancers"][0]
        protocol = "HTTP" if lb_type == "application" else "TCP"
        group = elbv2.create_target_group(
            Name=f"{name}-tg"[-32:], Protocol=protocol, Port=ports[0], VpcId=subnets[0]["VpcId"]
        )["TargetGroups"][0]["TargetGroupArn"]
        for port in ports:
            elbv2.create_listener(
                LoadBalancerArn=lb["LoadBalancerArn"], Protocol=protocol, Port=port,
                DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
            )
        return lb

    def auto_scaling_group(
        self,
        account: str,
        region: str,
        name: str,
        *,
        desired: int = 2,
        max_size: int = 4,
        tags: Mapping[str, str] | None = None,
    ) -> dict:
        """A group launching `desired` instances (moto starts them at once) from a launch
        template of its own; they carry its aws:autoscaling:groupName tag, as in EC2."""
        self.client("ec2", account, region).create_launch_template(
            LaunchTemplateName=f"{name}-lt",
            LaunchTemplateData={"ImageId": LINUX_AMI, "InstanceType": "t3.micro"},
        )
        autoscaling = self.client("autoscaling", account, region)
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": f"{name}-lt", "Version": "$Latest"},
            MinSize=0,
            MaxSize=max_size,
            DesiredCapacity=desired,
            VPCZoneIdentifier=self.default_subnets(account, region)[0]["SubnetId"],
            Tags=[
                {"Key": k, "Value": v, "PropagateAtLaunch": True} for k, v in (tags or {}).items()
            ],
        )
        return autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
            "AutoScalingGroups"
        ][0]

    def eks_cluster(
        self, account: str, region: str, name: str, *, tags: Mapping[str, str] | None = None
    ) -> dict:
        subnets = [s["SubnetId"] for s in self.default_subnets(account, region)[:2]]
        return self.client("eks", account, region).create_cluster(
            name=name,
            roleArn=self._role(account, "eks"),
            resourcesVpcConfig={"subnetIds": subnets},
            tags=dict(tags or {}),
        )["cluster"]

    # -- DynamoDB, SQS, SNS, CloudFormation ----------------------------------------

    def dynamodb_table(
        self,
        account: str,
        region: str,
        name: str,
        *,
        range_key: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> dict:
        """An on-demand table keyed by `pk` (a string), and `range_key` (a number) if given."""
        keys = [("pk", "S", "HASH")] + ([(range_key, "N", "RANGE")] if range_key else [])
        kwargs: dict[str, Any] = {
            "TableName": name,
            "KeySchema": [{"AttributeName": k, "KeyType": kt} for k, _, kt in keys],
            "AttributeDefinitions": [{"AttributeName": k, "AttributeType": t} for k, t, _ in keys],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if tags:
            kwargs["Tags"] = _tags(tags)
        return self.client("dynamodb", account, region).create_table(**kwargs)["TableDescription"]

    def sqs_queue(
        self,
        account: str,
        region: str,
        name: str,
        *,
        dlq_arn: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """A queue (FIFO if its name ends in .fifo), its dead letters sent to `dlq_arn`;
        returns its URL."""
        attributes = {"FifoQueue": "true"} if name.endswith(".fifo") else {}
        if dlq_arn:
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}
            )
        return self.client("sqs", account, region).create_queue(
            QueueName=name, Attributes=attributes, tags=dict(tags or {})
        )["QueueUrl"]

    def sns_topic(
        self,
        account: str,
        region: str,
        name: str,
        *,
        subscribers: int = 0,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """A topic (FIFO if its name ends in .fifo) with `subscribers` SQS queues
        subscribed; returns its ARN. moto counts no subscriptions in the topic's
        attributes, so the count is set on its topic object."""
        from moto.sns.models import sns_backends

        sns = self.client("sns", account, region)
        attributes = {"FifoTopic": "true"} if name.endswith(".fifo") else {}
        arn = sns.create_topic(Name=name, Attributes=attributes, Tags=_tags(tags or {}))[
            "TopicArn"
        ]
        for n in range(subscribers):
            queue = f"arn:aws:sqs:{region}:{account}:{name.removesuffix('.fifo')}-sub{n}"
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue)
        sns_backends[account][region].get_topic(arn).subscriptions_confimed = subscribers
        return arn

    def cfn_stack(
        self,
        account: str,
        region: str,
        name: str,
        *,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """A stack of one SSM parameter (cheap for moto, of no kind fuzzyaws lists);
        returns its id."""
        setting = {"Type": "String", "Name": f"/fakeaws/{name}", "Value": "on"}
        template = {
            "Resources": {"Setting": {"Type": "AWS::SSM::Parameter", "Properties": setting}}
        }
        if description:
            template["Description"] = description
        return self.client("cloudformation", account, region).create_stack(
            StackName=name, TemplateBody=json.dumps(template), Tags=_tags(tags or {})
        )["StackId"]

    # -- SSM hybrid nodes ----------------------------------------------------------

    def hybrid_nodes(
        self,
        account: str,
        region: str,
        count: int,
        *,
        name: str = "onprem-{i:02d}",
        platform_type: str = "Linux",
        tags: Mapping[str, str] | None = None,
    ) -> list[str]:
        """`count` on-premises servers registered with SSM (managed nodes `mi-…`, which
        only the fake knows of: aws.state.hybrid); returns their ids. `name` and tag
        values are templates over i. Their ping status is up to aws.ssm, as an instance's."""
        return [
            self.aws.state.hybrid.add(
                account,
                region,
                name.format(i=i),
                ip_address=f"192.168.{i // 250}.{i % 250 + 1}",
                platform_type=platform_type,
                tags={k: v.format(i=i) for k, v in (tags or {}).items()},
            )
            for i in range(count)
        ]

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

    # -- Resource Explorer ---------------------------------------------------------

    def resource_explorer(
        self,
        account: str,
        *,
        aggregator: str | None = "us-east-1",
        local: Sequence[str] = (),
        default_views: Sequence[str] | None = None,
    ) -> dict[str, dict[str, str]]:
        """Turn Resource Explorer on: indexes in `aggregator` (the account's AGGREGATOR)
        and in the `local` Regions, and a default view of everything, tags included, in
        each of `default_views` (by default the aggregator's Region, as the console's
        quick setup does). aggregator=None leaves local indexes only.

        Returns {"indexes": {region: arn}, "default_views": {region: arn}}.
        """
        return self.aws.state.explorer.set_up(
            account, aggregator=aggregator, local=local, default_views=default_views
        )
