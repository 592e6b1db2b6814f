"""`fuzzyaws completion bash|zsh|tcsh|fish`: shtab's scripts for the parser (fish's made from
the same parser), with resource IDs, profiles and regions completed dynamically — run in
real bash (the completion function called as readline would), fish (`complete -C`), zsh and
fish (Tab under tmux), against a seeded cache."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from fuzzyaws import regions
from tests.cli import CLI
from tests.test_shell import Term, fuzzyaws_bin

A = "111111111111"
COMMANDS = ("ls", "pick", "preview", "connect", "tunnel", "run", "init", "completion",
            "refresh", "cache", "demo")

AWS_CONFIG = """\
[default]
region = us-east-1
[profile prod]
role_arn = arn:aws:iam::1:role/x
[ profile  staging-eu ]
[sso-session corp]
sso_start_url = https://example.invalid
[services local]
"""
AWS_CREDENTIALS = """\
[default]
aws_access_key_id = x
[legacy-keys]
aws_access_key_id = y
"""
PROFILES = ["default", "prod", "staging-eu", "legacy-keys"]


def generate(shell: str) -> str:
    result = subprocess.run([sys.executable, "-m", "fuzzyaws", "completion", shell],
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def seeded(fake_aws, tmp_path_factory):
    """A cache with EC2 instances, an RDS instance and ECS tasks; the home it lives in."""
    from fuzzyaws.fakeaws import Fleet
    fake_aws.reset()
    fleet = Fleet(fake_aws)
    fleet.ec2(A, "us-east-1", 3, name="web-{i}")
    fleet.rds_instance(A, "us-east-1", "orders-db")
    fleet.ecs_tasks(A, "us-east-1", "prod", "api", 2)
    home = tmp_path_factory.mktemp("completion")
    cli = CLI(fake_aws, str(home), account=A)
    assert cli("refresh").returncode == 0
    records = json.loads(cli("ls", "--offline", "--json").stdout)
    (home / ".aws").mkdir()
    (home / ".aws" / "config").write_text(AWS_CONFIG)
    (home / ".aws" / "credentials").write_text(AWS_CREDENTIALS)
    return cli, home, sorted(r["id"] for r in records)


def env_for(seeded) -> dict:
    cli, home, _ = seeded
    env = cli.env(PATH=os.pathsep.join([fuzzyaws_bin(home), "/usr/bin", "/bin"]),
                  FUZZYAWS_TTL="86400", LC_ALL="C.UTF-8")
    env.pop("AWS_CONFIG_FILE")  # the profiles come from ~/.aws
    env.pop("AWS_SHARED_CREDENTIALS_FILE")
    return env


@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh", "fish"])
def test_scripts_cover_every_command_and_the_dynamic_completers(shell):
    script = generate(shell)
    for command in COMMANDS:
        assert re.search(rf"\b{command}\b", script), command
    for completer in ("ids", "profiles") + (() if shell == "fish" else ("regions",)):
        assert script.count(f"__fuzzyaws_complete_{completer}") >= 2, completer
    if shell != "tcsh":
        check = subprocess.run([shell, "--no-execute" if shell == "fish" else "-n"], input=script,
                               capture_output=True, text=True)
        assert check.returncode == 0 and check.stderr == "", check.stderr


def test_regions_come_from_botocore_data_without_importing_it():
    names = regions.known()
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"} <= set(names)
    assert all(re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", n) for n in names)
    assert all(regions.shaped(n) for n in names)  # the shape check knows every real region
    probe = subprocess.run([sys.executable, "-c", "import sys\nfrom fuzzyaws.commands import completion\n"
                            "completion.script('zsh')\nprint(sorted(m for m in sys.modules "
                            "if m.split('.')[0] in ('boto3', 'botocore', 'prompt_toolkit')))"],
                           capture_output=True, text=True)
    assert probe.stdout.strip() == "[]", probe.stderr


def test_parsing_does_not_import_shtab():
    probe = subprocess.run([sys.executable, "-c", "import sys\nfrom fuzzyaws.parser import build_parser\n"
                            "build_parser()\nprint('shtab' in sys.modules)"], capture_output=True, text=True)
    assert probe.stdout.strip() == "False", probe.stderr


def test_the_listings_completion_runs_stay_off_boto3(seeded):
    """What the ID completers run: no boto3, no network (an offline read of the cache)."""
    cli, home, ids = seeded
    for argv in (["ls", "--offline", "--keys"], ["pick", "--list", "--offline"]):
        result = cli(*argv, env=cli.env(PYTHONPROFILEIMPORTTIME="1", FUZZYAWS_TTL="1"))
        assert result.returncode == 0
        imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
        assert not any(m.startswith(("boto", "prompt_toolkit", "pyfzf")) for m in imported), argv


def bash_complete(seeded, line: str) -> list:
    """What bash would offer for `line` (completing its last word), with the script loaded."""
    script = generate("bash")
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    driver = (f'source /dev/stdin <<< "$FUZZYAWS_TEST_SCRIPT"\n'
              f'COMP_WORDS=({" ".join(shlex.quote(w) for w in words)})\n'
              f'COMP_CWORD={len(words) - 1}\nCOMP_LINE={shlex.quote(line)}\nCOMP_POINT=${{#COMP_LINE}}\n'
              '_shtab_fuzzyaws\nprintf "%s\\n" "${COMPREPLY[@]}"\n')
    env = {**env_for(seeded), "FUZZYAWS_TEST_SCRIPT": script}
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", driver], capture_output=True,
                            text=True, env=env, cwd=str(seeded[1]), timeout=60)
    assert result.returncode == 0, result.stderr
    return [w for w in result.stdout.splitlines() if w]


def test_bash_completes_commands_and_options(seeded):
    assert bash_complete(seeded, "fuzzyaws con") == ["connect"]
    assert "--targets" in bash_complete(seeded, "fuzzyaws run --t")
    assert bash_complete(seeded, "fuzzyaws init ") == ["zsh", "bash", "fish"]


def test_bash_completes_resource_ids(seeded):
    _, _, ids = seeded
    assert sorted(bash_complete(seeded, "fuzzyaws connect ")) == ids
    ec2 = [i for i in ids if i.startswith("i-")]
    assert sorted(bash_complete(seeded, "fuzzyaws run --targets i-")) == ec2
    assert bash_complete(seeded, "fuzzyaws tunnel ord") == ["orders-db"]
    # only those of the region already named
    assert sorted(bash_complete(seeded, "fuzzyaws --region us-east-1 connect ")) == ids
    assert bash_complete(seeded, "fuzzyaws connect --region eu-west-1 ") == []


def test_bash_completes_profiles_and_regions(seeded):
    assert bash_complete(seeded, "fuzzyaws ls --profile ") == PROFILES
    assert bash_complete(seeded, "fuzzyaws ls --region eu-west-") == ["eu-west-1", "eu-west-2", "eu-west-3"]
    assert "all" in bash_complete(seeded, "fuzzyaws refresh --region ")


def test_profiles_follow_aws_config_file_variables(seeded, tmp_path):
    config = tmp_path / "cfg"
    config.write_text("[profile only-here]\n")
    script = generate("bash")
    env = {**env_for(seeded), "AWS_CONFIG_FILE": str(config),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "missing"), "FUZZYAWS_TEST_SCRIPT": script}
    result = subprocess.run(["bash", "--norc", "-c", 'source /dev/stdin <<< "$FUZZYAWS_TEST_SCRIPT"; '
                             "__fuzzyaws_profiles"], capture_output=True, text=True, env=env)
    assert result.stdout.split() == ["only-here"] and result.stderr == ""


def interactive(seeded, tmp_path, shell: str, command: str) -> Term:
    """A terminal running `command` (an interactive `shell`, prompt `$ `) in the seeded home."""
    env = env_for(seeded)
    env.pop("TERM", None)
    env["PATH"] = os.pathsep.join([env["PATH"], os.path.dirname(shutil.which(shell))])
    term = Term(tmp_path)
    term.start(command, env, seeded[1])
    term.wait_for(lambda s: s.startswith("$"))
    return term


@pytest.mark.slow
def test_zsh_tab_completes_ids_with_descriptions_and_profiles(seeded, tmp_path):
    _, home, ids = seeded
    (tmp_path / "_fuzzyaws").write_text(generate("zsh"))
    (tmp_path / ".zshrc").write_text(
        f"PS1='$ '\nfpath=({shlex.quote(str(tmp_path))} $fpath)\n"
        "autoload -Uz compinit && compinit -u -D\nzstyle ':completion:*' list-rows-first true\n")
    term = interactive(seeded, tmp_path, "zsh", f"ZDOTDIR={shlex.quote(str(tmp_path))} exec zsh -i")
    try:
        term.type("fuzzyaws connect i-")
        term.keys("Tab")
        ec2 = [i for i in ids if i.startswith("i-")]
        screen = term.wait_for(lambda s: all(i in s for i in ec2), timeout=20)
        assert all(i in screen for i in ec2), screen
        assert re.search(r"i-[0-9a-f]+ +-- +ec2 web-\d", screen), screen  # the picker line describes it
        term.keys("C-u")
        term.type("fuzzyaws ls --profile st")
        term.keys("Tab")
        screen = term.wait_for(lambda s: "--profile staging-eu" in s, timeout=20)
        assert "--profile staging-eu" in screen, screen
        term.keys("C-u")
        term.type("fuzzyaws ls --region us-gov-w")
        term.keys("Tab")
        screen = term.wait_for(lambda s: "--region us-gov-west-1" in s, timeout=20)
        assert "--region us-gov-west-1" in screen, screen
    finally:
        term.kill()


def test_tcsh_script(seeded, tmp_path):
    """Its rules name the aliases the preamble defines, and work in a real tcsh."""
    script = generate("tcsh")
    assert "complete fuzzyaws" in script
    for completer in ("ids", "profiles", "regions"):
        assert f"alias __fuzzyaws_complete_{completer} " in script
        assert f"`__fuzzyaws_complete_{completer}`" in script
    assert shutil.which("tcsh"), "tcsh is a test dependency (.ci/run installs it)"
    path = tmp_path / "fuzzyaws.tcsh"
    path.write_text(script)
    env = env_for(seeded)
    driver = tmp_path / "driver.tcsh"  # aliases apply from the line after their definition
    driver.write_text(f"source {path}\n__fuzzyaws_complete_ids\n__fuzzyaws_complete_profiles\n"
                      "__fuzzyaws_complete_regions\n")
    result = subprocess.run(["tcsh", "-f", str(driver)], capture_output=True, text=True, env=env,
                            cwd=str(seeded[1]))
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert set(seeded[2]) <= set(words) and "staging-eu" in words and "us-east-1" in words


def fish_complete(seeded, line: str) -> list:
    """What fish offers for `line` (`complete -C`), the script loaded: [(word, description)]."""
    env = {**env_for(seeded), "FUZZYAWS_TEST_SCRIPT": generate("fish")}
    result = subprocess.run(["fish", "--no-config", "-c", 'echo "$FUZZYAWS_TEST_SCRIPT" | source; '
                             "complete -C $argv[1]", line], capture_output=True, text=True, env=env,
                            cwd=str(seeded[1]), timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return [tuple((row + "\t").split("\t")[:2]) for row in result.stdout.splitlines()]


def words(offered) -> list:
    return sorted(word for word, _ in offered)


def test_fish_completes_commands_options_and_choices(seeded):
    assert words(fish_complete(seeded, "fuzzyaws con")) == ["connect"]
    assert {"--targets", "--timeout"} <= set(words(fish_complete(seeded, "fuzzyaws run --t")))
    assert words(fish_complete(seeded, "fuzzyaws init ")) == ["bash", "fish", "zsh"]
    assert words(fish_complete(seeded, "fuzzyaws cache ")) == ["clear", "info"]
    assert words(fish_complete(seeded, "fuzzyaws pick --picker ")) == ["auto", "builtin", "fzf"]
    # the command is found past global options and their values
    assert "--json" in words(fish_complete(seeded, "fuzzyaws --region us-east-1 ls --"))


def test_fish_completes_ids_with_their_lines_profiles_and_regions(seeded):
    _, _, ids = seeded
    offered = fish_complete(seeded, "fuzzyaws connect ")
    assert words(offered) == ids
    web = [(i, d) for i, d in offered if i.startswith("i-")]
    assert web and all(d.startswith("ec2 web-") and "  " not in d for _, d in web), web
    assert words(fish_complete(seeded, "fuzzyaws tunnel ord")) == ["orders-db"]
    assert words(fish_complete(seeded, "fuzzyaws connect --region eu-west-1 ")) == []  # that region's only
    assert words(fish_complete(seeded, "fuzzyaws ls --profile ")) == sorted(PROFILES)
    assert words(fish_complete(seeded, "fuzzyaws ls --region eu-west-")) == ["eu-west-1", "eu-west-2", "eu-west-3"]


@pytest.mark.slow
def test_fish_tab_completes_a_command_and_an_id(seeded, tmp_path):
    _, home, ids = seeded
    functions = tmp_path / "completions"
    functions.mkdir()
    (functions / "fuzzyaws.fish").write_text(generate("fish"))
    rc = tmp_path / "config.fish"
    rc.write_text("set -g fish_greeting ''\nset -g fish_autosuggestion_enabled 0\n"
                  "function fish_prompt; printf '$ '; end\n"
                  f"set -p fish_complete_path {shlex.quote(str(functions))}\n")
    term = interactive(seeded, tmp_path, "fish", f"exec fish --no-config -C {shlex.quote('source ' + shlex.quote(str(rc)))}")
    try:
        term.type("fuzzyaws tun")
        term.keys("Tab")
        assert term.wait_line(lambda line: line == "fuzzyaws tunnel") == "fuzzyaws tunnel"
        term.type("ord")  # after the space the completion added
        term.keys("Tab")
        assert term.wait_line(lambda line: "orders-db" in line) == "fuzzyaws tunnel orders-db"
    finally:
        term.kill()
