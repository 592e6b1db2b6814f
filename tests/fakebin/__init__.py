"""Fake session-manager-plugin, ssh, scp, psql, mysql, redis-cli and valkey-cli that
record how they were called (see _recorder.py for the record and the knobs).

    from tests.fakebin import fakebin_env, read_log

    env = fakebin_env(tmp_path / "calls.jsonl", base=aws.env(A, region, base=os.environ))
    subprocess.run([sys.executable, "-m", "fuzzyaws", "connect", "web-1"], env=env)
    [call] = read_log(tmp_path / "calls.jsonl", tool="session-manager-plugin")
    assert call["plugin"]["target"] == instance_id
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

FAKEBIN = Path(__file__).resolve().parent
TOOLS = ("session-manager-plugin", "ssh", "scp", "psql", "mysql", "redis-cli", "valkey-cli")


def fakebin_env(
    log: str | os.PathLike,
    base: Mapping[str, str] | None = None,
    **knobs: str,
) -> dict[str, str]:
    """`base` (default os.environ) with this directory first on PATH, FAKEBIN_LOG set
    and any FAKEBIN_* knobs given as keyword arguments (hold="5" -> FAKEBIN_HOLD=5)."""
    env = dict(os.environ if base is None else base)
    path = env.get("PATH", os.defpath)
    env["PATH"] = os.pathsep.join([str(FAKEBIN), path])
    env["FAKEBIN_LOG"] = str(log)
    for name, value in knobs.items():
        env["FAKEBIN_" + name.upper()] = str(value)
    return env


def read_log(log: str | os.PathLike, tool: str | None = None) -> list[dict]:
    """The recorded calls, oldest first; only `tool`'s when given. No file: []."""
    path = Path(log)
    if not path.exists():
        return []
    calls = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [c for c in calls if tool is None or c["tool"] == tool]
