"""An expired SSO session: on a terminal, fuzzyaws offers `aws sso login --profile X` (a fake
`aws` that writes a fresh token, as the AWS CLI does) and then runs the command again; the
SSO portal's GetRoleCredentials is answered by the fake AWS. Every run is a real process:
botocore fixes the token cache's directory from HOME when it is imported."""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import shlex
import sys

import pytest

from tests.cli import CLI
from tests.tmux import Tmux

A = "111111111111"
START_URL = "https://fake-corp.awsapps.example/start"
FAKE_AWS = """#!{python}
import datetime, hashlib, json, os, sys
with open(os.environ["FAKE_AWS_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1:3] != ["sso", "login"]:
    sys.exit(2)
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)
name = hashlib.sha1(os.environ["FAKE_SSO_START_URL"].encode()).hexdigest() + ".json"
with open(os.path.join(os.environ["HOME"], ".aws", "sso", "cache", name), "w") as fh:
    json.dump({{"startUrl": os.environ["FAKE_SSO_START_URL"], "region": "us-east-1",
               "accessToken": "fresh-token", "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}}, fh)
print("Successfully logged into Start URL:", os.environ["FAKE_SSO_START_URL"])
"""


@pytest.fixture
def sso(aws, fleet, tmp_path):
    """(cli, env, log path, expire()) for a home whose profile `corp` signs in with SSO."""
    fleet.ec2(A, "us-east-1", 2, name="web-{i}")
    cli = CLI(aws, str(tmp_path), account=A)
    aws_dir = tmp_path / ".aws"
    (aws_dir / "sso" / "cache").mkdir(parents=True)
    (aws_dir / "config").write_text(
        f"[profile corp]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
        f"sso_account_id = {A}\nsso_role_name = Admin\nregion = us-east-1\nendpoint_url = {aws.endpoint}\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(FAKE_AWS.format(python=sys.executable))
    (bin_dir / "aws").chmod(0o755)
    log = tmp_path / "aws.log"
    env = {k: v for k, v in cli.env().items() if not k.startswith("AWS_") or k == "AWS_ENDPOINT_URL"}
    env.update(AWS_CONFIG_FILE=str(aws_dir / "config"), AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               AWS_EC2_METADATA_DISABLED="true", FUZZYAWS_PROFILES="corp", FUZZYAWS_KINDS="ec2",
               FUZZYAWS_REGIONS="us-east-1", FAKE_AWS_LOG=str(log), FAKE_SSO_START_URL=START_URL,
               PATH=os.pathsep.join([str(bin_dir), env["PATH"]]))

    def expire():
        gone = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
        name = hashlib.sha1(START_URL.encode()).hexdigest() + ".json"
        (aws_dir / "sso" / "cache" / name).write_text(json.dumps(
            {"startUrl": START_URL, "region": "us-east-1", "accessToken": "old-token",
             "expiresAt": gone.strftime("%Y-%m-%dT%H:%M:%SZ")}))

    expire()
    return cli, env, log, expire


def logins(log) -> list:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_without_a_terminal_it_stays_exit_3_naming_the_command(sso):
    cli, env, log, _ = sso
    result = cli.process("ls", env=env)
    assert result.returncode == 3 and result.stderr.count("\n") == 1, result.stderr
    assert "aws sso login --profile corp" in result.stderr and not logins(log)


def test_sso_login_auto_and_never(sso, tmp_path):
    cli, env, log, expire = sso
    config = tmp_path / "config.toml"
    config.write_text('sso_login = "never"\n')
    assert cli.process("ls", env={**env, "FUZZYAWS_CONFIG": str(config)}).returncode == 3
    config.write_text('sso_login = "auto"\n')
    result = cli.process("ls", env={**env, "FUZZYAWS_CONFIG": str(config)})  # no terminal, no question
    assert result.returncode == 0, result.stderr
    assert logins(log) == [["sso", "login", "--profile", "corp"]]
    assert [line.split("\t")[1] for line in result.stdout.splitlines()] == ["web-0", "web-1"]
    config.write_text('sso_login = "sometimes"\n')
    assert cli.process("ls", env={**env, "FUZZYAWS_CONFIG": str(config)}).returncode == 2


@pytest.mark.parametrize("answer", ["n", "y"])
def test_on_a_terminal_it_asks_and_yes_logs_in_and_goes_on(sso, tmp_path, answer):
    cli, env, log, _ = sso
    term = Tmux(tmp_path, width=160, height=30)
    try:
        argv = shlex.join([sys.executable, "-m", "fuzzyaws", "ls"])
        term.start(f"{argv} > out 2> err; echo $? > rc", env, cli.home)
        screen = term.wait_for(lambda s: "[y/N]" in s)
        assert ("The SSO session of profile corp has expired. "
                "Run `aws sso login --profile corp` now? [y/N]") in screen, screen
        term.type(answer)
        term.keys("Enter")
        assert term.wait_exit(30), term.screen()
    finally:
        term.kill()
    read = lambda name: (tmp_path / name).read_text()  # noqa: E731
    if answer == "n":
        assert read("rc").strip() == "3" and not logins(log) and read("out") == ""
        return
    assert read("rc").strip() == "0", read("err")
    assert logins(log) == [["sso", "login", "--profile", "corp"]]
    assert read("out").count("\n") == 2 and "Successfully logged into Start URL" in read("err")
