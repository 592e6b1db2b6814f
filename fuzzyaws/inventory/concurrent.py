"""Issue a shard's independent list calls at the same time: a shard's wall time is then
its longest chain of dependent calls, not the sum of all of them."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

# Calls one shard may have in flight; refresh sets 1 when asked for a single worker, so
# that `workers = 1` means one call at a time.
limit = 8


def gather(*calls) -> list:
    """Results of calling each of `calls` (no-argument functions), run concurrently.
    The first exception raised by any of them is raised here."""
    if len(calls) <= 1 or limit <= 1:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=min(limit, len(calls))) as pool:
        futures = [pool.submit(call) for call in calls]
        return [f.result() for f in futures]
