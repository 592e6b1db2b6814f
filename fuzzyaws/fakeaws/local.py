"""Operations the proxy answers itself because moto lacks them.

A handler is a function of one LocalRequest, registered under (service, operation):

    @local("ssm", "DescribeInstanceInformation")
    def describe_instance_information(req): return {...}

It returns the response body as a dict (JSON protocol; datetimes become epoch
seconds as on the wire) or raises errors.AwsError. Each FakeAWS copies HANDLERS
into its own ``local_handlers`` dict, so a test may add or replace one in place
(``FakeAWS.reset`` puts the stock handlers back).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .identify import RequestInfo

if TYPE_CHECKING:
    from .server import FakeAWS


@dataclass
class LocalRequest:
    info: RequestInfo
    params: dict[str, Any]
    aws: FakeAWS

    def ec2_backend(self):
        """moto's in-process EC2 state for the caller's account and region."""
        from moto.ec2.models import ec2_backends

        return ec2_backends[self.info.account][self.info.region]


LocalHandler = Callable[[LocalRequest], dict]

HANDLERS: dict[tuple[str, str], LocalHandler] = {}


def local(service: str, operation: str):
    def register(fn: LocalHandler) -> LocalHandler:
        HANDLERS[(service, operation)] = fn
        return fn

    return register


def _wire(value: Any):
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_response(body: dict, json_version: str = "1.1") -> tuple[int, list, bytes]:
    import uuid

    data = json.dumps(body, default=_wire).encode()
    headers = [
        ("Content-Type", f"application/x-amz-json-{json_version}"),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    return 200, headers, data
