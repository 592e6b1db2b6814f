"""State: what the local handlers read and record, and what tests set and inspect
through FakeAWS (``aws.faults``, ``aws.ssm``, ``aws.commands``, ``aws.sessions``).

Handlers get this object, never the FakeAWS, so no handler module depends on the
server that serves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .faults import Faults
from .runcommand.commands import Commands
from .session_records import Sessions
from .ssm_settings import SsmSettings


@dataclass
class State:
    faults: Faults = field(default_factory=Faults)
    ssm: SsmSettings = field(default_factory=SsmSettings)
    commands: Commands = field(default_factory=Commands)  # Run Command outcomes and record
    sessions: Sessions = field(default_factory=Sessions)  # StartSession / ECS ExecuteCommand

    def clear(self) -> None:
        """Back to a fresh fake: no faults, default settings, nothing sent or started."""
        self.faults.clear()
        self.ssm.clear()
        self.commands.clear()
        self.sessions.clear()
