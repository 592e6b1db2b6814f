"""Tunnels through SSM: which jump host, which ports, and waiting for the local end."""
from __future__ import annotations

import socket
import time

from fuzzyaws.model import clean
from fuzzyaws.status import Failed, UsageError

DEFAULT_PORTS = {"postgres": 5432, "aurora-postgresql": 5432, "mysql": 3306, "mariadb": 3306,
                 "aurora-mysql": 3306, "aurora": 3306, "redis": 6379, "valkey": 6379,
                 "memcached": 11211}


SSM_KINDS = ("ec2", "ssm-node")  # what Session Manager and Run Command reach


def ssm_reason(resource) -> "str | None":
    """Why SSM cannot reach an instance or managed node, or None if it can."""
    if resource.kind not in SSM_KINDS:
        return "not an EC2 instance or SSM managed node"
    if resource.kind == "ec2" and resource.state != "running":
        return f"the instance is {resource.state or 'not running'}"
    if resource.ssm_unknown:
        return resource.ssm_unknown
    if not resource.ssm_ping:
        return "not managed by SSM (no SSM agent registered, or no instance profile)"
    if resource.ssm_ping != "Online":
        return f"its SSM agent is {resource.ssm_ping}"
    return None


def remote_port(resource) -> "int | None":
    return resource.port or DEFAULT_PORTS.get(resource.engine)


def relay_reason(resource) -> "str | None":
    """Why ports cannot be forwarded through `resource` (an instance, node or ECS task), or None."""
    if resource.kind == "ecs":
        return None if resource.exec_enabled else "ECS exec is not enabled for the task (enableExecuteCommand)"
    return ssm_reason(resource)


def jumphost(target, resources: list, tag: str, via: "str | None" = None):
    """What to tunnel through: `via` (id, name or ARN of an instance or ECS task), else an
    SSM-reachable instance or exec-enabled task tagged `tag` (KEY=VALUE) in the target's
    account and region, preferring instances, then its VPC."""
    if via:
        found = [r for r in resources if via in (r.id, r.key, r.name) and r.kind in (*SSM_KINDS, "ecs")]
        if not found:
            raise UsageError(f"jump host {via!r} is not in the inventory")
        reason = relay_reason(found[0])
        if reason:
            raise Failed(f"jump host {found[0].id}: {reason}")
        return found[0]
    key, _, value = tag.partition("=")
    hosts = [r for r in resources if r.kind in ("ec2", "ecs") and r.account == target.account
             and r.region == target.region and r.tags.get(key) == value and relay_reason(r) is None]
    if not hosts:
        raise Failed(f"no SSM-reachable jump host tagged {tag} in {target.account} "
                     f"{target.region}: tag one (an instance or an ECS task), or name one with --via")
    hosts.sort(key=lambda r: (r.kind != "ec2", r.vpc != target.vpc, r.name))
    return hosts[0]


def mapping(local: int, target: str, port: int, via: "dict | None" = None) -> str:
    """`localhost:M → target:N (via ID NAME)`: what a tunnel connects."""
    through = f" (via {' '.join(filter(None, (via.id, clean(via.name))))})" if via else ""
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
