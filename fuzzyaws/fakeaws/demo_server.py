"""The demo's fake AWS as a background process: `python -m fuzzyaws.fakeaws.demo_server DIR`.

`fuzzyaws demo` starts it on first use (fuzzyaws/demo.py) and every later `demo` command
talks to it. It seeds the demo fleet with moto's random numbers seeded too, so that the
fleet is the same (ids, names, SSM states) every time and on every machine, writes the
AWS config the demo's profiles read and `server.json` (pid, endpoint) into DIR, and serves
until `fuzzyaws demo stop` (SIGTERM) or IDLE seconds without a request.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time

IDLE = 30 * 60.0
SEED = 0  # the demo fleet of the README and the tests
PORT = 45391  # preferred, so that the endpoint stays the same across restarts


def serve(directory: str, port: int = PORT, idle: float = IDLE) -> None:
    from moto.moto_api._internal import mock_random

    from .demo import ACCOUNT_NAMES, REGIONS
    from .fleet import Fleet
    from .server import FakeAWS

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    aws = FakeAWS(port=port if _free(port) else 0).start()
    try:
        mock_random.seed(SEED)
        Fleet(aws).demo(seed=SEED)
        profiles = {name: account for account, name in ACCOUNT_NAMES.items()}
        files = aws.write_aws_config(os.path.join(directory, "aws"), profiles)
        _settle(directory, list(profiles), list(REGIONS))
        _write(os.path.join(directory, "server.json"),
               {"pid": os.getpid(), "endpoint": aws.endpoint, "files": files, "seed": SEED})
        ready = time.time()
        while time.time() - max(aws.last_request, ready) < idle:
            time.sleep(min(5.0, idle / 10))
    finally:
        aws.stop()


STANDINS = ("session-manager-plugin", "ssh", "psql", "mysql", "redis-cli", "valkey-cli")


def _settle(directory: str, profiles: list, regions: list) -> None:
    """The demo's fuzzyaws config, and its bin/: the stand-ins (fuzzyaws/standins.py) and a
    `fuzzyaws` of this very install, for the demo shell."""
    with open(os.path.join(directory, "config.toml"), "w") as fh:
        fh.write(f"profiles = {json.dumps(profiles)}\nregions = {json.dumps(regions)}\n")
    folder = os.path.join(directory, "bin")
    os.makedirs(folder, exist_ok=True)
    scripts = {tool: f"#!{sys.executable} -I\nimport sys\nfrom fuzzyaws.standins import main\nsys.exit(main())\n"
               for tool in STANDINS}
    scripts["fuzzyaws"] = f'#!/bin/sh\nexec "{sys.executable}" -I -m fuzzyaws "$@"\n'
    for name, text in scripts.items():
        path = os.path.join(folder, name)
        with open(path, "w") as fh:
            fh.write(text)
        os.chmod(path, 0o755)


def _free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:`port` (else the fake takes any free port)."""
    import socket
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _write(path: str, data: dict) -> None:
    """Written whole or not at all: a reader never sees half of it."""
    partial = f"{path}.{os.getpid()}"
    with open(partial, "w") as fh:
        json.dump(data, fh)
    os.replace(partial, path)


if __name__ == "__main__":
    serve(sys.argv[1], idle=float(os.environ.get("FUZZYAWS_DEMO_IDLE", IDLE)))
