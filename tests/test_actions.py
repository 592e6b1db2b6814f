"""connect, tunnel, ssh-proxy and run, end to end: the CLI as a subprocess against the fake AWS
(moto + the proxy answering SSM sessions and Run Command), with session-manager-plugin, ssh
and the database clients replaced by recorders on PATH (tests/fakebin)."""
from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys

import pytest

from tests.cli import CLI
from tests.fakebin import fakebin_env, read_log

A, B = "111111111111", "222222222222"
PLUGIN = "session-manager-plugin"


@pytest.fixture
def cli(aws, tmp_path):
    return CLI(aws, str(tmp_path), account=A)


@pytest.fixture
def log(tmp_path):
    return tmp_path / "calls.jsonl"


def ready(cli, fleet, **knobs):
    """The env for the actions: fake tools first on PATH; and a warm cache."""
    assert cli("refresh").returncode == 0
    return fakebin_env(cli.log, base=cli.env(), **knobs)


@pytest.fixture
def env(cli, fleet, log):
    cli.log = log
    return lambda **knobs: ready(cli, fleet, **knobs)


def plugin_calls(log):
    """The sessions handed to the plugin (not its `--version` checks)."""
    return [c for c in read_log(log, tool=PLUGIN) if c["argv"][2:3] == ["StartSession"]]


def test_connect_ec2_hands_the_session_to_the_plugin(cli, fleet, aws, env, log):
    [iid] = fleet.ec2(A, "us-east-1", 1, name="web-one")
    fleet.ec2(A, "us-east-1", 1, name="db-one", start=5)
    result = cli("connect", "web-one", env=env())
    assert result.returncode == 0, result.stderr
    [call] = plugin_calls(log)
    plugin = call["plugin"]
    assert plugin["operation"] == "StartSession" and plugin["region"] == "us-east-1"
    assert plugin["parameters"] == {"Target": iid} and plugin["target"] == iid
    assert plugin["endpoint"] == aws.endpoint and plugin["profile"] == ""
    assert set(plugin["response"]) == {"SessionId", "TokenValue", "StreamUrl"}
    assert plugin["response_via_env"]  # the token is not on the command line
    assert not plugin["errors"]
    [started] = [c for c in aws.calls if c.operation == "StartSession"]
    assert started.account == A and started.region == "us-east-1"


def test_connect_as_user_and_by_arn(cli, fleet, env, log):
    [iid] = fleet.ec2(A, "us-east-1", 1, name="web-one")
    key = f"arn:aws:ec2:us-east-1:{A}:instance/{iid}"
    assert cli("connect", key, "--user", "deploy", env=env()).returncode == 0
    [call] = plugin_calls(log)
    assert call["plugin"]["parameters"] == {
        "Target": iid, "DocumentName": "AWS-StartInteractiveCommand",
        "Parameters": {"command": ["sudo -i -u deploy"]}}


def test_connect_refuses_an_unreachable_host_with_the_reason(cli, fleet, aws, env, log):
    [lost] = fleet.ec2(A, "us-east-1", 1, name="lost-one")
    [stopped] = fleet.ec2(A, "us-east-1", 1, name="stopped-one", state="stopped", start=3)
    aws.ssm.set([lost], ping_status="ConnectionLost")
    e = env()
    result = cli("connect", "lost-one", env=e)
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "ConnectionLost" in result.stderr and lost in result.stderr
    result = cli("connect", stopped, env=e)  # offered a start, with no terminal to ask on
    assert result.returncode == 2 and "--yes" in result.stderr
    assert not plugin_calls(log) and not [c for c in aws.calls if c.operation == "StartSession"]


def test_missing_plugin_is_exit_2_and_starts_nothing(cli, fleet, aws, env):
    fleet.ec2(A, "us-east-1", 1, name="web-one")
    e = env()
    e["PATH"] = os.path.dirname(subprocess.check_output(["which", "python3"], text=True).strip())
    result = cli("connect", "web-one", env=e)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "session-manager-plugin is not installed" in result.stderr
    assert not [c for c in aws.calls if c.operation == "StartSession"]


def test_connect_ecs_chooses_the_container(cli, fleet, aws, env, log):
    [task] = fleet.ecs_tasks(A, "us-east-1", "prod", "api", 1, containers=["app", "envoy"])
    result = cli("connect", task.rsplit("/", 1)[1], "--container", "envoy", "--command", "bash", env=env())
    assert result.returncode == 0, result.stderr
    [call] = plugin_calls(log)
    [execd] = aws.sessions.of_kind("ecs")
    assert execd.container == "envoy" and execd.command == "bash"
    target = call["plugin"]["parameters"]["Target"]
    assert target.startswith(f"ecs:prod_{task.rsplit('/', 1)[1]}_") and len(target.split("_")[-1]) > 8
    result = cli("connect", task.rsplit("/", 1)[1], "--container", "nope", env=env())
    assert result.returncode == 2 and "app, envoy" in result.stderr


def test_connect_ecs_without_exec_is_refused(cli, fleet, env):
    [task] = fleet.ecs_tasks(A, "us-east-1", "prod", "batch", 1, exec_enabled=False)
    result = cli("connect", task.rsplit("/", 1)[1], env=env())
    assert result.returncode == 1 and "enableExecuteCommand" in result.stderr


def test_connect_rds_through_the_tagged_jump_host(cli, fleet, env, log):
    [jump] = fleet.ec2(A, "us-east-1", 1, name="jump-a", tags={"Role": "jumphost"})
    fleet.ec2(A, "us-east-1", 1, name="web-not-jump", start=4)
    db = fleet.rds_instance(A, "us-east-1", "orders-db")
    result = cli("connect", "orders-db", env=env())
    assert result.returncode == 0, result.stderr
    [call] = plugin_calls(log)
    params = call["plugin"]["parameters"]
    assert params["Target"] == jump
    assert params["DocumentName"] == "AWS-StartPortForwardingSessionToRemoteHost"
    assert params["Parameters"]["host"] == [db["Endpoint"]["Address"]]
    assert params["Parameters"]["portNumber"] == ["5432"]
    local = int(params["Parameters"]["localPortNumber"][0])
    assert f"localhost:{local} → {db['Endpoint']['Address']}:5432 (via {jump}" in result.stderr


def test_connect_rds_client_with_iam_token(cli, fleet, env, log):
    fleet.ec2(A, "us-east-1", 1, name="jump-a", tags={"Role": "jumphost"})
    fleet.rds_instance(A, "us-east-1", "orders-db")
    result = cli("connect", "orders-db", "--client", "--iam", "--user", "app", env=env(hold="30", connect="1"))
    assert result.returncode == 0, result.stderr
    [tunnel] = plugin_calls(log)
    [psql] = read_log(log, tool="psql")
    local = int(tunnel["plugin"]["parameters"]["Parameters"]["localPortNumber"][0])
    assert psql["argv"][:4] == ["-h", "localhost", "-p", str(local)]
    assert "-U" in psql["argv"] and psql["argv"][psql["argv"].index("-U") + 1] == "app"
    assert "PGPASSWORD" in psql["env_present"]  # the token, in the environment only
    assert psql["connect"]["port"] == local and psql["connect"]["ok"]  # the tunnel was up first
    assert not any("X-Amz-Signature" in a for a in psql["argv"])


def test_connect_rds_client_with_the_managed_master_secret(cli, fleet, aws, env, log):
    import hashlib
    fleet.ec2(A, "us-east-1", 1, name="jump-a", tags={"Role": "jumphost"})
    db = fleet.rds_instance(A, "us-east-1", "orders-db", managed_secret=True)
    secret = aws.client("secretsmanager", A, "us-east-1").get_secret_value(SecretId=db["MasterUserSecret"]["SecretArn"])
    password = json.loads(secret["SecretString"])["password"]
    e = env(hold="30", connect="1")
    preview = cli("preview", "orders-db", env=e)
    assert "master password from Secrets Manager" in preview.stdout
    result = cli("connect", "orders-db", "--client", env=e)
    assert result.returncode == 0, result.stderr
    [psql] = read_log(log, tool="psql")
    assert psql["secrets"]["PGPASSWORD"]["sha256"] == hashlib.sha256(password.encode()).hexdigest()
    assert psql["argv"][psql["argv"].index("-U") + 1] == "fakeadmin"
    assert not any(password in a for a in psql["argv"]) and "PGSSLMODE" not in psql["env_present"]
    # the secret denied: a warning, and the client asks for the password itself
    aws.faults.add("access_denied", service="secretsmanager", operation="GetSecretValue")
    denied = cli("connect", "orders-db", "--client", env=e)
    assert denied.returncode == 0 and "cannot read the master secret" in denied.stderr
    assert "PGPASSWORD" not in read_log(log, tool="psql")[-1]["env_present"]


def test_connect_without_jump_host_says_how_to_get_one(cli, fleet, env):
    fleet.rds_instance(A, "us-east-1", "orders-db")
    fleet.ec2(A, "us-east-1", 1, name="web-a")
    result = cli("connect", "orders-db", env=env())
    assert result.returncode == 1 and "Role=jumphost" in result.stderr and "--via" in result.stderr


def test_ssh_direct_and_through_ssm(cli, fleet, aws, env, log):
    [iid] = fleet.ec2(A, "us-east-1", 1, name="web-one")
    e = env()
    key = os.path.join(cli.home, "my_key")
    assert cli("connect", "web-one", "--ssh", "--direct", "-i", key, "--", "-v", env=e).returncode == 0
    [direct] = read_log(log, tool="ssh")
    ip = json.loads(cli("ls", "--offline", "--json", "web-one").stdout)[0]["address"]
    assert direct["argv"] == ["-i", key, "-o", "ConnectTimeout=10", f"ec2-user@{ip}", "-v"]
    # the user's own timeout wins
    assert cli("connect", "web-one", "--ssh", "--direct", "-i", key, "--", "-o", "ConnectTimeout=3",
               env=e).returncode == 0
    assert read_log(log, tool="ssh")[-1]["argv"] == ["-i", key, f"ec2-user@{ip}", "-o", "ConnectTimeout=3"]
    assert cli("connect", "web-one", "--ssh", "--user", "ubuntu", "-i", key, env=e).returncode == 0
    through = read_log(log, tool="ssh")[-1]
    assert through["argv"][-1] == f"ubuntu@{iid}" and through["argv"][2] == "-o"
    proxy = through["argv"][3].removeprefix("ProxyCommand=").replace("%h", iid).replace("%p", "22")
    assert subprocess.run(shlex.split(proxy), env=e, cwd=cli.home).returncode == 0
    [call] = plugin_calls(log)
    assert call["plugin"]["parameters"] == {"Target": iid, "DocumentName": "AWS-StartSSHSession",
                                           "Parameters": {"portNumber": ["22"]}}
    assert not aws.state.pushed_keys  # --identity: the user's key, nothing pushed


def test_ssh_without_key_files_pushes_a_one_time_key(cli, fleet, aws, env, log):
    [iid] = fleet.ec2(A, "us-east-1", 1, name="web-one")
    result = cli("connect", "web-one", "--ssh", env=env())
    assert result.returncode == 0, result.stderr
    [ssh] = read_log(log, tool="ssh")
    [used] = ssh["ssh"]["identities"]
    assert used["exists"] and used["mode"] == "0o600"  # private while ssh ran
    assert ssh["argv"][:4] == ["-i", used["path"], "-o", "IdentitiesOnly=yes"]
    [pushed] = aws.state.pushed_keys
    assert pushed == {"account": A, "region": "us-east-1", "instance": iid, "user": "ec2-user",
                      "key": used["public"]} and pushed["key"].startswith("ssh-ed25519 ")
    assert not os.path.exists(used["path"]) and not os.path.exists(os.path.dirname(used["path"]))
    # denied: a warning, and the user's own keys, with nothing left behind
    aws.faults.add("access_denied", service="ec2-instance-connect")
    denied = cli("connect", "web-one", "--ssh", env=env())
    assert denied.returncode == 0 and "cannot push a one-time key" in denied.stderr
    assert "-i" not in read_log(log, tool="ssh")[-1]["argv"]
    # no Instance Connect for hybrid nodes: said, and the user's keys
    [node] = fleet.hybrid_nodes(A, "us-east-1", 1)
    aws.faults.clear()
    assert cli("refresh").returncode == 0
    hybrid = cli("connect", node, "--ssh", env=env())
    assert hybrid.returncode == 0 and "does not reach hybrid nodes" in hybrid.stderr
    assert len(aws.state.pushed_keys) == 1


def test_tunnel_ports(cli, fleet, env, log):
    [iid] = fleet.ec2(A, "us-east-1", 1, name="web-one")
    e = env()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("tunnel", "web-one", "--remote-port", str(port), env=e)
        assert result.returncode == 0, result.stderr
        [call] = plugin_calls(log)
        params = call["plugin"]["parameters"]
        assert params["DocumentName"] == "AWS-StartPortForwardingSession" and params["Target"] == iid
        local = int(params["Parameters"]["localPortNumber"][0])
        assert local != port and params["Parameters"]["portNumber"] == [str(port)]  # busy: another
        assert result.stdout.splitlines()[0] == f"localhost:{local} → {iid}:{port}"
        result = cli("tunnel", "web-one", "--remote-port", "80", "--local-port", str(port), env=e)
        assert result.returncode == 2 and "in use" in result.stderr
    result = cli("tunnel", "web-one", env=e)
    assert result.returncode == 2 and "--remote-port" in result.stderr


def test_tunnel_to_a_cache_through_a_jump_host(cli, fleet, env, log):
    [jump] = fleet.ec2(A, "us-east-1", 1, name="bastion-x")
    fleet.elasticache_replication_group(A, "us-east-1", "sessions")
    result = cli("tunnel", "sessions", "--via", "bastion-x", env=env())
    assert result.returncode == 0, result.stderr
    [call] = plugin_calls(log)
    params = call["plugin"]["parameters"]
    assert params["Target"] == jump and params["Parameters"]["portNumber"] == ["6379"]
    assert f"(via {jump} bastion-x)" in result.stdout


def batch_fleet(fleet, aws):
    ids = {}
    for account in (A, B):
        for region in ("us-east-1", "eu-west-1"):
            ids[account, region] = fleet.ec2(account, region, 30, name=f"h-{account[0]}-{region}-{{i:02d}}")
    every = [i for group in ids.values() for i in group]
    offline, failing, hanging = every[:10], every[10:15], every[15:18]
    aws.ssm.set(offline[:5], managed=False)
    aws.ssm.set(offline[5:], ping_status="ConnectionLost")
    aws.commands.set(failing, outcome="fail", exit_code=3, stderr="disk full\n")
    aws.commands.set(hanging, outcome="never")
    return every, set(offline), set(failing), set(hanging)


@pytest.mark.slow
def test_run_on_120_hosts_accounts_for_every_host_once(cli, fleet, aws, log, tmp_path):
    every, offline, failing, hanging = batch_fleet(fleet, aws)
    files = aws.write_aws_config(tmp_path / "aws", {"a": A, "b": B})
    e = cli.env(**files, FUZZYAWS_PROFILES="a,b", FUZZYAWS_REGIONS="us-east-1,eu-west-1")
    assert cli("refresh", env=e).returncode == 0
    aws.faults.add("throttle", service="ssm", every=3)
    aws.faults.add("server_error", service="ssm", operation="SendCommand", first=1)
    aws.calls.clear()
    result = cli("run", "--yes", "--json", "--timeout", "6", "--targets-from-stdin", "--", "echo", "hi there",
                 env=e, input="\n".join(every) + "\n", timeout=120)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert sorted(r["id"] for r in report) == sorted(every)  # each host exactly once
    status = {r["id"]: r for r in report}
    assert {i for i, r in status.items() if r["status"] == "Skipped"} == offline
    assert {i for i, r in status.items() if r["status"] == "Failed"} == failing
    assert all(status[i]["exit_code"] == 3 and "disk full" in status[i]["stderr"] for i in failing)
    assert {i for i, r in status.items() if r["status"] == "TimedOut"} == hanging
    ok = set(every) - offline - failing - hanging
    assert all(status[i]["status"] == "Success" and status[i]["exit_code"] == 0 for i in ok)
    assert all(i in status[i]["stdout"] and "echo 'hi there'" in status[i]["stdout"] for i in ok)
    assert not aws.commands.duplicates()  # nobody got the command twice
    assert set(aws.commands.send_counts()) == {(r["account"], r["region"], i)
                                               for i, r in status.items() if i not in offline}
    sends = [c for c in aws.calls if c.operation == "SendCommand"]
    polls = [c for c in aws.calls if c.operation == "ListCommandInvocations"]
    commands = len(aws.commands.sent)
    assert commands == 4  # one per account x region (< 50 hosts each)
    assert len([c for c in sends if c.status == 200]) == commands
    assert len(polls) <= commands * 20  # one call per command per round, not one per host
    assert not [c for c in aws.calls if c.operation == "GetCommandInvocation"]


def test_run_reports_and_exit_codes(cli, fleet, aws, env, log):
    ids = fleet.ec2(A, "us-east-1", 3, name="app-{i}")
    e = env()
    result = cli("run", "--yes", "--targets", *ids, "--", "uptime", env=e)
    assert result.returncode == 0, result.stderr
    for iid in ids:
        assert f" {iid} Success exit 0\n" in result.stdout
    aws.commands.set(ids[:1], outcome="fail", exit_code=2, stderr="oops\x1b[31m\n")
    result = cli("run", "--yes", "--targets", *ids, "--", "uptime", env=e)
    assert result.returncode == 1 and f"{ids[0]} Failed exit 2" in result.stdout
    assert "stderr:\noops␛[31m" in result.stdout  # host output cannot drive the terminal
    result = cli("run", "--targets", *ids, "--", "uptime", env=e)  # no terminal to confirm on
    assert result.returncode == 2 and "--yes" in result.stderr
    result = cli("run", "--yes", "--targets", "i-0000000000nothere", "--", "uptime", env=e)
    assert result.returncode == 2 and "not an instance in the inventory" in result.stderr
    result = cli("run", "--yes", "--targets", *ids, env=e)
    assert result.returncode == 2 and "what to run" in result.stderr


def test_connect_ecs_picks_among_several_containers(cli, fleet, aws, env, log, tmp_path):
    from tests.tmux import Tmux
    [task] = fleet.ecs_tasks(A, "us-east-1", "prod", "api", 1, containers=["app", "envoy"])
    term = Tmux(tmp_path)
    try:
        argv = shlex.join(["python3", "-m", "fuzzyaws", "connect", "--picker", "fzf", task.rsplit("/", 1)[1]])
        term.start(f"{argv}; echo $? > rc", env(), cli.home)
        screen = term.wait_for(lambda s: "container to exec into" in s)
        assert "app" in screen and "envoy" in screen
        term.type("envoy")
        term.keys("Enter")
        assert term.wait_exit()
    finally:
        term.kill()
    assert open(os.path.join(cli.home, "rc")).read().strip() == "0"
    [execd] = aws.sessions.of_kind("ecs")
    assert execd.container == "envoy"


def test_run_passes_concurrency_errors_and_timeout_to_ssm(cli, fleet, aws, env):
    ids = fleet.ec2(A, "us-east-1", 2, name="app-{i}")
    [windows] = fleet.ec2(A, "us-east-1", 1, name="win-{i}", platform="windows", start=5)
    result = cli("run", "--yes", "--concurrency", "10%", "--max-errors", "2", "--timeout", "45",
                 "--targets", *ids, windows, "--", "df", "-h", "/var/log dir", env=env())
    assert result.returncode == 0, result.stderr
    by_document = {sent.document: sent for sent in aws.commands.sent}
    linux = by_document["AWS-RunShellScript"]
    assert sorted(linux.instance_ids) == sorted(ids)
    assert by_document["AWS-RunPowerShellScript"].instance_ids == (windows,)
    assert linux.max_concurrency == "10%" and linux.max_errors == "2"
    assert linux.execution_timeout == 45 and linux.timeout_seconds >= 30
    assert linux.commands == ["df -h '/var/log dir'"]  # exactly what was typed, quoted once


def test_cp_to_and_from_hosts_with_one_time_keys(cli, fleet, aws, env, log):
    [web] = fleet.ec2(A, "us-east-1", 1, name="web-one")
    others = fleet.ec2(A, "us-east-1", 2, name="api-{i}", start=3)
    e = env()
    up = cli("cp", "app.conf", "web-one:/tmp/", env=e)
    assert up.returncode == 0, up.stderr
    [scp] = read_log(log, tool="scp")
    [key] = scp["scp"]["identities"]
    assert key["exists"] and key["mode"] == "0o600" and not os.path.exists(key["path"])
    assert scp["scp"]["paths"] == ["app.conf", f"ec2-user@{web}:/tmp/"]
    assert any(o.startswith("-o ProxyCommand=") and "ssh-proxy %h %p" in o for o in scp["scp"]["options"])
    assert [p["instance"] for p in aws.state.pushed_keys] == [web]
    down = cli("cp", "-r", "web-one:/var/log/app", ".", env=e)
    assert down.returncode == 0 and read_log(log, tool="scp")[-1]["scp"]["paths"] == [f"ec2-user@{web}:/var/log/app", "."]
    assert "-r" in read_log(log, tool="scp")[-1]["scp"]["options"]
    # to several named hosts, one failing: each reported, exit 1
    many = cli("cp", "--targets", *others, "--", "app.conf", ":/etc/app/",
               env={**e, "FAKEBIN_EXIT_SCP": "1"})
    assert many.returncode == 1 and many.stderr.count("scp exited 1") == 2 and "0/2 hosts copied" in many.stderr
    assert [c["scp"]["paths"][-1] for c in read_log(log, tool="scp")[-2:]] == [f"ec2-user@{i}:/etc/app/" for i in others]
    # both sides remote, or none: usage
    assert cli("cp", "web-one:/a", "api-0:/b", env=e).returncode == 2
    assert cli("cp", "a", "b", env=e).returncode == 2
    config = os.path.join(cli.home, "config.toml")
    with open(config, "w") as fh:
        fh.write("read_only = true\n")
    refused = cli("cp", "app.conf", "web-one:/tmp/", env={**e, "FUZZYAWS_CONFIG": config})
    assert refused.returncode == 2 and "refusing to copy files to" in refused.stderr
    assert cli("cp", "web-one:/etc/hosts", ".", env={**e, "FUZZYAWS_CONFIG": config}).returncode == 0  # reading is fine


def test_tunnel_to_an_ecs_task_and_through_one_to_a_database(cli, fleet, aws, env, log):
    [task] = fleet.ecs_tasks(A, "us-east-1", "prod", "api", 1, containers=["app", "envoy"])
    [relay] = fleet.ecs_tasks(A, "us-east-1", "prod", "relay", 1, tags={"Role": "jumphost"})
    db = fleet.rds_instance(A, "us-east-1", "orders-db")
    task_id, relay_id = task.rsplit("/", 1)[1], relay.rsplit("/", 1)[1]
    e = env()
    result = cli("tunnel", task_id, "--remote-port", "8080", env=e)
    assert result.returncode == 0, result.stderr
    params = plugin_calls(log)[-1]["plugin"]["parameters"]
    assert params["DocumentName"] == "AWS-StartPortForwardingSession"
    assert params["Target"].startswith(f"ecs:prod_{task_id}_") and params["Parameters"]["portNumber"] == ["8080"]
    [started] = [s for s in aws.sessions.of_kind("ssm")]
    assert started.target == params["Target"]  # the fake found the task's container
    # through a task to a database: named with --via, or found by the jump-host tag
    for argv in (["tunnel", "orders-db", "--via", relay_id], ["tunnel", "orders-db"]):
        result = cli(*argv, env=e)
        assert result.returncode == 0, result.stderr
        params = plugin_calls(log)[-1]["plugin"]["parameters"]
        assert params["DocumentName"] == "AWS-StartPortForwardingSessionToRemoteHost"
        assert params["Target"].startswith(f"ecs:prod_{relay_id}_")
        assert params["Parameters"]["host"] == [db["Endpoint"]["Address"]]


def test_cp_to_hosts_marked_in_a_real_terminal(cli, fleet, aws, env, log, tmp_path):
    from tests.tmux import Tmux
    ids = fleet.ec2(A, "us-east-1", 3, name="web-{i}")
    e = env()
    term = Tmux(tmp_path, width=160, height=40)
    try:
        argv = shlex.join([sys.executable, "-m", "fuzzyaws", "cp", "--multi", "--picker", "fzf", "app.conf", "web:/tmp/"])
        term.start(f"{argv} > out 2> err; echo $? > rc", e, cli.home)
        term.wait_for(lambda s: "3/3" in s)
        term.keys("Tab", "Tab", "Enter")
        assert term.wait_exit(30), term.screen()
    finally:
        term.kill()
    err = open(os.path.join(cli.home, "err")).read()
    assert open(os.path.join(cli.home, "rc")).read().strip() == "0", err
    copied = [c["scp"]["paths"][-1] for c in read_log(log, tool="scp")]
    assert len(copied) == 2 and set(copied) <= {f"ec2-user@{i}:/tmp/" for i in ids}
    assert "2/2 hosts copied" in err and len(aws.state.pushed_keys) == 2
