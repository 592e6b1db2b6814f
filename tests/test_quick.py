"""The warm commands' quick parser (quick.py) against argparse: whatever it accepts, it
must parse exactly as argparse does; what it declines, argparse decides."""
from __future__ import annotations

import itertools
import random
import subprocess
import sys

import pytest

from fuzzyaws import cli, quick
from fuzzyaws.status import UsageError

WORDS = ["ls", "pick", "preview", "web", "prod", "--offline", "--keys", "--json", "-m", "--multi",
         "--list", "--ansi", "--fullscreen", "-q", "--query", "--print", "arn", "json", "bogus",
         "--picker", "fzf", "builtin", "--columns", "80", "x1", "-v", "--verbose", "--traceback",
         "--profile", "p1", "--region", "us-east-1", "--ttl", "10", "--cache-dir", "/tmp/c",
         "--config", "c.toml", "--kind", "ec2", "--", "-x", "--off", "--help", "", "a b", "!prod",
         "--print=arn", "-mq", "'exact", "^pre", "suf$", "|"]


def by_argparse(argv: list, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(quick, "parse", lambda argv: None)
        try:
            return cli.parse(argv)
        except (UsageError, SystemExit) as exc:
            return type(exc)


def check(argv: list, monkeypatch) -> bool:
    """True if the quick parser took `argv` (then with argparse's result)."""
    ours = quick.parse(argv)
    if ours is None:
        return False
    assert ours == by_argparse(argv, monkeypatch), argv
    return True


@pytest.mark.parametrize("argv", [
    ["ls"], ["ls", "--offline"], ["ls", "--offline", "--keys"], ["ls", "prod", "web"],
    ["--profile", "p1", "ls", "--region", "r1", "--region", "r2", "web"],
    ["--profile", "x", "--region", "r", "ls", "--profile", "y", "--profile", "z", "--offline"],
    ["-v", "pick", "-m", "--print", "arn", "-q", "prod "], ["pick", "--list", "--columns", "77", "--ansi"],
    ["pick", "--picker", "builtin", "--fullscreen", "web"], ["preview", "arn:aws:ec2:r:1:instance/i-1"],
    ["--ttl", "5", "--cache-dir", "/c", "--config", "f", "--traceback", "ls", "!prod", "^web", "a$"],
])
def test_the_usual_lines_are_taken_quickly_and_as_argparse_parses_them(argv, monkeypatch):
    assert check(argv, monkeypatch)


@pytest.mark.parametrize("argv", [
    ["ls", "--help"], ["ls", "--json", "--keys"], ["pick", "--print", "bogus"], ["pick", "--columns", "x"],
    ["ls", "--off"], ["pick", "-mq", "web"], ["pick", "--print=arn"], ["ls", "--", "--keys"],
    ["ls", "web", "--offline", "prod"], ["preview"], ["preview", "a", "b"], ["pick", "-q"],
    ["ls", "--kind", "ec2"], ["refresh"], [], ["--offline", "ls"], ["pick", "-q", "-x"],
])
def test_anything_unusual_is_left_to_argparse(argv, monkeypatch):
    assert quick.parse(argv) is None


def test_random_command_lines_parse_alike(monkeypatch):
    """Thousands of command lines built from the warm commands' words: each one the quick
    parser takes is parsed as argparse parses it (and it takes a good share of them)."""
    rng = random.Random(7)
    taken = 0
    for n in range(3000):
        argv = [rng.choice(WORDS) for _ in range(rng.randrange(1, 7))]
        if n % 2:  # most real lines start with the command
            argv.insert(0, rng.choice(("ls", "pick", "preview")))
        taken += check(argv, monkeypatch)
    for argv in itertools.product(["ls", "pick"], ["--offline", "-v", "web"], ["--keys", "-m", "x"]):
        taken += check(list(argv), monkeypatch)
    for argv in itertools.product(["--profile", "--region"], ["a"], ["ls", "pick"], ["--profile", "--region", "--ttl"],
                                  ["b"], ["--profile", "-v"], ["c"]):
        taken += check(list(argv), monkeypatch)
    assert taken > 300


def test_the_warm_path_imports_no_argparse():
    code = ("import sys\nbefore = set(sys.modules)\nfrom fuzzyaws import cli\n"
            "cli.parse(['pick', '-m', '--print', 'arn', 'web']); cli.parse(['ls', '--offline'])\n"
            "print(sorted({'argparse', 're', 'json', 'enum'} & (set(sys.modules) - before)))")
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
