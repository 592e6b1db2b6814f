"""heap.Bulk: no automatic full collections while a refresh runs, one on tick() once
FULL_EVERY has passed, and the collector's settings as they were afterwards."""
from __future__ import annotations

import gc

from fuzzyaws import heap


def test_a_refresh_makes_no_automatic_full_collection_and_restores_the_settings(monkeypatch):
    generations: list = []

    def seen(phase, info):
        if phase == "start":
            generations.append(info["generation"])

    before = gc.get_threshold()
    gc.callbacks.append(seen)
    try:
        with heap.Bulk() as bulk:
            kept = [{"n": [n]} for n in range(300_000)]  # survivors, as a large shard's records
            assert 0 in generations and 2 not in generations  # young ones run, full ones do not
            bulk.tick()
            assert 2 not in generations  # FULL_EVERY has not passed
            monkeypatch.setattr(heap, "FULL_EVERY", 0.0)
            bulk.tick()
            assert 2 in generations
        assert gc.get_threshold() == before
        del kept
    finally:
        gc.callbacks.remove(seen)
