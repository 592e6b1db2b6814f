"""The garbage collector during a refresh: no automatic full collections.

CPython's full collection walks every object alive, and it runs each time the objects
promoted since the last one reach a quarter of those alive. A refresh keeps many alive
(a large shard's records, botocore's service models) while it parses pages whose
ElementTree nodes and dicts live just long enough to be promoted: one full collection
every few pages. At 100,000 instances in one account that was 22 of 53 s of CPU.

While a refresh runs, young collections still reclaim the cycles that die young (a
retried call's exception and its traceback); a full one runs between shards when the last
was FULL_EVERY seconds ago, so that a long run's old garbage is still reclaimed.
"""
from __future__ import annotations

import gc
import time

FULL_EVERY = 30.0  # seconds; a full collection of a large refresh's heap takes ~0.5 s
_NEVER = 1 << 30  # young collections between two full ones


class Bulk:
    """`with Bulk() as bulk:` ... `bulk.tick()` between units of work (from one thread)."""

    def __enter__(self) -> "Bulk":
        self._before = gc.get_threshold()
        self._last = time.monotonic()
        gc.set_threshold(self._before[0], self._before[1], _NEVER)
        return self

    def tick(self) -> None:
        if time.monotonic() - self._last >= FULL_EVERY:
            gc.collect()
            self._last = time.monotonic()

    def __exit__(self, *exc) -> None:
        gc.set_threshold(*self._before)
