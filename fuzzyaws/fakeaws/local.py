"""The contract of operations the proxy answers itself because moto lacks them.

A handler is a function of one LocalRequest. It returns the response body as a dict
(JSON protocol; datetimes become epoch seconds as on the wire) or raises
errors.AwsError. Each handler module lists its handlers in a ``HANDLERS`` table keyed
by (service, operation); stock_handlers.py merges those tables, and each FakeAWS
serves a copy of the merge as ``aws.local_handlers``, which a test may change in
place (``FakeAWS.reset`` puts the stock handlers back).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .identify import RequestInfo
from .state import State


@dataclass
class LocalRequest:
    info: RequestInfo
    params: dict[str, Any]
    state: State

    def ec2_backend(self):
        """moto's in-process EC2 state for the caller's account and region."""
        from moto.ec2.models import ec2_backends

        return ec2_backends[self.info.account][self.info.region]

    def ecs_backend(self):
        """moto's in-process ECS state for the caller's account and region."""
        from moto.ecs.models import ecs_backends

        return ecs_backends[self.info.account][self.info.region]


LocalHandler = Callable[[LocalRequest], dict]
HandlerTable = dict[tuple[str, str], LocalHandler]


def _wire(value: Any):
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_response(body: dict, json_version: str = "1.1") -> tuple[int, list, bytes]:
    data = json.dumps(body, default=_wire).encode()
    headers = [
        ("Content-Type", f"application/x-amz-json-{json_version}"),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    return 200, headers, data
