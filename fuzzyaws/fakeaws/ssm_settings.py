"""What the fake's SSM agents report, per EC2 instance: managed or not, ping status,
agent version and the like. By default every running instance is managed, Online, on
a current agent; ``aws.ssm.set(ids, managed=False)`` or ``aws.ssm.set(ids,
ping_status="ConnectionLost")`` changes that per instance.

DescribeInstanceInformation lists nodes from these settings, and SendCommand and
StartSession decide from them which instances they can reach.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

FIELDS = {
    "managed",
    "ping_status",
    "agent_version",
    "is_latest_version",
    "platform_name",
    "platform_version",
    "computer_name",
    "ip_address",
    "last_ping",
    "iam_role",
    "association_status",
}
PING_STATUSES = {"Online", "ConnectionLost", "Inactive"}
DEFAULTS: dict[str, Any] = {
    "managed": True,
    "ping_status": "Online",
    "agent_version": "3.3.1142.0",
    "is_latest_version": True,
}


class SsmSettings:
    """Per-instance SSM agent state the fake reports. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_instance: dict[str, dict[str, Any]] = {}
        self.defaults: dict[str, Any] = dict(DEFAULTS)

    def set(self, instance_ids: str | Iterable[str], **settings: Any) -> None:
        unknown = set(settings) - FIELDS
        if unknown:
            raise TypeError(f"unknown SSM settings {sorted(unknown)}; known: {sorted(FIELDS)}")
        status = settings.get("ping_status")
        if status is not None and status not in PING_STATUSES:
            raise ValueError(f"ping_status must be one of {sorted(PING_STATUSES)}")
        if isinstance(instance_ids, str):
            instance_ids = [instance_ids]
        with self._lock:
            for instance_id in instance_ids:
                self._by_instance.setdefault(instance_id, {}).update(settings)

    def get(self, instance_id: str) -> dict[str, Any]:
        with self._lock:
            return {**self.defaults, **self._by_instance.get(instance_id, {})}

    def clear(self) -> None:
        with self._lock:
            self._by_instance.clear()
            self.defaults = dict(DEFAULTS)
