"""start, stop and reboot, end to end against the fake AWS: EC2 instances and RDS instances
and clusters, the confirmation (in a real terminal too), waiting, failures, read_only."""
from __future__ import annotations

import os
import shlex
import sys

import pytest

from tests.cli import CLI, Answers
from tests.tmux import Tmux

A = "111111111111"
EAST = "us-east-1"


@pytest.fixture
def cli(aws, tmp_path):
    return CLI(aws, str(tmp_path), account=A, extra={"FUZZYAWS_KINDS": "ec2,rds"})


def states(aws, region=EAST) -> dict:
    ec2 = aws.client("ec2", A, region)
    return {i["Tags"][0]["Value"] if i.get("Tags") else i["InstanceId"]: i["State"]["Name"]
            for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]}


def test_stop_then_start_named_instances_waits_for_each(cli, fleet, aws):
    fleet.ec2(A, EAST, 3, name="web-{i}")
    assert cli("refresh").returncode == 0
    stopped = cli("stop", "web-0", "web-1", "--yes")
    assert stopped.returncode == 0, stopped.stderr
    assert states(aws) == {"web-0": "stopped", "web-1": "stopped", "web-2": "running"}
    assert stopped.stderr.count(": stopped") == 2 and "2/2 stopped" in stopped.stderr
    assert [c.operation for c in aws.calls if c.operation == "StopInstances"] == ["StopInstances"]  # one batch
    listed = cli("ls", "--offline", "web-").stdout  # the cache shows it at once
    assert [line.split("\t")[3] for line in listed.splitlines()] == ["stopped", "stopped", "running"]
    started = cli("start", "web-0", "web-1", "--yes")
    assert started.returncode == 0, started.stderr
    assert set(states(aws).values()) == {"running"}


def test_the_question_lists_the_targets_and_no_is_no(cli, fleet, aws):
    fleet.ec2(A, EAST, 2, name="web-{i}")
    assert cli("refresh").returncode == 0
    tty = Answers("n")
    declined = cli("stop", "web-0", "web-1", tty=tty)
    assert declined.returncode == 130 and "nothing was stopped" in declined.stderr
    assert tty.asked[0].startswith("Stop 2 instances: web-0 (i-") and "web-1 (i-" in tty.asked[0]
    assert not [c for c in aws.calls if c.operation == "StopInstances"]
    assert cli("stop", "web-0").returncode == 2  # no terminal to ask on, no --yes


def test_rds_instances_and_clusters_stop_and_start(cli, fleet, aws):
    fleet.rds_instance(A, EAST, "orders-db")
    fleet.aurora_cluster(A, EAST, "ledger")
    assert cli("refresh").returncode == 0
    rds = aws.client("rds", A, EAST)
    result = cli("stop", "orders-db", "ledger", "--yes")
    assert result.returncode == 0, result.stderr
    assert rds.describe_db_instances(DBInstanceIdentifier="orders-db")["DBInstances"][0]["DBInstanceStatus"] == "stopped"
    assert rds.describe_db_clusters(DBClusterIdentifier="ledger")["DBClusters"][0]["Status"] == "stopped"
    assert cli("start", "orders-db", "--yes").returncode == 0
    assert rds.describe_db_instances(DBInstanceIdentifier="orders-db")["DBInstances"][0]["DBInstanceStatus"] == "available"


def test_a_target_in_the_wrong_state_is_named_with_the_reason(cli, fleet, aws):
    fleet.ec2(A, EAST, 1, name="web-0")
    assert cli("refresh").returncode == 0
    result = cli("start", "web-0", "--yes")
    assert result.returncode == 1 and "web-0" in result.stderr and "it is running" in result.stderr
    assert result.stderr.count("\n") == 1
    rds = cli("reboot", "i-does-not-exist", "web-0", "--yes")
    assert rds.returncode == 2 and "i-does-not-exist" in rds.stderr


def test_a_refused_call_fails_its_targets_only(cli, fleet, aws):
    fleet.ec2(A, EAST, 1, name="web-0")
    fleet.rds_instance(A, EAST, "orders-db")
    assert cli("refresh").returncode == 0
    aws.faults.add("access_denied", service="rds", operation="StopDBInstance")
    result = cli("stop", "web-0", "orders-db", "--yes")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "orders-db" in result.stderr and "AccessDenied" in result.stderr
    assert states(aws) == {"web-0": "stopped"} and "1/2 stopped" in result.stderr


def test_no_wait_returns_at_once_and_an_unwatchable_target_times_out_by_name(cli, fleet, aws):
    fleet.ec2(A, EAST, 2, name="web-{i}")
    assert cli("refresh").returncode == 0
    quick = cli("stop", "web-0", "--yes", "--no-wait")
    assert quick.returncode == 0 and "stop requested" in quick.stderr
    aws.faults.add("throttle", service="ec2", operation="DescribeInstances")
    slow = cli("stop", "web-1", "--yes", "--timeout", "1", env=cli.env(FUZZYAWS_KINDS="ec2,rds"))
    assert slow.returncode == 1, slow.stderr
    assert "web-1" in slow.stderr and "after 1 s" in slow.stderr


def test_reboot_is_ec2_only_and_needs_no_wait(cli, fleet, aws):
    fleet.ec2(A, EAST, 1, name="web-0")
    fleet.rds_instance(A, EAST, "orders-db")
    assert cli("refresh").returncode == 0
    assert cli("reboot", "web-0", "--yes").returncode == 0
    assert [c.operation for c in aws.calls if c.operation == "RebootInstances"] == ["RebootInstances"]
    refused = cli("reboot", "orders-db", "--yes")
    assert refused.returncode == 1 and "reboot works on EC2 instances" in refused.stderr


@pytest.mark.parametrize("read_only", ['true', '["default"]'])
def test_read_only_refuses_every_mutating_action(cli, fleet, aws, read_only):
    fleet.ec2(A, EAST, 1, name="web-0")
    assert cli("refresh").returncode == 0
    config = os.path.join(cli.home, "config.toml")
    with open(config, "w") as fh:
        fh.write(f"read_only = {read_only}\n")
    env = cli.env(FUZZYAWS_CONFIG=config)
    for argv in (["stop", "web-0", "--yes"], ["reboot", "web-0", "--yes"],
                 ["run", "--targets", "web-0", "--yes", "--", "uptime"]):
        result = cli(*argv, env=env)
        assert result.returncode == 2 and "refusing to" in result.stderr and "read" in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1
    assert states(aws) == {"web-0": "running"} and not aws.commands.sent
    assert cli("ls", "--offline", env=env).returncode == 0  # reading is fine


def test_read_only_profiles_leave_the_others_alone(cli, fleet, aws):
    fleet.ec2(A, EAST, 1, name="web-0")
    assert cli("refresh").returncode == 0
    config = os.path.join(cli.home, "config.toml")
    with open(config, "w") as fh:
        fh.write('read_only = ["prod"]\n')
    result = cli("stop", "web-0", "--yes", env=cli.env(FUZZYAWS_CONFIG=config))
    assert result.returncode == 0, result.stderr
    assert states(aws) == {"web-0": "stopped"}


def test_read_only_must_be_a_bool_or_profiles(cli):
    config = os.path.join(cli.home, "config.toml")
    with open(config, "w") as fh:
        fh.write('read_only = "yes"\n')
    result = cli("ls", "--offline", env=cli.env(FUZZYAWS_CONFIG=config))
    assert result.returncode == 2 and "read_only" in result.stderr


@pytest.mark.parametrize("picker", ["fzf", "builtin"])
def test_stop_in_a_terminal_picks_asks_and_waits(cli, fleet, aws, tmp_path, picker):
    fleet.ec2(A, EAST, 3, name="web-{i}")
    assert cli("refresh").returncode == 0
    term = Tmux(tmp_path, width=160, height=40)
    try:
        argv = shlex.join([sys.executable, "-m", "fuzzyaws", "stop", "--picker", picker, "web"])
        term.start(f"{argv} > out 2> err; echo $? > rc", cli.env(), cli.home)
        screen = term.mark_two_and_answer(lambda s: "3/3" in s, "y")
        assert "Stop 2 instances: web-" in screen, screen
        assert term.wait_exit(30), term.screen()
    finally:
        term.kill()
    read = lambda name: open(os.path.join(cli.home, name)).read()  # noqa: E731
    assert int(read("rc")) == 0, read("err")
    assert sorted(states(aws).values()) == ["running", "stopped", "stopped"]


def test_connect_to_a_stopped_instance_offers_to_start_it(cli, fleet, aws, tmp_path):
    from tests.fakebin import fakebin_env, read_log
    [iid] = fleet.ec2(A, EAST, 1, name="web-0")
    aws.client("ec2", A, EAST).stop_instances(InstanceIds=[iid])
    assert cli("refresh").returncode == 0
    log = tmp_path / "calls.jsonl"
    env = fakebin_env(log, base=cli.env())
    declined = cli("connect", "web-0", env=env, tty=Answers("n"))
    assert declined.returncode == 130 and "nothing was started" in declined.stderr
    assert states(aws) == {"web-0": "stopped"}
    assert cli("connect", "web-0", env=env).returncode == 2  # no terminal to ask on, no --yes
    config = os.path.join(cli.home, "config.toml")
    with open(config, "w") as fh:
        fh.write("read_only = true\n")
    refused = cli("connect", "web-0", "--yes", env={**env, "FUZZYAWS_CONFIG": config})
    assert refused.returncode == 2 and "read_only" in refused.stderr

    tty = Answers("y")
    result = cli("connect", "web-0", env=env, tty=tty)
    assert result.returncode == 0, result.stderr
    assert tty.asked[0].startswith(f"{iid} (web-0) is stopped. Start it and connect?")
    assert states(aws) == {"web-0": "running"}
    sessions = [c for c in read_log(log, tool="session-manager-plugin") if c["argv"][2:3] == ["StartSession"]]
    assert [s["plugin"]["target"] for s in sessions] == [iid]
    listed = cli("ls", "--offline", "web-0").stdout.split("\t")
    assert listed[3:5] == ["running", "ssm:online"]  # and the cache knows


def test_connect_to_a_stopped_instance_in_a_real_terminal(cli, fleet, aws, tmp_path):
    from tests.fakebin import fakebin_env, read_log
    [iid] = fleet.ec2(A, EAST, 1, name="web-0")
    aws.client("ec2", A, EAST).stop_instances(InstanceIds=[iid])
    assert cli("refresh").returncode == 0
    log = tmp_path / "calls.jsonl"
    term = Tmux(tmp_path, width=160, height=40)
    try:
        argv = shlex.join([sys.executable, "-m", "fuzzyaws", "connect", "web-0"])
        term.start(f"{argv} > out 2> err; echo $? > rc", fakebin_env(log, base=cli.env()), cli.home)
        screen = term.wait_for(lambda s: "[y/N]" in s)
        assert f"{iid} (web-0) is stopped. Start it and connect? [y/N]" in screen, screen
        term.type("y")
        term.keys("Enter")
        assert term.wait_exit(60), term.screen()
    finally:
        term.kill()
    read = lambda name: open(os.path.join(cli.home, name)).read()  # noqa: E731
    assert int(read("rc")) == 0, read("err")
    assert states(aws) == {"web-0": "running"}
    sessions = [c for c in read_log(log, tool="session-manager-plugin") if c["argv"][2:3] == ["StartSession"]]
    assert [s["plugin"]["target"] for s in sessions] == [iid]
