"""`fuzzyaws ssh-config`: Host blocks for the cached instances, checked with the real ssh's
own reading of them (`ssh -G`), and the names it gives."""
from __future__ import annotations

import subprocess

import pytest

from fuzzyaws.commands.ssh_config import alias
from tests.cli import CLI

A = "111111111111"
EAST = "us-east-1"


@pytest.fixture
def cli(aws, tmp_path):
    return CLI(aws, str(tmp_path), account=A, extra={"FUZZYAWS_KINDS": "ec2,ssm-node"})


def resolved(config: str, host: str) -> dict:
    """What ssh makes of `host` with only this config file (`ssh -G`: nothing is contacted)."""
    done = subprocess.run(["ssh", "-G", "-F", config, host], capture_output=True, text=True, check=True)
    return dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)


def test_blocks_resolve_by_id_and_name_through_ssh_proxy(cli, fleet, tmp_path):
    [web] = fleet.ec2(A, EAST, 1, name="web-01")
    twins = fleet.ec2(A, EAST, 2, name="api", start=3)
    [odd] = fleet.ec2(A, EAST, 1, name="db *prod*\n$(touch pwned)", start=6)
    assert cli("refresh").returncode == 0
    result = cli("--region", EAST, "ssh-config")
    assert result.returncode == 0, result.stderr
    config = tmp_path / "fuzzyaws.config"
    config.write_text(result.stdout)
    for host in ("web-01", web):
        seen = resolved(str(config), host)
        assert seen["hostname"] == web and seen["user"] == "ec2-user"
        assert seen["proxycommand"] == f"fuzzyaws --region {EAST} ssh-proxy %h %p"  # %h: the HostName
    first, second = sorted(twins)
    assert resolved(str(config), "api")["hostname"] == first
    assert resolved(str(config), "api-2")["hostname"] == second
    assert resolved(str(config), "db-prod-touch-pwned")["hostname"] == odd  # only plain characters
    assert "$(" not in result.stdout and not list(tmp_path.glob("pwned*"))


def test_hybrid_nodes_get_blocks_and_an_empty_cache_is_no_match(cli, fleet, aws):
    assert cli("ssh-config", "--offline").returncode == 1
    nodes = fleet.hybrid_nodes(A, EAST, 1)
    assert cli("refresh").returncode == 0
    result = cli("ssh-config")
    assert result.returncode == 0 and f"HostName {nodes[0]}" in result.stdout


@pytest.mark.parametrize("name, expected", [("web-01", "web-01"), ("web 01", "web-01"), ("*", ""),
                                            ("  ünï  ", "n"), ("서버", ""), ("a.b_c", "a.b_c"), ("-x-", "x")])
def test_alias(name, expected):
    assert alias(name) == expected
