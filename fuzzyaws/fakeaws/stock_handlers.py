"""The operations the fake answers itself, out of the box: each handler module's
HANDLERS table, merged. Adding a handler module means adding its table here.
"""

from __future__ import annotations

from . import config_aggregator, explorer, instance_connect, instance_information, sessions, sso_portal
from .local import HandlerTable
from .runcommand import send, tracking


def stock_handlers() -> HandlerTable:
    """A fresh table (service, operation) -> handler, for one FakeAWS to own."""
    return {
        **instance_information.HANDLERS,
        **send.HANDLERS,
        **tracking.HANDLERS,
        **sessions.HANDLERS,
        **explorer.HANDLERS,
        **config_aggregator.HANDLERS,
        **sso_portal.HANDLERS,
        **instance_connect.HANDLERS,
    }
