"""A bad day loses nothing and prints no traceback: foreign, read-only and full cache
directories, other locales, denied and failing calls in every command, an endpoint that
never answers, Ctrl-C, and the small bugs of the first wave. Each failure is one line on
stderr and a documented exit status."""
from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import pytest

from fuzzyaws.cli import parse
from tests.cli import CLI
from tests.fakebin import fakebin_env, read_log
from tests.tmux import Tmux

A = "111111111111"
PLUGIN = "session-manager-plugin"


FOUR_KINDS = "ec2,rds,elasticache,ecs"  # the failures here are the point, not the kinds


@pytest.fixture
def cli(aws, tmp_path):
    return CLI(aws, str(tmp_path), account=A, extra={"FUZZYAWS_KINDS": FOUR_KINDS})


def one_line(result, status: int) -> str:
    """The result's single stderr line, checking the status and that there is no traceback."""
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@contextmanager
def tmpfs(path, size: str = "2m"):
    """A real file system of its own at `path` (root only: CI runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a file system needs root (CI runs as root)")
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(mount) -> None:
    """Fill the file system at `mount` to its last block (with the file `filler`)."""
    fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


def read_only(path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)


# -- the cache directory ----------------------------------------------------------------
def test_a_named_directory_with_other_files_is_refused_and_kept(cli, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "precious.txt").write_text("keep")
    (d / "cache.db").write_text("junk")
    line = one_line(cli("--cache-dir", str(d), "ls", "--offline"), 2)
    assert "not a fuzzyaws cache" in line
    assert (d / "precious.txt").read_text() == "keep" and (d / "cache.db").read_text() == "junk"


def test_a_shared_directory_is_refused_and_not_chmodded(cli, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    assert "written by others" in one_line(cli("--cache-dir", str(shared), "ls"), 2)
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o1777


def test_a_file_as_the_cache_directory(cli, tmp_path):
    (tmp_path / "file").write_text("x")
    assert "not a directory" in one_line(cli("--cache-dir", str(tmp_path / "file"), "ls"), 2)
    assert (tmp_path / "file").read_text() == "x"


def test_read_only_cache_serves_what_it_has_and_lists_from_aws(cli, fleet, tmp_path):
    fleet.ec2(A, "us-east-1", 2, name="old-{i}")
    with tmpfs(tmp_path / "ro") as mount:
        env = cli.env(FUZZYAWS_CACHE_DIR=str(mount / "cache"))
        assert cli("refresh", env=env).returncode == 0
        fleet.ec2(A, "us-east-1", 1, name="new-{i}", start=5)
        read_only(mount)
        offline = cli("ls", "--offline", env=env)
        assert offline.returncode == 0 and offline.stderr == "" and len(offline.stdout.splitlines()) == 2
        fresh = cli("--ttl", "0", "ls", env=env)  # expired: refreshed, but not saved
        assert "cannot save to the cache" in one_line(fresh, 0)
        assert "new-5" in fresh.stdout and len(fresh.stdout.splitlines()) == 3
        assert len(cli("ls", "--offline", env=env).stdout.splitlines()) == 2  # still intact


def test_unwritable_cache_home_lists_straight_from_aws(cli, fleet, tmp_path):
    fleet.ec2(A, "us-east-1", 2)
    with tmpfs(tmp_path / "ro") as mount:
        read_only(mount)
        env = {k: v for k, v in cli.env().items() if k != "FUZZYAWS_CACHE_DIR"}
        env["XDG_CACHE_HOME"] = str(mount / "xdg")
        result = cli("ls", env=env)
        assert "cannot save to the cache" in one_line(result, 0) and "Read-only file system" in result.stderr
        assert len(result.stdout.splitlines()) == 2
        assert not (mount / "xdg").exists()


def test_full_disk_keeps_the_previous_data(cli, fleet, tmp_path):
    fleet.ec2(A, "us-east-1", 3, name="before-{i}")
    with tmpfs(tmp_path / "small", size="1m") as mount:
        env = cli.env(FUZZYAWS_CACHE_DIR=str(mount / "cache"))
        assert cli("refresh", env=env).returncode == 0
        fleet.ec2(A, "us-east-1", 40, name="after-{i}", start=10)
        fill(mount)
        result = cli("--ttl", "0", "ls", env=env)
        assert "cannot save to the cache" in one_line(result, 0)
        assert len(result.stdout.splitlines()) == 43
        (mount / "filler").unlink()
        kept = cli("ls", "--offline", env=env)
        assert kept.returncode == 0 and len(kept.stdout.splitlines()) == 3  # intact, not wiped


def test_a_shard_fetched_in_the_future_is_refreshed(cli, fleet):
    fleet.ec2(A, "us-east-1", 1, name="a-{i}")
    assert cli("refresh").returncode == 0
    from fuzzyaws.cache import Cache
    cache = Cache(cli.cache_dir)
    sid = f"{A}/us-east-1/ec2"
    cache.put_shard(sid, [], fetched=time.time() + 86400)  # a clock that was a day ahead
    cache.close()
    info = cli("cache", "info").stdout
    assert "-86400" not in info and "in the future" in info and "expired" in info
    assert "a-0" in cli("ls").stdout


# -- locales ---------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_any_locale_prints_without_errors(cli, fleet, encoding):
    fleet.ec2(A, "us-east-1", 1, name="서버-web", tags={"Note": "café ☕ \u202e"})
    assert cli("refresh").returncode == 0
    env = cli.env(LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONIOENCODING=encoding)

    def run(*args):
        done = subprocess.run([sys.executable, "-m", "fuzzyaws", *args], env=env, capture_output=True,
                              cwd=cli.home)
        return done.returncode, done.stdout.decode(encoding), done.stderr.decode(encoding)

    status, out, err = run("ls", "--offline")
    assert status == 0 and err == "" and "web" in out and "Note=caf" in out
    status, out, err = run("ls", "--offline", "--json")
    assert status == 0 and out.isascii()  # \u-escaped: lossless in any locale
    assert json.loads(out)[0]["tags"]["Note"] == "café ☕ \u202e"
    status, out, err = run("preview", json.loads(out)[0]["key"])
    assert status == 0 and "Note" in out
    status, out, err = run("preview", "서버")
    assert status == 1 and "Traceback" not in err and len(err.splitlines()) == 1
    assert run("cache", "info")[0] == 0


# -- offline commands honour the flags ----------------------------------------------------
def test_offline_listing_honours_region_profile_and_kind(cli, fleet, aws, tmp_path):
    B = "222222222222"
    for account in (A, B):
        fleet.ec2(account, "us-east-1", 1, name=f"east-{account[0]}-{{i}}")
        fleet.ec2(account, "eu-west-1", 1, name=f"west-{account[0]}-{{i}}")
        fleet.rds_instance(account, "eu-west-1", f"db-{account[0]}")
    files = aws.write_aws_config(tmp_path / "aws", {"a": A, "b": B})
    env = cli.env(**files, FUZZYAWS_PROFILES="a,b", FUZZYAWS_REGIONS="us-east-1,eu-west-1")
    assert len(cli("ls", env=env).stdout.splitlines()) == 6
    names = lambda *args: sorted(l.split()[1] for l in cli(*args, "ls", "--offline", env=env).stdout.splitlines())  # noqa: E731
    assert names("--region", "eu-west-1") == ["db-1", "db-2", "west-1-0", "west-2-0"]
    assert names("--profile", "b") == ["db-2", "east-2-0", "west-2-0"]
    assert names("--profile", "a", "--region", "us-east-1") == ["east-1-0"]
    assert sorted(l.split()[1] for l in cli("--region", "eu-west-1", "ls", "--offline", "--kind", "rds",
                                            env=env).stdout.splitlines()) == ["db-1", "db-2"]
    west = json.loads(cli("--region", "eu-west-1", "ls", "--offline", "--json", "db-1", env=env).stdout)[0]["key"]
    assert cli("--region", "eu-west-1", "preview", west, env=env).returncode == 0
    assert cli("--region", "us-east-1", "preview", west, env=env).returncode == 1
    assert cli("--profile", "b", "preview", west, env=env).returncode == 1
    nothing = cli("--profile", "nosuch", "ls", "--offline", env=env)
    assert nothing.returncode == 1 and nothing.stdout == ""
    assert "'nowhere' is not an AWS region" in one_line(cli("--region", "nowhere", "ls", "--offline", env=env), 2)


# -- partial failures ---------------------------------------------------------------------
def test_a_failed_ssm_listing_keeps_the_status_and_says_so(cli, fleet, aws, tmp_path):
    ids = fleet.ec2(A, "us-east-1", 2, name="app-{i}")
    assert cli("refresh").returncode == 0
    aws.faults.add("throttle", service="ssm", operation="DescribeInstanceInformation")
    env = cli.env(FUZZYAWS_CONFIG=impatient(tmp_path))
    result = cli("refresh", env=env)
    line = one_line(result, 1)
    assert "SSM status unknown" in line and "throttled" in line and f"{A} us-east-1 ec2" in line
    got = {r["id"]: r for r in json.loads(cli("ls", "--offline", "--json").stdout)}
    assert set(got) == set(ids)
    assert all(r["attrs"]["ssm_ping"] == "Online" and "throttled" in r["attrs"]["ssm_unknown"]
               for r in got.values())
    env = fakebin_env(tmp_path / "calls.jsonl", base=env)
    run = cli("run", "--yes", "--offline", "--targets", *ids, "--", "uptime", env=env)
    assert run.returncode == 1 and "SSM status unknown: throttled" in run.stderr
    assert "not managed by SSM" not in run.stderr + run.stdout
    assert cli("connect", ids[0], "--offline", env=env).returncode == 1
    preview = cli("preview", ids[0]).stdout
    assert "SSM Online" in preview and "SSM status unknown" in preview


# -- AWS failures in every command: one line --------------------------------------------
def impatient(tmp_path, **more) -> str:
    """A config file that gives up fast: two attempts per call, short timeouts."""
    config = tmp_path / "impatient.toml"
    config.write_text("max_attempts = 2\n" + "".join(f"{k} = {v}\n" for k, v in more.items()))
    return str(config)


@pytest.fixture
def tools(cli, fleet, tmp_path):
    """A warm cache of one SSM-online host, a jump host and a database; the fake tools."""
    fleet.ec2(A, "us-east-1", 1, name="web-one")
    fleet.ec2(A, "us-east-1", 1, name="jump", tags={"Role": "jumphost"}, start=3)
    fleet.rds_instance(A, "us-east-1", "orders-db")
    assert cli("refresh").returncode == 0
    return fakebin_env(tmp_path / "calls.jsonl", base=cli.env(FUZZYAWS_CONFIG=impatient(tmp_path)))


@pytest.mark.parametrize("fault, status, words", [
    ("access_denied", 1, "access denied"),
    ("server_error", 1, "InternalError"),
    ("expired_token", 3, "rejected the credentials"),
])
def test_actions_say_what_failed_in_one_line(cli, aws, tools, fault, status, words):
    aws.faults.add(fault, service="ssm", operation=["StartSession", "SendCommand"])
    for argv in (["connect", "web-one"], ["connect", "orders-db"], ["tunnel", "web-one", "--remote-port", "22"],
                 ["ssh-proxy", "web-one"]):
        line = one_line(cli(*argv, env=tools), status)
        assert words in line and (status == 3 or f"{A} us-east-1" in line), argv
    if fault == "server_error":
        return  # an ambiguous SendCommand is looked up and retried for a minute: see test_actions
    run = cli("run", "--yes", "--targets", "web-one", "--", "uptime", env=tools)
    if status == 3:
        assert words in one_line(run, 3)
    else:
        assert run.returncode == 1 and "Traceback" not in run.stderr and words in run.stdout


def test_an_endpoint_that_refuses_connections(cli, tools):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {**tools, "AWS_ENDPOINT_URL_SSM": f"http://127.0.0.1:{port}"}
    line = one_line(cli("connect", "web-one", env=env), 1)
    assert "endpoint unreachable" in line and f"127.0.0.1:{port}" in line


@contextmanager
def silent_endpoint():
    """A TCP server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def test_an_endpoint_that_never_answers_is_given_up(cli, fleet, tmp_path):
    fleet.ec2(A, "us-east-1", 1)
    config = impatient(tmp_path, connect_timeout=1, read_timeout=1)
    with silent_endpoint() as url:
        env = cli.env(FUZZYAWS_CONFIG=config, AWS_ENDPOINT_URL=url)
        started = time.monotonic()
        line = one_line(cli("ls", env=env), 1)
        assert "endpoint timed out" in line and url in line
        assert time.monotonic() - started < 20
        # the plan known, every shard times out: one line for all of them
        from fuzzyaws.cache import Cache
        from fuzzyaws.config import load
        from fuzzyaws.inventory.load import plan_key
        regions = ["us-east-1", "us-west-2", "eu-west-1"]
        env["FUZZYAWS_REGIONS"] = ",".join(regions)
        Cache(cli.cache_dir).put_plan(plan_key(load({}, env)), [{"account": A, "region": r} for r in regions],
                                      time.time())
        started = time.monotonic()
        line = one_line(cli("ls", env=env), 1)
        assert "endpoint timed out" in line and "12 shards" in line and "no data" in line
        assert time.monotonic() - started < 60


def test_a_dead_service_is_one_warning_for_all_its_shards(cli, fleet, aws, tmp_path):
    regions = ["--region", "us-east-1", "--region", "us-west-2", "--region", "eu-west-1"]
    fleet.ec2(A, "us-east-1", 1)
    assert cli(*regions, "refresh").returncode == 0
    aws.faults.add("unavailable", service=["ec2", "rds", "elasticache", "ecs", "ssm"])
    result = cli(*regions, "refresh", env=cli.env(FUZZYAWS_CONFIG=impatient(tmp_path)))
    line = one_line(result, 1)
    assert "ServiceUnavailable on " in line and "12 shards" in line and "keeping data from" in line


def test_traceback_on_request(cli, tools, aws):
    aws.faults.add("access_denied", service="ssm", operation="StartSession")
    quiet = cli("connect", "web-one", env=tools)
    assert "Traceback" not in quiet.stderr
    loud = cli("connect", "web-one", "--traceback", env=tools)
    assert loud.returncode == 1 and "access denied" in loud.stderr.splitlines()[-1]
    assert cli("connect", "web-one", env={**tools, "FUZZYAWS_TRACEBACK": "1"}).returncode == 1


def test_internal_errors_are_one_line_pointing_at_traceback(cli, monkeypatch, tools):
    from fuzzyaws.commands import preview

    def broken(app, opts):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(preview, "run", broken)
    line = one_line(cli("preview", "web-one"), 1)
    assert "internal error: ZeroDivisionError: a bug" in line and "--traceback" in line


# -- Ctrl-C -----------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["refresh"], ["ls"]])
def test_ctrl_c_exits_130_within_a_second_and_keeps_finished_shards(cli, fleet, aws, command):
    fleet.ec2(A, "us-east-1", 2, name="east-{i}")
    fleet.ec2(A, "us-west-2", 2, name="west-{i}")
    regions = ["--region", "us-east-1", "--region", "us-west-2"]
    assert cli(*regions, "refresh", "--kind", "rds").returncode == 0  # the plan is known
    aws.faults.add("latency", seconds=30, region="us-west-2", service="ec2")
    proc = cli.start("-v", *regions, *command, "--kind", "ec2")
    said = []
    reader = threading.Thread(target=lambda: said.extend(proc.stderr), daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any("us-east-1 ec2: 2 resources" in s for s in said):
        time.sleep(0.05)
    assert any("us-east-1 ec2" in s for s in said), said
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=10)
    # at once, not after the 30 s call in flight (well under a second when the machine is idle)
    assert time.monotonic() - sent < 5
    reader.join(timeout=5)
    err = "".join(said)
    assert proc.returncode == 130 and "Traceback" not in err, err
    kept = cli(*regions, "ls", "--offline", "--kind", "ec2").stdout
    assert "east-0" in kept and "west-0" not in kept


# -- small bugs ---------------------------------------------------------------------------
def test_usage_errors_are_one_line(cli):
    for argv, words in ((["ls", "--bogus"], "see fuzzyaws ls --help"),
                        (["pick", "--print", "nope"], "see fuzzyaws pick --help"),
                        (["nosuchcommand"], "see fuzzyaws --help"),
                        (["preview"], "see fuzzyaws preview --help"),
                        (["connect", "--nope", "x"], "unrecognized arguments: --nope"),
                        (["tunnel", "-y"], "unrecognized arguments: -y")):
        line = one_line(cli(*argv), 2)
        assert line.startswith("fuzzyaws: error: ") and words in line, line


def test_ssh_proxy_help_says_percent_once(cli):
    own = " ".join(cli.process("ssh-proxy", "--help").stdout.split())
    top = cli.process("--help").stdout
    assert "ProxyCommand fuzzyaws ssh-proxy %h %p" in own and "%h %p" in top
    assert "%%" not in own + top


def test_verbose_reaches_the_demo_command_before_and_after_demo():
    from fuzzyaws.commands.demo import _globals
    for argv in (["demo", "-v", "refresh"], ["-v", "demo", "refresh"]):
        name, flags, opts = parse(argv)
        assert name == "demo" and opts.argv == ("refresh",) and _globals(flags) == ["-v"]


def test_preview_child_cannot_be_shadowed_by_the_current_directory(cli, fleet, tmp_path):
    [iid] = fleet.ec2(A, "us-east-1", 1, name="web-one")
    assert cli("refresh").returncode == 0
    shadow = tmp_path / "work" / "fuzzyaws"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('the wrong fuzzyaws')\n")
    (shadow / "__main__.py").write_text("raise ImportError('the wrong fuzzyaws')\n")
    from fuzzyaws.app import App
    from fuzzyaws.config import load
    from fuzzyaws.selection import child_argv
    argv = child_argv(App(load({}, cli.env()))) + ["preview", iid]
    shown = subprocess.run(argv, env=cli.env(), cwd=shadow.parent, capture_output=True, text=True)
    assert shown.returncode == 0 and "web-one" in shown.stdout, shown.stderr


# -- in a real terminal --------------------------------------------------------------------
@pytest.fixture
def term(tmp_path):
    tmux = Tmux(tmp_path, width=160, height=40)
    yield tmux
    tmux.kill()


@pytest.mark.parametrize("picker", ["fzf", "builtin"])
def test_run_asks_on_the_terminal_and_takes_the_answer(cli, fleet, aws, term, picker):
    fleet.ec2(A, "us-east-1", 3, name="web-{i}")
    assert cli("refresh").returncode == 0
    argv = shlex.join([sys.executable, "-m", "fuzzyaws", "run", "--picker", picker, "web", "--", "uptime"])
    for answer, status, sends in (("y", 0, 1), ("n", 130, 1), ("C-c", 130, 1)):
        rc = os.path.join(cli.home, "rc")
        if os.path.exists(rc):
            os.unlink(rc)
        term.start(f"{argv} > out 2> err; echo $? > rc", cli.env(), cli.home)
        term.wait_for(lambda s: "3/3" in s)
        term.keys("Tab", "Tab", "Enter")
        screen = term.wait_for(lambda s: "[y/N]" in s)
        assert "Run 'uptime' on 2 instances? [y/N]" in screen, screen
        if answer == "C-c":
            term.keys("C-c")
        else:
            term.type(answer)
            term.keys("Enter")
        assert term.wait_exit(30), term.screen()
        term.kill()
        read = lambda name: open(os.path.join(cli.home, name)).read()  # noqa: E731
        assert int(read("rc")) == status, read("err")
        assert "Traceback" not in read("err")
        if answer == "y":
            assert read("out").count(" Success exit 0") == 2
        else:
            assert "nothing was run" in read("err") and read("out") == ""
        assert len(aws.commands.sent) == sends  # only the confirmed run sent anything


def test_ctrl_c_in_a_database_client_is_the_clients(cli, fleet, aws, term, tmp_path):
    fleet.ec2(A, "us-east-1", 1, name="jump", tags={"Role": "jumphost"})
    fleet.rds_instance(A, "us-east-1", "orders-db")
    assert cli("refresh").returncode == 0
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    psql = bin_dir / "psql"  # a client that, like psql, cancels on Ctrl-C and quits on \q
    psql.write_text(f"#!{sys.executable}\n"
                    "import signal, sys\n"
                    "signal.signal(signal.SIGINT, lambda *_: print('query cancelled', flush=True))\n"
                    "print('psql ready', flush=True)\n"
                    "for line in sys.stdin:\n"
                    "    if line.strip() == '\\\\q':\n"
                    "        sys.exit(7)\n")
    psql.chmod(0o755)
    env = fakebin_env(tmp_path / "calls.jsonl", base=cli.env(), hold="forever")
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    argv = shlex.join([sys.executable, "-m", "fuzzyaws", "connect", "orders-db", "--client"])
    term.start(f"{argv}; echo $? > rc", env, cli.home)
    term.wait_for(lambda s: "psql ready" in s, timeout=30)
    [tunnel] = [c for c in read_log(tmp_path / "calls.jsonl", tool=PLUGIN) if c["argv"][2:3] == ["StartSession"]]
    port = tunnel["plugin"]["listening"]
    term.keys("C-c")
    term.wait_for(lambda s: "query cancelled" in s)
    time.sleep(0.3)
    socket.create_connection(("127.0.0.1", port), timeout=2).close()  # the tunnel lives on
    term.type("\\q")
    term.keys("Enter")
    assert term.wait_exit(), term.screen()
    assert open(os.path.join(cli.home, "rc")).read().strip() == "7"  # the client's own status
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()  # closed with it
