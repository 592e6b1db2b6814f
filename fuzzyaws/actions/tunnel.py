"""Tunnels through SSM: which jump host, which ports, and waiting for the local end."""
from __future__ import annotations

import socket
import time

from fuzzyaws.status import FuzzyAwsError, NO_MATCH, UsageError

DEFAULT_PORTS = {"postgres": 5432, "aurora-postgresql": 5432, "mysql": 3306, "mariadb": 3306,
                 "aurora-mysql": 3306, "aurora": 3306, "redis": 6379, "valkey": 6379,
                 "memcached": 11211}


def ssm_reason(record: dict) -> "str | None":
    """Why SSM cannot reach an instance, or None if it can."""
    if record["kind"] != "ec2":
        return "not an EC2 instance"
    if record.get("state") != "running":
        return f"the instance is {record.get('state') or 'not running'}"
    ping = (record.get("attrs") or {}).get("ssm_ping")
    if not ping:
        return "not managed by SSM (no SSM agent registered, or no instance profile)"
    if ping != "Online":
        return f"its SSM agent is {ping}"
    return None


def remote_port(record: dict) -> "int | None":
    attrs = record.get("attrs") or {}
    port = attrs.get("port") or DEFAULT_PORTS.get(attrs.get("engine", ""))
    return int(port) if port else None


def remote_host(record: dict) -> str:
    attrs = record.get("attrs") or {}
    return attrs.get("endpoint") or record.get("address", "").rsplit(":", 1)[0]


def jumphost(target: dict, records: list, tag: str, via: "str | None" = None) -> dict:
    """The instance to tunnel through: `via` (id, name or ARN), else an SSM-reachable one
    tagged `tag` (KEY=VALUE) in the target's account and region, preferring its VPC."""
    if via:
        found = [r for r in records if via in (r["id"], r["key"], r.get("name"))]
        if not found:
            raise UsageError(f"jump host {via!r} is not in the inventory")
        reason = ssm_reason(found[0])
        if reason:
            raise FuzzyAwsError(f"jump host {found[0]['id']}: {reason}", NO_MATCH)
        return found[0]
    key, _, value = tag.partition("=")
    vpc = (target.get("attrs") or {}).get("vpc")
    hosts = [r for r in records if r["kind"] == "ec2" and r["account"] == target["account"]
             and r["region"] == target["region"] and (r.get("tags") or {}).get(key) == value
             and ssm_reason(r) is None]
    if not hosts:
        raise FuzzyAwsError(f"no SSM-reachable jump host tagged {tag} in {target['account']} "
                            f"{target['region']}: tag one, or name one with --via", NO_MATCH)
    hosts.sort(key=lambda r: ((r.get("attrs") or {}).get("vpc") != vpc, r.get("name", "")))
    return hosts[0]


def mapping(local: int, target: str, port: int, via: "dict | None" = None) -> str:
    """`localhost:M → target:N (via ID NAME)`: what a tunnel connects."""
    through = f" (via {' '.join(filter(None, (via['id'], via.get('name'))))})" if via else ""
    return f"localhost:{local} → {target}:{port}{through}"


def free_port(preferred: "int | None") -> int:
    """`preferred` if nothing listens there, else a free port the system picks."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise UsageError("no free local port")


def wait_for_port(port: int, alive, timeout: float = 20.0) -> bool:
    """Wait until something accepts on localhost:port; False if `alive()` turns false first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False
