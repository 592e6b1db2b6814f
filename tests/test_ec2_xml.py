"""EC2 pages read without botocore (inventory/ec2_xml.py), in the reading process
(inventory/offload.py): the same records as ec2.py makes from botocore's answer, on the
moto server's responses; every page listed when each is read elsewhere; and read here
when that process is gone."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

from fuzzyaws.aws import session
from fuzzyaws.inventory import ec2, ec2_xml, offload

from .peaks import descendants
from .test_collectors import EAST, XML_HOSTILE, A, Fetch, calls, pool  # noqa: F401 - a fixture


class Reading(Fetch):
    """test_collectors' Fetch with clients made as a refresh makes them (aws/session.py's
    botocore session, where a page's body can be kept), and the run's reading process,
    counting what it is sent."""

    def __init__(self, *args):
        super().__init__(*args)
        self.reader, self.sent = offload.Reader(dict(os.environ)), 0
        self._made: dict = {}

    def client(self, service: str):
        if service not in self._made:
            import boto3
            raw = boto3.Session(botocore_session=session._botocore()).client(
                service, region_name=self.region, endpoint_url=self._aws.endpoint,
                **self._aws.credentials(self.account))
            self._made[service] = session.Client(raw, session.Target(account=self.account, region=self.region),
                                                 service)
        return self._made[service]

    def read_elsewhere(self, fn, *args):
        self.sent += 1
        return self.reader.read(fn, *args)


@pytest.fixture
def reading(aws, pool):
    made = []

    def make(page_size=10):
        made.append(Reading(aws, pool, A, EAST, page_size))
        return made[-1]
    yield make
    for fetch in made:
        fetch.reader.close()


def mixed_fleet(fleet) -> list:
    ids = fleet.ec2(A, EAST, 4, tags={"Team": "web", "Note": XML_HOSTILE, "팀": "서버"}, key_name="ops")
    ids += fleet.ec2(A, EAST, 2, name="win-{i}", platform="windows", start=10)
    ids += fleet.ec2(A, EAST, 2, name="old-{i}", state="stopped", start=20)
    ids += fleet.ec2(A, EAST, 1, name=None, tags={"aws:autoscaling:groupName": "web-asg"})
    ids += fleet.ec2(A, EAST, 1, name="", tags={"Empty": ""}, start=30)
    return ids


def bodies(aws) -> list:
    """The raw DescribeInstances bodies of one listing, each with botocore's parse of it as
    a refresh's clients parse (timestamps kept as text: aws/session.py)."""
    seen: list = []
    client = aws.client("ec2", A, EAST)
    client.meta.events.register("before-parse.ec2.DescribeInstances",
                                lambda response_dict, **_: seen.append(dict(response_dict)))
    list(client.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 5}))
    assert len(seen) >= 2
    parser = session._botocore().get_component("response_parser_factory").create_parser("ec2")
    shape = client.meta.service_model.operation_model("DescribeInstances").output_shape
    return [(response["body"], parser.parse(response, shape)) for response in seen]


def test_records_read_from_the_xml_are_those_ec2_makes_from_botocore_s_answer(fleet, aws):
    mixed_fleet(fleet)
    read = 0
    for body, page in bodies(aws):
        botocores = [ec2._resource(i, A, EAST) for r in page["Reservations"] for i in r["Instances"]]
        ours = ec2_xml.records(body, A, EAST)
        # the same values, in the same order (attrs' order is the JSON's)
        assert [json.dumps(r.to_dict()) for r in ours] == [json.dumps(r.to_dict()) for r in botocores]
        read += len(ours)
    assert read == 10


def test_every_page_read_elsewhere_is_listed_once_with_its_ssm_status(fleet, aws, reading, monkeypatch):
    ids = mixed_fleet(fleet) + fleet.ec2(A, EAST, 15, name="bulk-{i}", start=40)
    monkeypatch.setattr(ec2, "ELSEWHERE_BYTES", 1)  # every page is large
    aws.calls.clear()
    fetch = reading(10)
    got = ec2.collect(fetch)
    assert fetch.sent == len(calls(aws, "DescribeInstances")) == 3  # 25 instances, 10 a page
    assert fetch.reader._proc is not None and not fetch.reader._broken
    assert sorted(r.id for r in got) == sorted(ids)
    assert {r.attrs.get("ssm_ping") for r in got if r.state == "running"} == {"Online"}
    monkeypatch.setattr(ec2, "ELSEWHERE_BYTES", 1 << 40)  # no page is: botocore reads them
    here = reading(10)
    assert sorted(got, key=lambda r: r.id) == sorted(ec2.collect(here), key=lambda r: r.id)
    assert here.sent == 0 and here.reader._proc is None  # nothing started for small pages


def test_pages_are_read_here_when_the_reading_process_is_gone(fleet, aws, reading, monkeypatch):
    ids = fleet.ec2(A, EAST, 25)
    monkeypatch.setattr(ec2, "ELSEWHERE_BYTES", 1)
    fetch = reading(10)
    sent = fetch.read_elsewhere

    def then_killed(fn, *args):  # the first page is read there, then the process dies
        task = sent(fn, *args)
        if fetch.sent == 1:
            task.get()
            fetch.reader._proc.kill()
            fetch.reader._proc.wait()
        return task
    monkeypatch.setattr(fetch, "read_elsewhere", then_killed)
    got = ec2.collect(fetch)
    assert fetch.sent == 3 and fetch.reader._broken
    assert sorted(r.id for r in got) == sorted(ids) and not fetch.problems


def test_a_page_that_cannot_be_read_fails_its_shard_as_an_aws_error(fleet, aws, reading, monkeypatch):
    from xml.etree.ElementTree import ParseError

    from fuzzyaws.aws.errors import AwsError
    fleet.ec2(A, EAST, 5)
    monkeypatch.setattr(ec2, "ELSEWHERE_BYTES", 1)
    fetch = reading(10)
    fetch.reader.close()  # so the page is read here, by this:
    monkeypatch.setattr(ec2_xml, "records", lambda *_: (_ for _ in ()).throw(ParseError("no element found")))
    with pytest.raises(AwsError, match="unreadable answer on ec2 DescribeInstances: ParseError: no element"):
        ec2.collect(fetch)


def test_a_call_the_reading_process_cannot_do_raises_for_its_caller_alone():
    reader = offload.Reader(dict(os.environ))
    try:
        failed = reader.read(ec2_xml.records, b"<not xml", A, EAST)
        with pytest.raises(offload.OffloadError, match="ParseError"):
            failed.get()
        assert reader.read(ec2_xml.records, b"<DescribeInstancesResponse/>", A, EAST).get() == []
    finally:
        reader.close()
    assert reader._proc.returncode == 0  # ended when its stdin closed
    with pytest.raises(offload.OffloadError):
        reader.read(ec2_xml.records, b"", A, EAST).get()  # after close: the caller reads itself


NS = b' xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"'


@pytest.mark.parametrize("body, stub", [
    (b"<DescribeInstancesResponse" + NS + b"><requestId>r</requestId><nextToken>a+b/c=</nextToken>"
     b"<reservationSet/></DescribeInstancesResponse>",  # moto writes it first
     b"<DescribeInstancesResponse><nextToken>a+b/c=</nextToken></DescribeInstancesResponse>"),
    (b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse' + NS + b"><reservationSet/>"
     b"<nextToken>t&amp;1</nextToken></DescribeInstancesResponse>",  # EC2 last, escaped as sent
     b"<DescribeInstancesResponse><nextToken>t&amp;1</nextToken></DescribeInstancesResponse>"),
    (b"<DescribeInstancesResponse><reservationSet/><nextToken/></DescribeInstancesResponse>",
     b"<DescribeInstancesResponse><nextToken/></DescribeInstancesResponse>"),
    (b"<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>",  # the last page
     b"<DescribeInstancesResponse></DescribeInstancesResponse>"),
    # what cannot be told for sure is left to botocore
    (b"<ec2:DescribeInstancesResponse><ec2:nextToken>t</ec2:nextToken></ec2:DescribeInstancesResponse>", None),
    (b"<DescribeInstancesResponse><nextToken>a</nextToken><nextToken>b</nextToken></DescribeInstancesResponse>",
     None),
    (b"<DescribeInstancesResponse><nextToken x='1'>a</nextToken></DescribeInstancesResponse>", None),
    (b"<AssumeRoleResponse><nextToken>a</nextToken></AssumeRoleResponse>", None),
])
def test_the_stub_botocore_parses_keeps_the_page_s_next_token(body, stub):
    assert ec2_xml.stub(body) == stub


def test_no_element_inside_a_reservation_is_named_like_the_next_token():
    """What ec2_xml.stub relies on to find the response's own nextToken."""
    import botocore.session
    model = botocore.session.get_session().get_service_model("ec2")
    names, seen = set(), set()

    def walk(shape):
        if shape.name in seen:
            return
        seen.add(shape.name)
        for name, member in getattr(shape, "members", {}).items():
            names.add(member.serialization.get("name", name))
            walk(member)
        if hasattr(shape, "member"):
            names.add(shape.member.serialization.get("name", "member"))
            walk(shape.member)
    walk(model.shape_for("Reservation"))
    assert len(seen) > 50 and "instanceId" in names
    assert "nextToken" not in names


# -- a real `fuzzyaws refresh` of an account of thousands of instances -----------------------

@contextmanager
def large_account(tmp_path, instances: int, latency: float):
    """(the fake organization of one account of `instances` in one region, the env of a
    `fuzzyaws` refreshing its EC2 instances), while the organization answers."""
    from fuzzyaws.fakeaws.org import REGIONS, FakeOrg
    with FakeOrg(1, regions=REGIONS[:1], instances=instances, latency=latency, throttle=0) as org:
        yield org, _env_of(org, tmp_path)


def _env_of(org, tmp_path) -> dict:
    config = tmp_path / "config.toml"
    config.write_text('regions = ["all"]\nkinds = ["ec2"]\nindex = "off"\n[org]\nrole_name = "Admin"\n')
    env = org.env(base=os.environ)
    env.update(FUZZYAWS_CACHE_DIR=str(tmp_path / "cache"), FUZZYAWS_CONFIG=str(config),
               XDG_CONFIG_HOME=str(tmp_path), HOME=str(tmp_path),
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return env


def reading_process(pid: int, timeout: float = 30) -> int:
    """The pid of `pid`'s reading process, once it has started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in descendants(pid)[1:]:
            try:
                with open(f"/proc/{child}/cmdline", "rb") as fh:
                    if b"fuzzyaws.inventory.offload" in fh.read():
                        return child
            except OSError:
                pass
        time.sleep(0.02)
    raise AssertionError("no reading process started")


def listed(env) -> dict:
    out = subprocess.run([sys.executable, "-m", "fuzzyaws", "ls", "--offline", "--json"], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return {record["id"]: record for record in json.loads(out.stdout)}


@pytest.mark.slow
@pytest.mark.parametrize("bad_day", [None, "reader killed"])
def test_a_large_account_is_listed_in_full_its_pages_read_on_another_core(tmp_path, bad_day):
    from fuzzyaws.fakeaws.org import instance_id
    from .test_processes import gone
    with large_account(tmp_path, 6000, latency=0.2) as (org, env):  # pages of 1,000: ~850 KB each
        proc = subprocess.Popen([sys.executable, "-m", "fuzzyaws", "refresh"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        reader = reading_process(proc.pid)
        if bad_day:
            os.kill(reader, signal.SIGKILL)  # the pages left are read by the refresh itself
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0 and stderr == "", stderr
        assert gone(reader)
        got = listed(env)
        [account] = org.listed_accounts()
        assert set(got) == {instance_id(account, org.regions[0], n) for n in range(6000)}
        assert {r["attrs"]["ssm_ping"] for r in got.values()} == {"Online"}
        assert org.calls[("ec2", "DescribeInstances")] == 6  # each page once


@pytest.mark.slow
def test_ctrl_c_while_pages_are_read_elsewhere_ends_both_without_a_traceback(tmp_path):
    from .test_processes import interrupt
    with large_account(tmp_path, 20000, latency=0.3) as (org, env):
        proc = subprocess.Popen([sys.executable, "-m", "fuzzyaws", "refresh"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        reader = reading_process(proc.pid)
        time.sleep(0.5)
        interrupt(proc, reader)
