"""The native collectors of lambda, s3, elb, asg, eks, dynamodb, sqs, sns, cfn, ecs-service
and ssm-node, called as `refresh` calls them (through a Fetch of real, wrapped boto3
clients and a real worker pool, with small pages) against the fake AWS: a real moto
server behind the logging proxy, whose call log shows how many pages were read."""
from __future__ import annotations

import json
import re
import sys

import pytest

from fuzzyaws import NATIVE_KINDS
from fuzzyaws.aws.session import Client, Target
from fuzzyaws.inventory import collectors, ec2, s3
from fuzzyaws.workers import Pool

A, B = "111111111111", "222222222222"
EAST = "us-east-1"
# What a tag value or description may hold: newlines, terminal escapes (clear the screen,
# set the title), shell substitutions, quotes and a right-to-left override.
HOSTILE = "evil\n\x1b[2J\x1b]0;pwned\x07 $(rm -rf ~) `id` 'single' \"double\" \u202egnp.exe"
# S3 speaks XML 1.0, which cannot carry ESC or any other C0 control but tab and newline
# (a CR arrives as a newline).
XML_HOSTILE = "evil\n\t$(rm -rf ~) `id` 'single' \"double\" <b>&amp;</b> \u202egnp.exe"


class Fetch:
    """What refresh.Fetch gives a collector: one account and region's clients, wrapped as
    the app wraps them (so that failures are the typed errors), `gather` on a real worker
    pool, and the page size."""

    def __init__(self, aws, pool, account: str, region: str, page_size: int):
        self.account, self.region, self.page_size = account, region, page_size
        self.problems: list = []
        self._aws, self._pool = aws, pool
        self._once: dict = {}

    def once(self, key, compute):
        if key not in self._once:
            self._once[key] = compute()
        return self._once[key]

    def once_here(self, name: str, compute):
        return self.once((name, self.account, self.region), compute)

    def client(self, service: str):
        target = Target(account=self.account, region=self.region)
        return Client(self._aws.client(service, self.account, self.region), target, service)

    def gather(self, *calls) -> list:
        return self._pool.gather(*calls)

    def submit(self, call):
        return self._pool.submit(call)

    def results(self, started: list) -> list:
        return self._pool.results(started)

    def previous(self) -> list:
        return []

    def partial(self, message: str) -> None:
        self.problems.append(message)


@pytest.fixture
def pool():
    workers = Pool(8)
    yield workers
    workers.close()


@pytest.fixture
def collect(aws, pool):
    """collect(kind, account=A, region=EAST, page_size=10) -> {id: Resource}, each id once."""
    def run(kind, account=A, region=EAST, page_size=10):
        fetch = Fetch(aws, pool, account, region, page_size)
        found = collectors.COLLECTORS[kind](fetch)
        assert not fetch.problems
        assert len({r.id for r in found}) == len(found), [r.id for r in found]
        for r in found:
            assert (r.kind, r.account) == (kind, account) and r.key.startswith("arn:aws:")
            assert r.name and r.line().replace("\t", "").isprintable()  # nothing that drives a terminal
            json.dumps(r.to_dict())  # raw values only: no datetimes
        return {r.id: r for r in found}

    return run


def calls(aws, operation: str, **match) -> list:
    return [c for c in aws.calls if c.operation == operation
            and all(getattr(c, k) == v for k, v in match.items())]


def rest_calls(aws, service: str, path: str, **match) -> list:
    """Calls of a REST API (which names no operation on the wire) by their path."""
    return [c for c in aws.calls if c.service == service and re.fullmatch(path, c.path)
            and all(getattr(c, k) == v for k, v in match.items())]


def test_every_native_kind_has_a_collector_and_names_its_iam_actions(collect):
    assert set(collectors.COLLECTORS) == set(NATIVE_KINDS)
    assert set(collectors.CHAIN) <= set(collectors.COLLECTORS)
    for kind, function in collectors.COLLECTORS.items():
        assert "IAM: " in sys.modules[function.__module__].__doc__, kind
        assert collect(kind) == {}  # an empty region: nothing, and no failure


def test_lambda_functions_with_state_tags_and_hostile_text(collect, fleet, aws):
    fleet.lambda_function(A, EAST, "resize", memory=512, description=HOSTILE,
                          tags={"Name": HOSTILE, "Team": "media"})
    fleet.lambda_function(A, EAST, "untagged", runtime="nodejs20.x")
    fleet.lambda_function(B, EAST, "other-account")
    got = collect("lambda")
    assert set(got) == {"resize", "untagged"}
    fn = got["resize"]
    assert fn.key == f"arn:aws:lambda:{EAST}:{A}:function:resize"
    assert fn.tags == {"Name": HOSTILE, "Team": "media"} and fn.name == HOSTILE  # raw
    assert fn.attrs["description"] == HOSTILE
    assert "\n" not in fn.line() and "\x1b" not in fn.line() and "\u202e" not in fn.line()
    assert fn.state == "python3.12" and fn.address == ""  # the runtime: ListFunctions has no State
    assert {k: fn.attrs[k] for k in ("runtime", "handler", "memory", "timeout", "architecture",
                                     "package_type")} == {
        "runtime": "python3.12", "handler": "app.handler", "memory": 512, "timeout": 3,
        "architecture": "x86_64", "package_type": "Zip"}
    assert fn.attrs["last_modified"][:4].isdigit() and fn.attrs["role"].endswith("role/fakeaws-lambda")
    assert got["untagged"].tags == {} and got["untagged"].name == "untagged"
    # tags: one tagging listing for the region, no call per function
    assert not rest_calls(aws, "lambda", r"/[-0-9]+/functions/[^/?]+", account=A, method="GET")
    assert len([c for c in aws.calls if c.operation == "GetResources" and c.account == A]) == 1


def test_s3_buckets_are_listed_once_each_in_its_own_region(collect, fleet, aws):
    fleet.s3_bucket(A, EAST, "east-logs", tags={"Name": XML_HOSTILE, "Team": "ops"})
    fleet.s3_bucket(A, "eu-west-1", "eu-data", tags={"Team": XML_HOSTILE})
    fleet.s3_bucket(A, "eu-west-1", "eu-legacy", constraint="EU")
    fleet.s3_bucket(A, "ap-southeast-2", "sydney")
    fleet.s3_bucket(B, EAST, "not-mine")
    got = collect("s3", region="us-west-2")  # the account's first region, whichever it is
    assert {b: r.region for b, r in got.items()} == {
        "east-logs": EAST, "eu-data": "eu-west-1", "eu-legacy": "eu-west-1", "sydney": "ap-southeast-2"}
    assert got["sydney"].key == "arn:aws:s3:::sydney" and got["sydney"].tags == {}
    assert got["east-logs"].tags == {"Name": XML_HOSTILE, "Team": "ops"}
    assert got["east-logs"].name == XML_HOSTILE and "\n" not in got["east-logs"].line()
    assert got["eu-data"].tags == {"Team": XML_HOSTILE} and got["eu-data"].name == "eu-data"
    assert "\u202e" not in got["eu-data"].line() and got["eu-data"].line().count("\t") == 8
    assert got["eu-data"].attrs["created"][:4].isdigit()
    assert len(rest_calls(aws, "s3", r"/(\?.*)?", account=A, method="GET")) == 1  # ListBuckets


def test_s3_location_constraints_name_regions():
    assert s3.region_of(None) == s3.region_of("") == "us-east-1"
    assert s3.region_of("EU") == "eu-west-1" and s3.region_of("ap-south-1") == "ap-south-1"


def test_load_balancers_of_both_apis_every_page_tags_and_listeners(collect, fleet, aws):
    for n in range(20):
        fleet.load_balancer(A, EAST, f"alb-{n:02d}", tags={"Team": f"t{n}"} if n else None)
    fleet.load_balancer(A, EAST, "nlb", lb_type="network", ports=(443, 8443), tags={"Name": "edge"})
    for n in range(3):
        fleet.load_balancer(A, EAST, f"classic-{n}", lb_type="classic", ports=(80, 8080),
                            tags={"Team": "old"})
    got = collect("elb", page_size=8)
    assert len(got) == 24
    assert len(calls(aws, "DescribeLoadBalancers", service="elasticloadbalancing")) >= 3 + 1
    assert len(calls(aws, "DescribeTags")) == 2 + 1  # 21 ARNs: 20 a call; 3 classic names
    assert got["alb-00"].tags == {} and got["alb-07"].tags == {"Team": "t7"}
    alb, nlb, classic = got["alb-07"], got["nlb"], got["classic-1"]
    assert alb.state == "active" and alb.address == alb.attrs["dns"] and alb.address
    assert alb.attrs["type"] == "application" and alb.attrs["vpc"].startswith("vpc-")
    assert alb.attrs["listeners"] == ["HTTP:80"]
    assert nlb.name == "edge" and nlb.attrs["type"] == "network"
    assert nlb.attrs["listeners"] == ["TCP:443", "TCP:8443"]
    assert classic.attrs["type"] == "classic" and classic.tags == {"Team": "old"}
    assert classic.attrs["listeners"] == ["HTTP:80", "HTTP:8080"] and classic.address
    assert classic.key == f"arn:aws:elasticloadbalancing:{EAST}:{A}:loadbalancer/classic-1"


def test_auto_scaling_groups_and_the_instances_they_launched(collect, fleet, aws, pool):
    groups = {name: fleet.auto_scaling_group(A, EAST, name, desired=desired, tags=tags)
              for name, desired, tags in (("web", 2, {"Team": "web"}), ("batch", 0, None),
                                          ("api", 1, {"Name": "api-fleet"}))}
    got = collect("asg", page_size=1)
    assert len(calls(aws, "DescribeAutoScalingGroups")) == 3
    assert set(got) == set(groups)
    web = got["web"]
    assert web.state == "2/2" and web.key == groups["web"]["AutoScalingGroupARN"]
    assert web.tags == {"Team": "web"} and got["api"].name == "api-fleet" and got["batch"].tags == {}
    assert (web.attrs["desired"], web.attrs["min"], web.attrs["max"], web.attrs["in_service"]) == (2, 0, 4, 2)
    assert web.attrs["launch_template"] == "web-lt:$Latest" and len(web.attrs["instances"]) == 2
    assert got["batch"].state == "0/0"
    instances = {r.id: r for r in ec2.collect(Fetch(aws, pool, A, EAST, 10))}
    assert {i.attrs["asg"] for i in instances.values()} == {"web", "api"}
    assert {i for i, r in instances.items() if r.attrs["asg"] == "web"} == set(web.attrs["instances"])


def test_eks_clusters_every_page(collect, fleet, aws):
    for name in ("prod", "staging", "dev"):
        fleet.eks_cluster(A, EAST, name, tags={"Env": name} if name != "dev" else None)
    got = collect("eks", page_size=2)
    assert set(got) == {"prod", "staging", "dev"}
    assert len(rest_calls(aws, "eks", r"/clusters(\?.*)?", method="GET")) == 2
    prod = got["prod"]
    assert prod.state == "active" and prod.address.startswith("https://")
    assert prod.address == prod.attrs["endpoint"] and prod.tags == {"Env": "prod"}
    assert prod.attrs["version"] and prod.attrs["platform_version"] and prod.attrs["created"]
    assert got["dev"].tags == {} and prod.key == f"arn:aws:eks:{EAST}:{A}:cluster/prod"


def test_dynamodb_tables_every_page(collect, fleet, aws):
    for n in range(5):
        fleet.dynamodb_table(A, EAST, f"table-{n}", range_key="ts" if n == 1 else None,
                             tags={"Team": "data"} if n else None)
    got = collect("dynamodb", page_size=2)
    assert set(got) == {f"table-{n}" for n in range(5)}
    assert len(calls(aws, "ListTables")) == 3
    table = got["table-1"]
    assert table.state == "active" and table.tags == {"Team": "data"} and got["table-0"].tags == {}
    assert table.attrs["keys"] == ["pk (S, HASH)", "ts (N, RANGE)"]
    assert (table.attrs["items"], table.attrs["size_bytes"], table.attrs["billing_mode"]) == (0, 0, "PAY_PER_REQUEST")
    assert table.key == f"arn:aws:dynamodb:{EAST}:{A}:table/table-1"


def test_sqs_queues_every_page(collect, fleet, aws):
    """moto's ListQueues ignores MaxResults; the fake answers it here in pages, as SQS does."""
    def list_queues(req):
        from moto.sqs.models import sqs_backends

        queues = sqs_backends[req.info.account][req.info.region].list_queues(None)
        urls = sorted(f"{aws.endpoint}/{req.info.account}/{q.name}" for q in queues)
        start, size = int(req.params.get("NextToken") or 0), req.params.get("MaxResults", 1000)
        more = {"NextToken": str(start + size)} if start + size < len(urls) else {}
        return {"QueueUrls": urls[start:start + size], **more}

    aws.local_handlers[("sqs", "ListQueues")] = list_queues
    dlq = fleet.sqs_queue(A, EAST, "jobs-dlq")
    dlq_arn = f"arn:aws:sqs:{EAST}:{A}:jobs-dlq"
    for n in range(22):
        fleet.sqs_queue(A, EAST, f"jobs-{n:02d}", dlq_arn=dlq_arn if n == 0 else None,
                        tags={"Team": "batch", "Name": f"Jobs {n}"} if n % 2 else None)
    fleet.sqs_queue(A, EAST, "orders.fifo", tags={"Team": HOSTILE})
    fleet.sqs_queue(A, "us-west-2", "elsewhere")
    aws.client("sqs", A, EAST).send_message(QueueUrl=dlq, MessageBody="lost")
    got = collect("sqs")
    assert len(got) == 24 and len(calls(aws, "ListQueues")) == 3
    first, fifo = got["jobs-00"], got["orders.fifo"]
    assert first.key == dlq_arn.replace("jobs-dlq", "jobs-00") and first.address.endswith("/jobs-00")
    assert first.attrs["dlq"] == dlq_arn and first.attrs["fifo"] is False and first.tags == {}
    assert got["jobs-01"].tags == {"Team": "batch", "Name": "Jobs 1"} and got["jobs-01"].name == "Jobs 1"
    assert fifo.attrs["fifo"] is True and fifo.tags == {"Team": HOSTILE}
    assert got["jobs-dlq"].attrs["messages"] == 1 and first.attrs["messages"] == 0


def test_sns_topics_with_subscription_counts(collect, fleet):
    fleet.sns_topic(A, EAST, "alerts", subscribers=2, tags={"Team": "ops"})
    fleet.sns_topic(A, EAST, "events.fifo")
    got = collect("sns")
    assert set(got) == {"alerts", "events.fifo"}
    alerts, events = got["alerts"], got["events.fifo"]
    assert alerts.key == f"arn:aws:sns:{EAST}:{A}:alerts" and alerts.tags == {"Team": "ops"}
    assert alerts.attrs["subscriptions"] == 2 and alerts.attrs["fifo"] is False
    assert events.attrs["fifo"] is True and events.tags == {} and events.attrs["subscriptions"] == 0


def test_cloudformation_stacks(collect, fleet):
    stack_id = fleet.cfn_stack(A, EAST, "network", description="VPC and subnets", tags={"Team": "net"})
    fleet.cfn_stack(A, EAST, "bare")
    got = collect("cfn")
    network = got["network"]
    assert set(got) == {"network", "bare"} and network.key == stack_id
    assert network.state == "create_complete" and network.tags == {"Team": "net"}
    assert network.attrs["description"] == "VPC and subnets" and network.attrs["created"][:4].isdigit()
    assert got["bare"].tags == {}


def test_ecs_services_of_every_cluster(collect, fleet, aws):
    fleet.ecs_services(A, EAST, "main", [f"svc-{n:02d}" for n in range(12)], tags={"Team": "api"})
    fleet.ecs_services(A, EAST, "jobs", ["worker"], desired=2, running=1, exec_enabled=True)
    got = collect("ecs-service")
    assert len(got) == 13
    assert len(calls(aws, "DescribeServices", service="ecs")) == 2 + 1  # ten a call
    svc, worker = got["svc-03"], got["worker"]
    assert svc.state == "2/2 running" and svc.tags == {"Team": "api"} and svc.attrs["cluster"] == "main"
    assert svc.attrs["task_definition"] == "main-svc-03:1" and svc.attrs["launch_type"] == "EC2"
    assert worker.state == "1/2 running" and worker.tags == {} and worker.exec_enabled
    assert (worker.attrs["desired"], worker.attrs["running"], worker.attrs["pending"]) == (2, 1, 1)
    assert svc.attrs["exec_enabled"] is False and worker.cluster == "jobs"


def test_hybrid_nodes_every_page_like_ec2s_ssm_attrs(collect, fleet, aws, pool):
    ids = fleet.hybrid_nodes(A, EAST, 7, tags={"Site": "dc-{i}"})
    windows = fleet.hybrid_nodes(A, EAST, 1, name="winbox", platform_type="Windows", tags={"Name": HOSTILE})
    fleet.hybrid_nodes(A, "us-west-2", 2)
    instances = fleet.ec2(A, EAST, 3)
    aws.ssm.set(ids[1], ping_status="ConnectionLost")
    aws.ssm.set(ids[2], managed=False)  # deregistered
    got = collect("ssm-node", page_size=5)
    assert set(got) == set(ids + windows) - {ids[2]}
    assert len(calls(aws, "DescribeInstanceInformation")) == 2
    node, lost, win = got[ids[0]], got[ids[1]], got[windows[0]]
    assert node.key == f"arn:aws:ssm:{EAST}:{A}:managed-instance/{ids[0]}"
    assert node.name == "onprem-00" and node.tags == {"Site": "dc-0"} and node.address == "192.168.0.1"
    assert node.attrs["ssm_ping"] == "Online" and node.attrs["ssm_platform"] == "Ubuntu 22.04"
    assert node.attrs["ssm_agent"] and node.attrs["computer_name"] and node.attrs["registered"]
    assert node.line().split("\t")[3:5] == ["registered", "ssm:online"]
    assert lost.line().split("\t")[3:5] == ["registered", "ssm:connectionlost"]
    assert win.windows and win.name == HOSTILE and win.tags == {"Name": HOSTILE}
    # the EC2 shard is unchanged by hybrid nodes
    from_ec2 = {r.id: r for r in ec2.collect(Fetch(aws, pool, A, EAST, 10))}
    assert set(from_ec2) == set(instances) and {r.ssm_ping for r in from_ec2.values()} == {"Online"}


def test_ec2_asks_ssm_about_its_instances_in_batches_at_once(collect, fleet, aws):
    ids = fleet.ec2(A, EAST, 23)
    aws.ssm.set(ids[4], ping_status="ConnectionLost")
    aws.ssm.set(ids[7], managed=False)
    aws.faults.add("latency", seconds=0.5, service="ssm", operation="DescribeInstanceInformation")
    got = collect("ec2", page_size=10)
    asked = calls(aws, "DescribeInstanceInformation")
    assert len(asked) == 3  # 10 ids a call (the page size): 23 instances
    spans = sorted((c.time, c.time + c.duration) for c in asked)
    assert spans[-1][0] < spans[0][1]  # all three at once, not one after the other
    assert got[ids[4]].attrs["ssm_ping"] == "ConnectionLost" and "ssm_ping" not in got[ids[7]].attrs
    assert {got[i].attrs["ssm_ping"] for i in ids if i not in (ids[4], ids[7])} == {"Online"}
    aws.calls.clear()
    assert collect("ec2", region="us-west-2") == {}
    assert not calls(aws, "DescribeInstanceInformation")  # no instances: nothing to ask


def test_a_denied_ssm_batch_is_the_last_one_asked(fleet, aws, pool):
    ids = fleet.ec2(A, EAST, 40)
    aws.faults.add("latency", seconds=0.2, service="ec2", operation="DescribeInstances")
    aws.faults.add("access_denied", service="ssm", operation="DescribeInstanceInformation")
    fetch = Fetch(aws, pool, A, EAST, 10)
    got = ec2.collect(fetch)
    assert sorted(r.id for r in got) == sorted(ids)  # the instances, without their SSM status
    assert all("access denied" in r.attrs["ssm_unknown"].lower() for r in got)
    assert len(fetch.problems) == 1 and "SSM status unknown" in fetch.problems[0]
    assert len(calls(aws, "DescribeInstanceInformation")) == 1  # not once per batch
