"""`pick` with the real fzf binary in a real terminal (tmux), and `preview`, end to end
against the fake AWS."""
from __future__ import annotations

import json
import os
import re
import shlex
import sys
import time

import pytest

from tests.cli import CLI
from tests.tmux import Tmux

A = "111111111111"
EVIL_NAME = "web $(touch pwned) 'q\"\nx"


@pytest.fixture
def cli(aws, fleet, tmp_path):
    cli = CLI(aws, str(tmp_path), account=A)
    fleet.ec2(A, "us-east-1", 3, name="web-{i}", tags={"Role": "web"})
    fleet.ec2(A, "us-east-1", 2, name="db-{i}", tags={"Role": "db", "Note": "line1\nline2 `id`"})
    fleet.ec2(A, "us-east-1", 1, name=EVIL_NAME, start=7)
    assert cli("refresh").returncode == 0
    return cli


@pytest.fixture
def term(tmp_path):
    tmux = Tmux(tmp_path, width=200, height=50)
    yield tmux
    tmux.kill()


def run_pick(term, cli, *args, env=None):
    """Start `fuzzyaws pick ARGS` in the terminal, stdout and status into files."""
    argv = shlex.join([sys.executable, "-m", "fuzzyaws", "pick", *args])
    term.start(f"{argv} > out 2> err; echo $? > rc", env or cli.env(), cli.home)


def result(term, cli):
    assert term.wait_exit(), term.screen()
    read = lambda name: open(os.path.join(cli.home, name)).read()  # noqa: E731
    return int(read("rc")), read("out"), read("err")


def ids(cli, query):
    return [r["id"] for r in json.loads(cli("ls", "--offline", "--json", query).stdout)]


def test_fzf_multi_select_prints_ids(cli, term):
    run_pick(term, cli, "--picker", "fzf", "--multi", "web-")
    screen = term.wait_for(lambda s: "3/6" in s)
    assert "6 resources · 1 account · 1 region" in screen, result(term, cli)
    assert "arn:aws" not in screen  # the key column is hidden
    shown = [word for line in screen.splitlines() if "ec2 " in line  # left of the preview
             for word in line.split("│")[0].split() if word.startswith("i-")]
    assert sorted(shown) == sorted(ids(cli, "web-"))
    term.keys("Tab", "Tab", "Enter")
    rc, out, err = result(term, cli)
    assert rc == 0 and err == ""
    assert out.split() == shown[:2]  # the two marked, top first


def test_fzf_abort_no_match_and_hostile_query(cli, term, tmp_path):
    run_pick(term, cli, "--picker", "fzf")
    term.wait_for(lambda s: "aws>" in s)
    term.keys("Escape")
    assert result(term, cli)[:2] == (130, "")
    hostile = "$(touch pwned) `touch pwned2` ';touch pwned3'"
    run_pick(term, cli, "--picker", "fzf", "--query", hostile)
    term.wait_for(lambda s: "0/6" in s)
    term.keys("Enter")
    assert result(term, cli)[:2] == (1, "")
    assert not [f for f in os.listdir(cli.home) if f.startswith("pwned")]


def test_fzf_hostile_names_one_row_each_and_printed_safely(cli, term):
    run_pick(term, cli, "--picker", "fzf", "--print", "name", "$(touch")
    screen = term.wait_for(lambda s: "1/6" in s)
    assert "web $(touch pwned) 'q\"␊x" in screen
    term.keys("Enter")
    rc, out, _ = result(term, cli)
    assert rc == 0 and out == "web $(touch pwned) 'q\"␊x\n"
    assert not os.path.exists(os.path.join(cli.home, "pwned"))


def test_fzf_preview_pane_follows_the_cursor(cli, term):
    run_pick(term, cli, "--picker", "fzf", "db-")
    screen = term.wait_for(lambda s: "tags (" in s)
    assert "Note  line1␊line2 `id`" in screen and "not managed by SSM" not in screen
    def previewed(screen):  # the name in the preview pane's first line
        return [line.split("│")[1].split()[1] for line in screen.splitlines() if "│ ec2  " in line]

    first = previewed(screen)
    cursor_row = [line for line in screen.splitlines() if line.startswith("> ")][0]
    assert len(first) == 1 and first[0] in cursor_row.split("│")[0]
    term.keys("Down")
    second = previewed(term.wait_for(lambda s: previewed(s) not in ([], first)))
    assert len(second) == 1 and second != first and second[0].startswith("db-")
    term.keys("Escape")


def test_fzf_bad_default_opts_is_exit_2(cli, term):
    run_pick(term, cli, "--picker", "fzf", env=cli.env(FZF_DEFAULT_OPTS="--no-such-option"))
    rc, out, err = result(term, cli)
    assert rc == 2 and out == "" and "FZF_DEFAULT_OPTS" in err


def test_fzf_user_default_opts_are_honoured(cli, term):
    run_pick(term, cli, "--picker", "fzf", env=cli.env(FZF_DEFAULT_OPTS="--prompt=mine: "))
    term.wait_for(lambda s: "mine:" in s)
    assert "mine:" in term.screen()
    term.keys("Escape")


def test_stale_data_opens_at_once_and_reloads(cli, fleet, aws, term):
    fleet.ec2(A, "us-east-1", 1, name="web-late-{i}", start=50)
    time.sleep(1.1)
    aws.faults.add("latency", seconds=1.5, service="ec2", operation="DescribeInstances")
    run_pick(term, cli, "--picker", "fzf", "--ttl", "1", "web")
    screen = term.wait_for(lambda s: "refreshing…" in s, timeout=5)
    assert "refreshing…" in screen and "web-late-50" not in screen  # opened on the old data
    screen = term.wait_for(lambda s: "web-late-50" in s, timeout=20)
    assert "web-late-50" in screen and "aws> web" in screen  # merged, query kept
    term.keys("Escape")
    assert result(term, cli)[0] == 130


def test_history_puts_recent_picks_first(cli, term):
    db = ids(cli, "'db-1")
    run_pick(term, cli, "--picker", "fzf", "--print", "arn", "'db-1")
    term.wait_for(lambda s: "1/6" in s)
    term.keys("Enter")
    rc, out, _ = result(term, cli)
    assert rc == 0 and out.strip().endswith("/" + db[0])
    listed = cli("pick", "--list", "--offline").stdout.splitlines()
    assert listed[0].startswith("6 resources") and "\t" not in listed[0]
    assert listed[1].split("\t")[-1] == out.strip()


def test_missing_fzf_is_a_clear_error(cli):
    result = cli("pick", "--picker", "fzf", env=cli.env(PATH=os.path.dirname(sys.executable)))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "fzf" in result.stderr


def test_preview_command(cli):
    key = cli("ls", "--keys", "--offline", "'db-0").stdout.strip()
    env = cli.env(PYTHONPROFILEIMPORTTIME="1")
    shown = cli.process("preview", key, env=env)
    assert shown.returncode == 0
    assert "ec2  db-0" in shown.stdout and "Note  line1␊line2 `id`" in shown.stdout
    assert re.search(r"\nstate +running · SSM Online", shown.stdout)
    assert re.search(r"\ndata +\d+ s old", shown.stdout)
    imported = {line.split("|")[-1].strip() for line in shown.stderr.splitlines() if "|" in line}
    assert "fuzzyaws.preview" in imported and not any(m.startswith(("boto", "prompt_toolkit")) for m in imported)
    by_id = cli("preview", key.rsplit("/", 1)[1])
    assert by_id.stdout.split("\ndata")[0] == shown.stdout.split("\ndata")[0]
    missing = cli("preview", "i-00000000000000000")
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1


def test_builtin_picker_merges_the_refresh_live(cli, fleet, aws, term):
    [late] = fleet.ec2(A, "us-east-1", 1, name="web-late-{i}", start=50)
    time.sleep(1.1)
    aws.faults.add("latency", seconds=1.5, service="ec2", operation="DescribeInstances")
    run_pick(term, cli, "--picker", "builtin", "--ttl", "1", "'web-late")
    screen = term.wait_for(lambda s: "refreshing…" in s, timeout=10)
    assert "refreshing…" in screen and "web-late-50" not in screen  # opened on the old data
    screen = term.wait_for(lambda s: "web-late-50" in s and "refreshing…" not in s, timeout=20)
    assert "7 resources" in screen  # the header is the fresh one
    term.keys("Enter")
    rc, out, _ = result(term, cli)
    assert rc == 0 and out == late + "\n"


BROWSER = """#!/bin/sh
printf '%s\\n' "$@" >> "$HOME/opened"
"""


@pytest.mark.parametrize("picker", ["fzf", "builtin"])
def test_alt_c_copies_the_marked_arns_and_alt_o_opens_the_page(cli, term, picker):
    browser = os.path.join(cli.home, "browser")
    with open(browser, "w") as fh:
        fh.write(BROWSER)
    os.chmod(browser, 0o755)
    keys = [r["key"] for r in json.loads(cli("ls", "--offline", "--json", "web-").stdout)]
    run_pick(term, cli, "--picker", picker, "--multi", "web-", env=cli.env(BROWSER=browser))
    term.set_option("set-clipboard", "on")
    term.wait_for(lambda s: "3/6" in s)
    term.keys("Tab", "Tab", "M-c")
    copied = ""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and copied.count("arn:aws") < 2:
        copied = term.buffer()
        time.sleep(0.1)
    assert len(set(copied.split())) == 2 and set(copied.split()) <= set(keys)  # the two marked
    term.keys("M-o")
    opened = os.path.join(cli.home, "opened")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not os.path.exists(opened):
        time.sleep(0.1)
    [url] = open(opened).read().split()
    assert url.startswith("https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#InstanceDetails:instanceId=i-")
    term.keys("Escape")
    assert result(term, cli)[0] == 130


@pytest.mark.parametrize("picker", ["fzf", "builtin"])
@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
def test_name_state_and_region_are_on_screen_after_a_query(cli, tmp_path, picker, size):
    term = Tmux(tmp_path, width=size[0], height=size[1])
    try:
        run_pick(term, cli, "--picker", picker, env=cli.env(NO_COLOR="1"))
        term.wait_for(lambda s: "6/6" in s)
        term.type("Role=web")  # matched in the tags, far right: the name stays in view
        screen = term.wait_for(lambda s: "3/6" in s)
        rows = [line for line in screen.splitlines() if "web-" in line and "running" in line]
        assert len(rows) == 3, screen
        for row in rows:
            assert "ec2" in row and "ssm:online" in row and "us-east-1" in row
            assert "Role=" in row or size[0] < 100  # at 80 columns the tags may start off screen
        assert "aws> Role=web" in screen  # the same prompt in both pickers
        term.keys("Escape")
        assert result(term, cli)[0] == 130
    finally:
        term.kill()


def test_commands_fzf_runs_are_quoted_as_shlex_quotes_them():
    import random
    import shlex

    from fuzzyaws.pickers.fzf import _join
    rng = random.Random(1)
    chars = "ab '\"$\\`!*?-_=/.:,@%+é\t\n;&|()<>~#"
    for _ in range(5000):
        words = ["".join(rng.choice(chars) for _ in range(rng.randrange(6))) for _ in range(rng.randrange(4))]
        assert _join(words) == shlex.join(words), words


def test_keys_typed_over_the_builtin_pickers_sketch_are_taken_as_typed(cli, term):
    """The built-in picker's first frame is a plain-text sketch drawn before prompt_toolkit
    is loaded: Tab, Tab and Enter sent as soon as it shows are neither echoed nor turned
    into other keys (Enter is not Ctrl-J), and mark and accept two rows."""
    run_pick(term, cli, "--picker", "builtin", "--multi")
    term.wait_for(lambda s: "6/6" in s)  # the sketch (or the picker, if it was quicker)
    term.keys("Tab", "Tab", "Enter")
    status, out, err = result(term, cli)
    assert status == 0 and len(out.split()) == 2 and all(i.startswith("i-") for i in out.split()), (out, err)
