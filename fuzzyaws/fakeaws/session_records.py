"""The record of sessions started through the proxy: every StartSession and ECS
ExecuteCommand the fake accepted (``aws.sessions``), so a test can check what the
code under test asked for.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class SessionRecord:
    """One StartSession (kind "ssm") or ECS ExecuteCommand (kind "ecs")."""

    kind: str
    time: float
    account: str
    region: str
    session_id: str
    target: str  # instance id, "ecs:..." target, or the ECS task ARN
    document: str | None = None  # ssm: the effective document name
    parameters: dict[str, list[str]] = field(default_factory=dict)  # ssm: as sent
    reason: str | None = None
    cluster: str | None = None  # ecs: cluster ARN
    container: str | None = None  # ecs: container name
    command: str | None = None  # ecs
    interactive: bool | None = None  # ecs
    terminated_at: float | None = None


class Sessions:
    """The record of sessions started through the proxy. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: list[SessionRecord] = []

    def add(self, record: SessionRecord) -> None:
        with self._lock:
            self.records.append(record)

    def get(self, session_id: str) -> SessionRecord | None:
        with self._lock:
            return next((r for r in self.records if r.session_id == session_id), None)

    def of_kind(self, kind: str) -> list[SessionRecord]:
        with self._lock:
            return [r for r in self.records if r.kind == kind]

    def active(self) -> list[SessionRecord]:
        with self._lock:
            return [r for r in self.records if r.terminated_at is None]

    def clear(self) -> None:
        with self._lock:
            self.records.clear()
