"""Faults the proxy injects, matched per account / region / service / operation.

    aws.faults.add("throttle", service="ec2", region="us-west-2",
                   operation="DescribeInstances", every=2)
    aws.faults.add("latency", seconds=0.5, service="rds")
    aws.faults.add("access_denied", account="222222222222", first=1)
    aws.faults.clear()

Kinds: latency, throttle, access_denied, server_error (500, or status=503),
unavailable (503), expired_token, invalid_credentials. Each error kind has its
real code/status per protocol (see errors.ERROR_KINDS); code/message/status override.

Frequency: always (default), every=N (the Nth, 2Nth, ... matching call) or
first=N (the first N matching calls, then never again).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import ERROR_KINDS
from .identify import RequestInfo

KINDS = ("latency", *ERROR_KINDS)

def _norm_op(name: str) -> str:
    return name.replace("_", "").lower()


def _matches(want, got: str | None, normalise=lambda s: s) -> bool:
    if want is None:
        return True
    if got is None:
        return False
    if isinstance(want, str):
        return normalise(want) == normalise(got)
    return normalise(got) in {normalise(w) for w in want}


@dataclass(eq=False)
class Fault:
    kind: str
    account: str | Iterable[str] | None = None
    region: str | Iterable[str] | None = None
    service: str | Iterable[str] | None = None
    operation: str | Iterable[str] | None = None  # "DescribeInstances" or "describe_instances"
    every: int | None = None
    first: int | None = None
    seconds: float = 0.0  # latency
    status: int | None = None
    code: str | None = None
    message: str | None = None
    matched: int = 0  # matching calls seen
    fired: int = 0  # calls this fault actually hit
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(KINDS)}")
        if self.every is not None and self.first is not None:
            raise ValueError("give every= or first=, not both")
        if self.every is not None and self.every < 1:
            raise ValueError("every must be >= 1")

    def matches(self, info: RequestInfo) -> bool:
        return (
            _matches(self.account, info.account)
            and _matches(self.region, info.region)
            and _matches(self.service, info.service)
            and _matches(self.operation, info.operation, _norm_op)
        )

    def hit(self) -> bool:
        """Count one matching call; True if the fault applies to it."""
        with self._lock:
            self.matched += 1
            if self.every is not None:
                fire = self.matched % self.every == 0
            elif self.first is not None:
                fire = self.matched <= self.first
            else:
                fire = True
            if fire:
                self.fired += 1
            return fire

    def error(self, info: RequestInfo) -> tuple[str, int, str]:
        """(code, status, message) of this error fault for the request's protocol."""
        kind = self.kind
        if kind == "server_error" and self.status == 503:
            kind = "unavailable"
        code, status, template = ERROR_KINDS[kind][info.protocol]
        principal = f"arn:aws:iam::{info.account}:user/fakeaws"
        action = f"{info.service}:{info.operation}"
        message = self.message or template.format(principal=principal, action=action)
        return self.code or code, self.status or status, message


class Faults:
    """The proxy's fault table. Thread-safe; tests edit it while the proxy serves."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, kind: str, **match) -> Fault:
        fault = Fault(kind, **match)
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            self._faults.remove(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __iter__(self):
        with self._lock:
            return iter(list(self._faults))

    def __len__(self) -> int:
        return len(self._faults)

    def evaluate(self, info: RequestInfo) -> tuple[float, Fault | None]:
        """Total latency to add and the first error fault that fires for this call.

        Every matching fault counts the call, even when an earlier one already fired,
        so each fault's every/first schedule depends only on the calls it matches.
        """
        delay = 0.0
        error: Fault | None = None
        for fault in self:
            if not fault.matches(info) or not fault.hit():
                continue
            if fault.kind == "latency":
                delay += fault.seconds
            elif error is None:
                error = fault
        return delay, error
