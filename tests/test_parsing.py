"""aws/parsing.py's faster parser methods answer exactly as botocore's own: every
response of the demo fleet (on the moto server) and of the fake organization, of every
protocol fuzzyaws reads, parsed both ways, compared with key order."""
from __future__ import annotations

import re

import botocore.parsers
import pytest

from fuzzyaws.aws import parsing, session  # noqa: F401 - session applies parsing.speed_up()
from fuzzyaws.fakeaws.demo import PROD, REGIONS
from fuzzyaws.fakeaws.org import FakeOrg

CALLS = [  # (service, operation, params) over the protocols: ec2, query, json, rest-json, rest-xml
    ("ec2", "describe_instances", {}), ("ec2", "describe_regions", {}), ("ec2", "describe_vpcs", {}),
    ("ec2", "describe_security_groups", {}), ("rds", "describe_db_instances", {}),
    ("rds", "describe_db_clusters", {}), ("elasticache", "describe_replication_groups", {}),
    ("elbv2", "describe_load_balancers", {}), ("autoscaling", "describe_auto_scaling_groups", {}),
    ("ssm", "describe_instance_information", {}), ("ecs", "list_clusters", {}),
    ("dynamodb", "list_tables", {}), ("resourcegroupstaggingapi", "get_resources", {}),
    ("lambda", "list_functions", {}), ("s3", "list_buckets", {}), ("sts", "get_caller_identity", {}),
    ("sns", "list_topics", {}), ("sqs", "list_queues", {}), ("cloudformation", "describe_stacks", {}),
]


def protocol_of(operation_model) -> str:
    """The protocol the client speaks: newer botocore picks one of the service's protocols."""
    return getattr(operation_model.service_model, "resolved_protocol", None) or operation_model.metadata["protocol"]


def responses(make_client) -> list:
    """[(parser protocol, response dict, output shape)] of CALLS, captured as botocore read them."""
    seen: list = []
    for service, operation, params in CALLS:
        client = make_client(service)

        def keep(operation_model, response_dict, **_):
            seen.append((protocol_of(operation_model), dict(response_dict), operation_model.output_shape))

        client.meta.events.register("before-parse", keep)
        getattr(client, operation)(**params)
    return seen


def parse_both(monkeypatch, protocol, response, shape) -> tuple:
    faster = botocore.parsers.create_parser(protocol).parse(response, shape)
    with monkeypatch.context() as own:
        for (cls, name), function in parsing.ORIGINAL.items():
            own.setattr(cls, name, function)
        botocores = botocore.parsers.create_parser(protocol).parse(response, shape)
    return faster, botocores


def test_the_faster_methods_are_in_place():
    assert len(parsing.ORIGINAL) == 3
    assert botocore.parsers.BaseXMLResponseParser._handle_structure is parsing._xml_structure


def test_every_response_of_the_demo_fleet_parses_as_botocore_parses_it(aws, monkeypatch):
    from fuzzyaws.fakeaws import Fleet
    fleet = Fleet(aws, via_proxy=True)  # as fuzzyaws sees it (SSM's nodes are the proxy's)
    fleet.demo()
    captured = responses(lambda service: fleet.client(service, PROD, REGIONS[0]))
    assert {protocol for protocol, _, _ in captured} >= {"ec2", "query", "json", "rest-json", "rest-xml"}
    assert len(captured) >= len(CALLS)
    instances = 0
    for protocol, response, shape in captured:
        faster, botocores = parse_both(monkeypatch, protocol, response, shape)
        assert repr(faster) == repr(botocores)  # the same values, in the same order
        instances += sum(len(r["Instances"]) for r in faster.get("Reservations", ()))
    assert instances > 10  # the demo's hosts, with tags, interfaces, block devices...


@pytest.mark.parametrize("status", [200, 400])
def test_the_fake_organization_s_answers_and_errors_parse_as_botocore_parses_them(monkeypatch, status):
    import boto3

    with FakeOrg(2, latency=0, throttle=1.0 if status == 400 else 0) as org:
        env = org.env()
        made = boto3.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                             aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1")
        captured: list = []
        for service, operation in (("ec2", "describe_instances"), ("ssm", "describe_instance_information")):
            client = made.client(service, endpoint_url=org.endpoint,
                                 config=botocore.config.Config(retries={"total_max_attempts": 1}))
            client.meta.events.register("before-parse", lambda operation_model, response_dict, **_: captured.append(
                (protocol_of(operation_model), dict(response_dict), operation_model.output_shape)))
            try:
                getattr(client, operation)()
            except client.exceptions.ClientError:
                pass
    assert len(captured) == 2 and all(response["status_code"] == status for _, response, _ in captured)
    for protocol, response, shape in captured:
        faster, botocores = parse_both(monkeypatch, protocol, response, shape)
        assert repr(faster) == repr(botocores)


def test_strings_read_fast_answer_as_botocore_s_even_empty_repeated_or_escaped(monkeypatch):
    """The XML string fast path on the cases it must hand back: an empty element, a value
    repeated where one is expected, escaped markup and CDATA in a tag value."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2")
    shape = model.operation_model("DescribeInstances").output_shape
    body = (b'<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            b"<reservationSet><item><instancesSet><item><instanceId>i-1</instanceId><keyName/>"
            b"<imageId>ami-1</imageId><imageId>ami-2</imageId><instanceType></instanceType>"
            b"<tagSet><item><key>Name</key><value>&lt;b&gt;x&amp;y<![CDATA[<z>]]></value></item></tagSet>"
            b"</item></instancesSet></item></reservationSet></DescribeInstancesResponse>")
    faster, botocores = parse_both(monkeypatch, "ec2", {"body": body, "headers": {}, "status_code": 200}, shape)
    elements = re.compile(r" at 0x[0-9a-f]+>")  # a repeated value is botocore's list of elements
    assert elements.sub(">", repr(faster)) == elements.sub(">", repr(botocores))
    assert len(faster["Reservations"][0]["Instances"][0]["ImageId"]) == 2
    instance = faster["Reservations"][0]["Instances"][0]
    assert instance["KeyName"] == "" and instance["InstanceType"] == ""
    assert instance["Tags"] == [{"Key": "Name", "Value": "<b>x&y<z>"}]
