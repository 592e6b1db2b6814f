"""The embedded demo: one fake AWS in the background shared by every `fuzzyaws demo`
command, the same fleet every time, the README's flows chained on it, a demo shell, and
nothing that leaves the machine."""
from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time

import pytest

from tests.tmux import Tmux

FUZZYAWS = [sys.executable, "-m", "fuzzyaws"]
FZ = shlex.join(FUZZYAWS)  # the same, as shell words
pytestmark = pytest.mark.slow  # each fresh demo seeds its fleet: ~15 s


def environment(home) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FUZZYAWS_"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / "cache"), XDG_CONFIG_HOME=str(home / "config"),
               LANG="C.UTF-8", SHELL="/bin/bash")
    return env


def demo(env, *args, input=None, timeout=240):
    return subprocess.run([*FUZZYAWS, "demo", *args], env=env, capture_output=True, text=True,
                          input=input, timeout=timeout, cwd=env["HOME"])


def server(env) -> dict:
    with open(os.path.join(env["XDG_CACHE_HOME"], "fuzzyaws-demo", "server.json")) as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """A demo started once for the tests of this module; stopped at the end."""
    env = environment(tmp_path_factory.mktemp("demo"))
    first = demo(env, "ls", "--keys")
    assert first.returncode == 0, first.stderr
    yield env, first.stdout
    demo(env, "stop")


def test_one_fake_aws_across_calls_and_the_same_fleet_every_time(running):
    env, keys = running
    pid = server(env)["pid"]
    again = demo(env, "ls", "--keys", "--offline")
    assert again.stdout == keys and server(env)["pid"] == pid  # the same server, the same cache
    kinds = {line.split("\t")[0] for line in demo(env, "ls", "--offline").stdout.splitlines()}
    assert {"ec2", "rds", "elasticache", "ecs", "lambda", "s3", "sqs", "elb", "ssm-node", "kms:key"} <= kinds
    assert demo(env, "stop").returncode == 0
    restarted = demo(env, "--ttl", "0", "ls", "--keys")  # a new server, the fleet seeded anew
    assert restarted.returncode == 0 and server(env)["pid"] != pid
    assert sorted(restarted.stdout.splitlines()) == sorted(keys.splitlines())  # the same ids


def test_help_starts_nothing(tmp_path):
    env = environment(tmp_path)
    started = time.monotonic()
    shown = demo(env, "ls", "--help")
    assert shown.returncode == 0 and "fuzzyaws ls" in shown.stdout
    assert time.monotonic() - started < 10
    assert not os.path.exists(os.path.join(env["XDG_CACHE_HOME"], "fuzzyaws-demo", "server.json"))


def test_readme_flows_chained(running):
    env, keys = running
    ids = [k.rsplit("/", 1)[1] for k in keys.split() if ":instance/" in k]
    shown = demo(env, "preview", ids[0])
    assert shown.returncode == 0 and ids[0] in shown.stdout
    ran = demo(env, "run", "--yes", "--targets", ids[0], "--", "uptime")
    assert f"{ids[0]} Success exit 0" in ran.stdout, ran.stderr
    info = demo(env, "cache", "info")
    assert info.returncode == 0 and "fuzzyaws-demo" in info.stdout
    missing = demo(env, "preview", "i-nothere")
    assert missing.returncode == 1 and "fuzzyaws demo refresh" in missing.stderr
    assert demo(env, "ls", "--offline", "--kind", "rds", "--json").returncode == 0


def test_pick_into_run_in_a_terminal(running, tmp_path):
    env, _ = running
    term = Tmux(tmp_path, width=160, height=40)
    try:
        term.start(f"{FZ} demo pick --multi prod-checkout-web | {FZ} demo run --targets-from-stdin -- uptime"
                   " > out 2> err; echo $? > rc", env, tmp_path)
        # ready once rows are listed: fzf draws its prompt before the first items arrive
        screen = term.mark_two_and_answer(lambda s: "aws> prod-checkout-web" in s and "prod-checkout-web-01" in s,
                                          "y", timeout=60)
        assert "on 2 instances" in screen, screen
        assert term.wait_exit(120), term.screen()
    finally:
        term.kill()
    out = (tmp_path / "out").read_text()
    assert (tmp_path / "rc").read_text().strip() == "0", (tmp_path / "err").read_text()
    assert out.count("Success exit 0") == 2


def test_connect_and_ssh_are_simulated(running, tmp_path):
    env, _ = running
    term = Tmux(tmp_path, width=160, height=40)
    try:
        term.start(f"{FZ} demo connect prod-checkout-web-00; {FZ} demo connect --ssh --direct prod-checkout-web-01;"
                   f" {FZ} demo connect prod-checkout-db --client; echo done > rc", env, tmp_path)
        screen = term.wait_for(lambda s: "simulated shell on i-" in s, timeout=60)
        term.type("uptime")
        term.keys("Enter")
        screen = term.wait_for(lambda s: "`uptime` would run on i-" in s)
        assert "Starting session with SessionId" in screen
        term.type("exit")
        term.keys("Enter")
        screen = term.wait_for(lambda s: "simulated ssh session to ec2-user@172." in s, timeout=60)
        assert "(directly)" in screen
        term.type("exit")
        term.keys("Enter")
        screen = term.wait_for(lambda s: "psql (fuzzyaws demo): connected to localhost:" in s, timeout=60)
        assert "prod-checkout-db" in screen and "through a simulated tunnel" in screen
        term.type("\\q")
        term.keys("Enter")
        assert term.wait_exit(60), term.screen()
    finally:
        term.kill()


def test_the_demo_never_leaves_the_machine(tmp_path):
    """In a network namespace of its own, with only loopback: the demo works the same."""
    if os.geteuid() != 0:
        pytest.skip("a network namespace needs root (CI runs as root)")
    env = environment(tmp_path)
    script = (f"ip link set lo up && {FZ} demo ls --keys > keys && "
              f"{FZ} demo connect --ssh --direct prod-checkout-web-01 < /dev/null > ssh && {FZ} demo stop")
    done = subprocess.run(["unshare", "--net", "sh", "-c", script], env=env, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "keys").read_text().count("arn:aws:") > 150
    assert "simulated ssh session" in (tmp_path / "ssh").read_text()


def test_two_starts_at_once_and_a_taken_port(tmp_path):
    env = environment(tmp_path)
    with socket.socket() as taken:  # someone else has the demo's preferred port
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            taken.bind(("127.0.0.1", 45391))
            taken.listen(1)
        except OSError:
            pass  # another demo of this machine has it: taken all the same
        procs = [subprocess.Popen([*FUZZYAWS, "demo", "ls", "--kind", "ec2"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, cwd=tmp_path) for _ in range(2)]
        outs = [p.communicate(timeout=300) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        assert outs[0][0] == outs[1][0] and outs[0][0].count("\n") > 150
        assert not server(env)["endpoint"].endswith(":45391")
        log = open(os.path.join(env["XDG_CACHE_HOME"], "fuzzyaws-demo", "server.log")).read()
    starts = [e for _, e in outs if "starting the demo's fake AWS" in e]
    assert len(starts) == 1  # one of them started it, the other waited for it
    # a server that died without a word: the next command starts another
    os.kill(server(env)["pid"], 9)
    again = demo(env, "ls", "--kind", "ec2", "--offline")
    assert again.returncode == 0 and "starting the demo's fake AWS" in again.stderr
    demo(env, "stop")
    assert "Traceback" not in log


@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
def test_demo_shell_has_the_widget_completion_and_a_marked_prompt(running, tmp_path, shell):
    env, _ = running
    env = {**env, "SHELL": f"/usr/bin/{shell}", "HOME": str(tmp_path)}
    term = Tmux(tmp_path, width=160, height=40)
    try:
        term.start(f"{FZ} demo shell; echo left-the-demo > rc", env, tmp_path)
        term.wait_for(lambda s: "(demo)" in s, timeout=60)
        term.type("fuzzyaws preview prod-checkout-w")
        term.keys("C-g")
        term.wait_for(lambda s: "aws> prod-checkout-w" in s and "prod-checkout-web-0" in s, timeout=30)  # rows listed
        term.keys("Enter")
        screen = term.wait_for(lambda s: "fuzzyaws preview i-" in s)
        assert "fuzzyaws preview i-" in screen
        term.keys("Enter")
        screen = term.wait_for(lambda s: "tags (" in s, timeout=30)
        assert "prod-checkout-web" in screen  # the demo's fuzzyaws, the demo's cache
        term.type("exit")
        term.keys("Enter")
        assert term.wait_exit(30) or "left-the-demo" in term.screen()
    finally:
        term.kill()
    assert (tmp_path / "rc").read_text().strip() == "left-the-demo"
