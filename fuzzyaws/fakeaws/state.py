"""State: what the local handlers read and record, and what tests set and inspect
through FakeAWS (``aws.faults``, ``aws.ssm``, ``aws.commands``, ``aws.sessions``,
``aws.state.hybrid``).

Handlers get this object, never the FakeAWS, so no handler module depends on the
server that serves it.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .explorer_state import ExplorerState
from .faults import Faults
from .runcommand.commands import Commands
from .session_records import Sessions
from .ssm_settings import SsmSettings


class HybridNodes:
    """Hybrid managed nodes (``mi-…``): servers outside EC2 registered with SSM, which
    moto knows nothing of. DescribeInstanceInformation lists them beside the running EC2
    instances (their ping status and agent from ``aws.ssm`` settings, like an instance's),
    and ListTagsForResource answers their tags. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._nodes: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}

    def add(
        self,
        account: str,
        region: str,
        name: str,
        *,
        ip_address: str,
        platform_type: str = "Linux",
        tags: dict[str, str] | None = None,
    ) -> str:
        """Register a node; returns its id (the same for the same account, region and name)."""
        digest = hashlib.sha256(f"{account}/{region}/{name}".encode()).hexdigest()
        node_id = f"mi-{digest[:17]}"
        node = {
            "InstanceId": node_id,
            "Name": name,
            "IPAddress": ip_address,
            "ComputerName": f"{name}.corp.example",
            "PlatformType": platform_type,
            "ActivationId": str(uuid.UUID(digest[32:])),
            "IamRole": "SSMServiceRole",
            "RegistrationDate": datetime.now(timezone.utc),
            "Tags": dict(tags or {}),
        }
        with self._lock:
            self._nodes.setdefault((account, region), {})[node_id] = node
        return node_id

    def in_region(self, account: str, region: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._nodes.get((account, region), {}).values())

    def clear(self) -> None:
        with self._lock:
            self._nodes.clear()


@dataclass
class State:
    faults: Faults = field(default_factory=Faults)
    ssm: SsmSettings = field(default_factory=SsmSettings)
    commands: Commands = field(default_factory=Commands)  # Run Command outcomes and record
    sessions: Sessions = field(default_factory=Sessions)  # StartSession / ECS ExecuteCommand
    hybrid: HybridNodes = field(default_factory=HybridNodes)  # mi- nodes, per account and region
    explorer: ExplorerState = field(default_factory=ExplorerState)  # Resource Explorer setup
    pushed_keys: list = field(default_factory=list)  # EC2 Instance Connect SendSSHPublicKey

    def clear(self) -> None:
        """Back to a fresh fake: no faults, default settings, nothing sent or started."""
        self.faults.clear()
        self.ssm.clear()
        self.commands.clear()
        self.sessions.clear()
        self.hybrid.clear()
        self.explorer.clear()
        self.pushed_keys.clear()
