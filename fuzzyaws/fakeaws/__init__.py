"""A fake AWS for tests and ``fuzzyaws demo``: a real moto server (in this process)
behind a small HTTP proxy that logs calls, injects faults and answers operations
moto lacks (ssm DescribeInstanceInformation, Run Command, StartSession, ecs
ExecuteCommand), plus a fleet builder.

Importing this package imports moto (the optional ``demo``/``test`` extra); nothing
else in fuzzyaws imports it.
"""

from .accounts import DEFAULT_ACCOUNT
from .errors import AwsError
from .faults import Fault, Faults
from .fleet import Fleet
from .local import LocalHandler, LocalRequest
from .proxy import Call
from .runcommand.commands import Commands, SentCommand
from .server import DEFAULT_REGION, FakeAWS
from .session_records import SessionRecord, Sessions
from .ssm_settings import SsmSettings
from .state import State

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "AwsError",
    "Call",
    "Commands",
    "FakeAWS",
    "Fault",
    "Faults",
    "Fleet",
    "LocalHandler",
    "LocalRequest",
    "SentCommand",
    "SessionRecord",
    "Sessions",
    "SsmSettings",
    "State",
]
