"""The shell integration (`fuzzyaws init`, shell/fuzzyaws.*) in real zsh, bash and fish.

- `init` output: every shell × bind / --no-bind / FUZZYAWS_NO_BIND / --key, loaded in the
  shell in strict mode with no rc files, prints nothing and binds what it should; the
  shells' syntax checks and shellcheck pass.
- End to end under tmux, the way fzf tests its key bindings, with both pickers, against a
  seeded cache: type, press C-g, pick, and check what the shell received.
"""
from __future__ import annotations

import fcntl
import os
import re
import shlex
import shutil
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from fuzzyaws.commands import init
from tests.cli import CLI
from tests.tmux import Tmux

SHELLS = ("zsh", "bash", "fish")
ROOT = Path(__file__).resolve().parent.parent
A = "111111111111"
# Two names with every kind of trouble for a command line; "qq" finds both and nothing else.
ODD = ["qq it's \"web\" $HOME $(touch pwned) `touch pwned` \\t ;",
       "qq [x] 서버 * !! ~ {a,b} ?"]
PLAIN = ["web-0", "web-1", "web-2"]
COUNT = len(ODD) + len(PLAIN)


# -- init output, in each shell's strict mode ---------------------------------------------

def init_code(shell, *args, env=None) -> str:
    result = subprocess.run([sys.executable, "-m", "fuzzyaws", "init", shell, *args],
                            capture_output=True, text=True, env={**os.environ, **(env or {})})
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout


def _controlling_tty(fd):
    def child():
        os.setsid()
        fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
    return child


def in_shell(shell, code, after="", env=None):
    """Load `code` into `shell` in strict mode with no rc files (bash interactive on a pty, so
    that `bind` has line editing); then run `after`. (rc, what the load printed, after's)."""
    marker = "@@after@@"
    after = f"begin\n{after}\nend 2>&1" if shell == "fish" else f"{{\n{after}\n}} 2>&1"
    body = f'eval "$FUZZYAWS_TEST_CODE"\necho {marker}\n{after}'
    argv = {"zsh": ["zsh", "--no-rcs", "-e", "-u", "-o", "pipefail", "-c", body],
            "bash": ["bash", "--norc", "--noprofile", "-i", "-euo", "pipefail", "-c", body],
            "fish": ["fish", "--no-config", "-c",
                     body.replace('eval "$FUZZYAWS_TEST_CODE"', 'echo "$FUZZYAWS_TEST_CODE" | source')]}[shell]
    full_env = {**os.environ, "FUZZYAWS_TEST_CODE": code, "HOME": os.environ.get("HOME", "/tmp"),
                **(env or {})}
    master, slave = os.openpty()
    try:
        result = subprocess.run(argv, stdin=slave, capture_output=True, text=True, env=full_env,
                                preexec_fn=_controlling_tty(slave), timeout=30)
    finally:
        os.close(master)
        os.close(slave)
    out = result.stdout + result.stderr
    before, _, rest = result.stdout.partition(marker + "\n")
    return result.returncode, before + result.stderr if marker in result.stdout else out, rest


BINDINGS = {  # what lists the bindings of key K
    "zsh": "for m in emacs viins vicmd; do bindkey -M $m {zsh}; done",
    "bash": "for m in emacs-standard vi-insert vi-command; do bind -m $m -X; done",
    "fish": "bind {fish}; bind -M insert {fish}",
}


def bindings(shell, code, key, env=None):
    after = BINDINGS[shell].format(zsh=shlex.quote(init.key_notation("zsh", key)),
                                   fish=init.quote("fish", init.key_notation("fish", key)))
    if shell == "fish":
        after += "; functions -q fuzzyaws-widget; and echo defined"
    elif shell == "zsh":
        after += "; zle -l | grep -x fuzzyaws-widget >/dev/null && echo defined"
    else:
        after += "; declare -F fuzzyaws-widget >/dev/null && echo defined"
    rc, printed, listed = in_shell(shell, code, after, env)
    assert rc == 0 and printed == "", printed
    assert "defined" in listed
    listed = listed.replace("defined", "")
    if shell == "bash":  # bind -X lists every key's
        prefix = '"' + init.key_notation("bash", key) + '":'
        listed = "\n".join(line for line in listed.splitlines() if line.startswith(prefix))
    return listed


@pytest.mark.parametrize("shell", SHELLS)
def test_init_binds_ctrl_g_quietly_in_strict_mode(shell):
    listed = bindings(shell, init_code(shell), "ctrl-g")
    widget_lines = [line for line in listed.splitlines() if "fuzzyaws-widget" in line]
    assert len(widget_lines) == {"zsh": 3, "bash": 3, "fish": 2}[shell], listed


@pytest.mark.parametrize("shell", SHELLS)
def test_init_is_silent_in_a_non_interactive_strict_shell(shell):
    loads = {"zsh": ["zsh", "--no-rcs", "-e", "-u", "-o", "pipefail", "-c", 'eval "$CODE"'],
             "bash": ["bash", "--norc", "--noprofile", "-euo", "pipefail", "-c", 'eval "$CODE"'],
             "fish": ["fish", "--no-config", "-c", 'echo "$CODE" | source']}
    for args in ((), ("--no-bind",), ("--key", "alt-x")):
        result = subprocess.run(loads[shell], env={**os.environ, "CODE": init_code(shell, *args)},
                                stdin=subprocess.DEVNULL, capture_output=True, text=True)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), args


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("how", ["--no-bind", "env", "env at load"])
def test_init_no_bind_defines_the_widget_only(shell, how):
    if how == "--no-bind":
        code, env = init_code(shell, "--no-bind"), None
    elif how == "env":
        code, env = init_code(shell, env={"FUZZYAWS_NO_BIND": "1"}), None
    else:  # the shipped script, loaded with FUZZYAWS_NO_BIND set in the shell
        code, env = init_code(shell), {"FUZZYAWS_NO_BIND": "1"}
    assert "fuzzyaws-widget" not in bindings(shell, code, "ctrl-g", env)


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("key", ["ctrl-t", "^T", "\\C-t", "alt-x"])
def test_init_key_rebinds(shell, key):
    code = init_code(shell, "--key", key)
    assert "fuzzyaws-widget" in bindings(shell, code, key)
    assert "fuzzyaws-widget" not in bindings(shell, code, "ctrl-g")


def test_key_notation():
    for key in ("ctrl-g", "C-g", "^G", "^g", "\\C-g", "\\cg", "control-g"):
        assert [init.key_notation(s, key) for s in SHELLS] == ["^G", "\\C-g", "\\cg"]
    for key in ("alt-x", "M-x", "\\ex", "\\M-x", "^[x"):
        assert [init.key_notation(s, key) for s in SHELLS] == ["^[x", "\\ex", "\\ex"]
    assert init.key_notation("zsh", "^X^A") == "^X^A"
    for bad in ("", "a b", "'", '"', "$(x)", "é"):
        with pytest.raises(init.UsageError):
            init.key_notation("bash", bad)
    result = subprocess.run([sys.executable, "-m", "fuzzyaws", "init", "zsh", "--key", "a'b"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == "" and result.stderr.count("\n") == 1


@pytest.mark.parametrize("shell", SHELLS)
def test_scripts_pass_syntax_checks(shell, tmp_path):
    variants = {"shipped": (ROOT / "shell" / f"fuzzyaws.{shell}").read_text(),
                "default": init_code(shell), "no-bind": init_code(shell, "--no-bind"),
                "key": init_code(shell, "--key", "alt-x")}
    assert variants["default"] == variants["shipped"]  # init prints the shipped file
    for name, code in variants.items():
        path = tmp_path / f"{name}.{shell}"
        path.write_text(code)
        check = {"zsh": ["zsh", "-n", str(path)], "bash": ["bash", "-n", str(path)],
                 "fish": ["fish", "--no-execute", str(path)]}[shell]
        result = subprocess.run(check, capture_output=True, text=True)
        assert result.returncode == 0 and result.stdout + result.stderr == "", (name, result.stderr)
        if shell == "bash":
            result = subprocess.run(["shellcheck", "-s", "bash", str(path)], capture_output=True, text=True)
            assert result.returncode == 0, result.stdout


def test_init_reads_the_scripts_from_the_package():
    from importlib import resources
    for shell in SHELLS:
        packaged = resources.files("fuzzyaws").joinpath("shell", f"fuzzyaws.{shell}").read_text()
        assert packaged == (ROOT / "shell" / f"fuzzyaws.{shell}").read_text()


def test_bash_widget_without_readline_line_says_what_it_needs():
    """What bash 3.2 (no READLINE_LINE for `bind -x`) gets: a message, the line untouched."""
    rc, printed, after = in_shell("bash", init_code("bash"), "fuzzyaws-widget || echo status=$?")
    assert rc == 0 and printed == ""
    assert "needs bash 4 or newer" in after and "status=2" in after


# -- end to end under tmux ----------------------------------------------------------------

class Term(Tmux):
    """Tmux, UTF-8 whatever this process's locale (-u), with shell helpers."""

    def _tmux(self, *args, check=True) -> str:
        return subprocess.run(["tmux", "-u", "-S", self.socket, *args], capture_output=True,
                              text=True, check=check).stdout

    def lines(self) -> list:
        return [line.rstrip() for line in self.screen().splitlines() if line.strip()]

    def prompt_line(self, screen=None) -> str:
        """The last line with a prompt, without the prompt."""
        lines = [line for line in (screen or self.screen()).splitlines() if PROMPT.search(line)]
        return PROMPT.sub("", lines[-1], count=1).rstrip() if lines else ""

    def wait_line(self, predicate, timeout=15.0) -> str:
        screen = self.wait_for(lambda s: predicate(self.prompt_line(s)), timeout)
        return self.prompt_line(screen)


PROMPT = re.compile(r"^(\[[INVR]\] )?\$( |$)")  # fish's vi mode shows its mode first


@pytest.fixture(scope="module")
def seeded(fake_aws, tmp_path_factory):
    """A cache holding PLAIN and ODD (EC2 names), refreshed once for the module."""
    from fuzzyaws.fakeaws import Fleet
    fake_aws.reset()
    fleet = Fleet(fake_aws)
    fleet.ec2(A, "us-east-1", len(PLAIN), name="web-{i}")
    for start, name in enumerate(ODD, 10):
        fleet.ec2(A, "us-east-1", 1, name=name.replace("{", "{{").replace("}", "}}"), start=start)
    home = tmp_path_factory.mktemp("seeded")
    cli = CLI(fake_aws, str(home), account=A)
    result = cli("refresh")
    assert result.returncode == 0, result.stderr
    return cli


def fuzzyaws_bin(tmp_path) -> str:
    """A directory with a `fuzzyaws` that runs this checkout with this Python."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "fuzzyaws"
    wrapper.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m fuzzyaws \"$@\"\n")
    wrapper.chmod(0o755)
    return str(bin_dir)


def shell_env(seeded, home, **more) -> dict:
    tools = {os.path.dirname(shutil.which(t)) for t in ("fzf", "zsh", "bash", "fish", "tmux")}
    path = os.pathsep.join([fuzzyaws_bin(home), *sorted(tools), "/usr/bin", "/bin"])
    env = seeded.env(HOME=str(home), FUZZYAWS_CACHE_DIR=str(home / "cache"), PATH=path,
                     XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
                     FUZZYAWS_TTL="86400", FZF_DEFAULT_OPTS="", LC_ALL="C.UTF-8")
    env.pop("TERM", None)  # the terminal's own
    env.update(more)
    return env


def start_shell(term, seeded, home, shell, init_args=(), vi=False, **env):
    """An interactive `shell` in the terminal, prompt `$ `, the integration loaded."""
    shutil.copytree(seeded.cache_dir, home / "cache", dirs_exist_ok=True)
    load = "eval \"$(fuzzyaws init {} {})\"".format(shell, shlex.join(init_args))
    if shell == "zsh":
        (home / ".zshrc").write_text(f"PS1='$ '\nRPS1=\n{'bindkey -v' if vi else 'bindkey -e'}\n{load}\n")
        command = f"ZDOTDIR={shlex.quote(str(home))} exec zsh -i"
    elif shell == "bash":
        (home / ".bashrc").write_text(f"PS1='$ '\n{'set -o vi' if vi else ''}\n{load}\n")
        command = f"exec bash --noprofile --rcfile {shlex.quote(str(home / '.bashrc'))} -i"
    else:
        rc = home / "config.fish"
        rc.write_text("set -g fish_greeting ''\nset -g fish_autosuggestion_enabled 0\n"
                      "function fish_prompt; printf '$ '; end\n"
                      f"{'set -g fish_key_bindings fish_vi_key_bindings' if vi else ''}\n"
                      f"fuzzyaws init fish {shlex.join(init_args)} | source\n")
        command = f"exec fish --no-config -C {shlex.quote('source ' + shlex.quote(str(rc)))}"
    term.start(command, shell_env(seeded, home, **env), home)
    screen = term.wait_for(lambda s: any(PROMPT.search(line) for line in s.splitlines()))
    assert any(PROMPT.search(line) for line in screen.splitlines()), screen


@pytest.fixture
def term(tmp_path):
    tmux = Term(tmp_path)
    yield tmux
    tmux.kill()


PICKERS = {"fzf": {"FUZZYAWS_CTRL_G_OPTS": "--picker fzf"},
           "builtin": {"FUZZYAWS_PICKER": "builtin"}}


def picker_open(count, total=COUNT):
    return lambda screen: re.search(rf"\b{count}/{total}\b", screen) is not None


def run_line(term, home, extra=" >out"):
    """Type `extra` and Enter; what the command wrote to `out`."""
    out = home / "out"
    term.type(extra)
    term.keys("Enter")
    deadline = time.monotonic() + 10
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    return out.read_text() if out.exists() else None


def pick_both_odd(term, shell):
    """In the picker, both ODD rows are shown: mark them and accept."""
    assert picker_open(2)(term.wait_for(picker_open(2))), term.screen()
    term.keys("Tab", "Tab")
    time.sleep(0.2)
    term.keys("Enter")


@pytest.mark.parametrize("query", ["word", "typed"])
@pytest.mark.parametrize("picker", PICKERS)
@pytest.mark.parametrize("shell", SHELLS)
def test_pick_inserts_values_quoted_for_the_shell(term, seeded, tmp_path, shell, picker, query):
    opts = PICKERS[picker].get("FUZZYAWS_CTRL_G_OPTS", "") + " --print name"
    start_shell(term, seeded, tmp_path, shell, **{**PICKERS[picker], "FUZZYAWS_CTRL_G_OPTS": opts})
    if query == "word":
        term.type("printf '%s\\n' qq")  # the word under the cursor is the query
        term.keys("C-g")
    else:
        term.type("printf '%s\\n' ")
        term.keys("C-g")
        term.wait_for(picker_open(COUNT))
        term.type("qq")
    pick_both_odd(term, shell)
    line = term.wait_line(lambda line: "서버" in line)
    assert line.startswith("printf '%s\\n' ") and " qq " not in line + " ", line
    printed = run_line(term, tmp_path)
    assert printed is not None, term.screen()
    assert sorted(printed.splitlines()) == sorted(ODD)
    assert not list(tmp_path.glob("pwned*"))


@pytest.mark.parametrize("picker", PICKERS)
@pytest.mark.parametrize("shell", SHELLS)
def test_escape_restores_the_line_and_cursor(term, seeded, tmp_path, shell, picker):
    start_shell(term, seeded, tmp_path, shell, **PICKERS[picker])
    term.type("echo 'a  b' qqz")
    term.keys("Left")  # the cursor on the z: the word is still "qqz"
    before = term.wait_line(lambda line: line.endswith("qqz"))
    term.keys("C-g")
    term.wait_for(picker_open(0))
    term.keys("Escape")
    term.wait_for(lambda s: not picker_open(0)(s))
    deadline = time.monotonic() + 5  # the shell redraws its line (slowly on a loaded machine)
    while True:
        time.sleep(0.3)
        lines = term.lines()
        if [PROMPT.sub("", line) for line in lines] == [before] or time.monotonic() > deadline:
            break
    assert [PROMPT.sub("", line) for line in lines] == [before], lines  # nothing over the prompt
    term.type("Y")  # typed where the cursor was
    term.keys("C-e")
    assert run_line(term, tmp_path) == "a  b qqYz\n", term.screen()


@pytest.mark.parametrize("picker", PICKERS)
@pytest.mark.parametrize("shell", SHELLS)
def test_empty_line_gives_connect_or_run(term, seeded, tmp_path, shell, picker):
    start_shell(term, seeded, tmp_path, shell, **PICKERS[picker])
    term.keys("C-g")
    term.wait_for(picker_open(COUNT))
    term.keys("Enter")
    line = term.wait_line(lambda line: line.startswith("fuzzyaws"))
    assert re.fullmatch(r"fuzzyaws connect i-[0-9a-f]+", line), line
    term.keys("C-u")
    term.wait_line(lambda line: line == "")
    term.keys("C-g")
    term.wait_for(picker_open(COUNT))
    term.keys("Tab", "Tab")
    time.sleep(0.2)
    term.keys("Enter")
    term.wait_line(lambda line: line.startswith("fuzzyaws"))
    term.type("uptime")  # the cursor is at the end, after `-- `
    line = term.wait_line(lambda line: line.endswith("uptime"))
    assert re.fullmatch(r"fuzzyaws run --targets i-[0-9a-f]+ i-[0-9a-f]+ -- uptime", line), line


@pytest.mark.parametrize("shell", SHELLS)
def test_after_a_flag_ids_go_after_it(term, seeded, tmp_path, shell):
    start_shell(term, seeded, tmp_path, shell, **PICKERS["fzf"])
    term.type("aws ec2 stop-instances --instance-ids")
    term.keys("C-g")
    term.wait_for(picker_open(COUNT))  # a flag is no query
    term.keys("Enter")
    line = term.wait_line(lambda line: "i-" in line)
    assert re.fullmatch(r"aws ec2 stop-instances --instance-ids i-[0-9a-f]+", line), line


@pytest.mark.parametrize("picker", PICKERS)
@pytest.mark.parametrize("shell", SHELLS)
def test_vi_insert_mode(term, seeded, tmp_path, shell, picker):
    opts = PICKERS[picker].get("FUZZYAWS_CTRL_G_OPTS", "") + " --print name"
    start_shell(term, seeded, tmp_path, shell, vi=True,
                **{**PICKERS[picker], "FUZZYAWS_CTRL_G_OPTS": opts})
    term.type("printf '%s\\n' qq")
    term.keys("C-g")
    pick_both_odd(term, shell)
    term.wait_line(lambda line: "서버" in line)
    printed = run_line(term, tmp_path)  # still in insert mode: typing types
    assert printed is not None and sorted(printed.splitlines()) == sorted(ODD), term.screen()


@pytest.mark.slow
@pytest.mark.parametrize("shell", SHELLS)
def test_no_bind_leaves_ctrl_g_alone_and_key_rebinds(term, seeded, tmp_path, shell):
    start_shell(term, seeded, tmp_path, shell, init_args=("--no-bind",), **PICKERS["fzf"])
    term.type("echo ok")
    term.keys("C-g")
    time.sleep(1.5)
    assert "aws>" not in term.screen()
    term.kill()
    other = tmp_path / "other"
    other.mkdir()
    term = Term(other)
    try:
        start_shell(term, seeded, other, shell, init_args=("--key", "ctrl-t"), **PICKERS["fzf"])
        term.keys("C-g")
        time.sleep(1.0)
        assert "aws>" not in term.screen()
        term.keys("C-t")
        assert "aws>" in term.wait_for(lambda s: "aws>" in s)
        term.keys("Escape")
    finally:
        term.kill()


WIDGET_STATUS = {  # run the widget so that its status shows: status=N
    "zsh": "__t() { zle fuzzyaws-widget; print -r -- status=$? >status; }; zle -N __t; bindkey '^T' __t",
    "bash": "READLINE_LINE='echo a' READLINE_POINT=6; fuzzyaws-widget; echo status=$? >status",
    "fish": "fuzzyaws-widget; echo status=$status >status",
}


@pytest.mark.parametrize("shell", SHELLS)
def test_widget_status_is_the_pickers(term, seeded, tmp_path, shell):
    start_shell(term, seeded, tmp_path, shell, **PICKERS["fzf"])
    status = tmp_path / "status"
    for key, expected in (("Escape", "status=130"), ("Enter", "status=1")):
        term.type(WIDGET_STATUS[shell])
        term.keys("Enter")
        if shell == "zsh":
            time.sleep(0.3)
            term.keys("C-t")
        term.wait_for(picker_open(r"\d+"))
        if key == "Enter":
            term.type("no-such-thing")  # nothing matches: Enter picks nothing
            term.wait_for(picker_open(0))
        term.keys(key)
        deadline = time.monotonic() + 10
        while not status.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert status.exists(), term.screen()
        assert status.read_text().strip() == expected
        status.unlink()
        term.keys("C-u")


@pytest.mark.parametrize("shell", SHELLS)
def test_a_picker_error_gets_its_own_line_and_the_prompt_comes_back(term, seeded, tmp_path, shell):
    start_shell(term, seeded, tmp_path, shell, FUZZYAWS_CTRL_G_OPTS="--picker bogus")
    term.type("echo web")
    term.wait_line(lambda line: line == "echo web")
    term.keys("C-g")
    screen = term.wait_for(lambda s: "(see fuzzyaws pick --help)" in s and s.rstrip().endswith("echo web"))
    lines = [line for line in screen.splitlines() if line.strip()]
    errors = [i for i, line in enumerate(lines) if "invalid choice: 'bogus'" in line]
    assert errors and lines[errors[0]].startswith("fuzzyaws: error: argument --picker"), screen
    assert term.prompt_line(screen) == "echo web", screen  # below the message, as it was
    term.type("X")
    assert term.wait_line(lambda line: line.endswith("X")) == "echo webX"
