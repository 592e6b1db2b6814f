"""FakeAWS: a real moto server on a free 127.0.0.1 port with the fault/local proxy in front.

    with FakeAWS() as aws:
        env = aws.env("111111111111", "eu-west-1")    # for a CLI subprocess
        ec2 = aws.client("ec2", "111111111111", "eu-west-1")
        aws.faults.add("throttle", service="ec2", every=2)

moto keeps its state in module globals and the server runs in this process, so
there is one moto state per process: run one FakeAWS at a time.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .accounts import DEFAULT_ACCOUNT, register
from .faults import Faults
from .proxy import Call, Proxy
from .runcommand.commands import Commands
from .session_records import Sessions
from .ssm_settings import SsmSettings
from .state import State
from .stock_handlers import stock_handlers

DEFAULT_REGION = "us-east-1"

# moto's ECS tasks step RUNNING -> DEACTIVATING -> ... -> STOPPED one step per
# DescribeTasks; a fleet that decays while the tool reads it is no fleet.
_TRANSITIONS = {"ecs::task": {"progression": "manual", "times": 10**9}}


def _use_small_ami_catalogue() -> None:
    """Point moto at just its 44 classic default AMIs instead of those plus ~1,100
    "latest" ones per region.

    moto scans its whole AMI list, with fnmatch, for every instance it launches:
    6 ms per instance with the full catalogue, the bulk of seeding a 150-host
    fleet. MOTO_AMIS_PATH is read when moto.ec2 is imported (and checked again
    when each region's backend loads), so this runs before moto is imported; the
    file is a plain copy of moto's own list, valid for any process that inherits
    the variable.
    """
    if "MOTO_AMIS_PATH" in os.environ:
        return
    import gzip
    import importlib.util
    import json

    spec = importlib.util.find_spec("moto")
    assert spec is not None and spec.origin is not None, "moto is not installed"
    source = Path(spec.origin).parent / "ec2" / "resources" / "amis.json.gz"
    uid = getattr(os, "getuid", lambda: 0)()
    target = Path(tempfile.gettempdir()) / f"fuzzyaws-fakeaws-amis-{uid}.json"
    if not target.exists():
        with gzip.open(source, "rt", encoding="utf-8") as f:
            amis = json.load(f)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(amis))
        partial.replace(target)
    os.environ["MOTO_AMIS_PATH"] = str(target)


class FakeAWS:
    """A real moto server with a small HTTP proxy in front (see proxy.py)."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, moto_port: int = 0
    ) -> None:
        self.host = host
        self.port = port
        self.moto_port = moto_port
        self.state = State()  # what the handlers see; tests reach it through the properties
        self.calls: list[Call] = []
        self.local_handlers = stock_handlers()
        self._accounts: set[str] = set()
        self._moto = None
        self._proxy: Proxy | None = None
        self._dir: Path | None = None
        self._botocore_session = None
        self._boto3_session = None
        self._client_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> FakeAWS:
        _use_small_ami_catalogue()
        from moto.server import ThreadedMotoServer

        # werkzeug logs every request at INFO on stderr unless told otherwise
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._moto = ThreadedMotoServer(ip_address=self.host, port=self.moto_port, verbose=False)
        self._moto.start()
        self._proxy = Proxy(
            self._moto.get_host_and_port(),
            state=self.state,
            calls=self.calls,
            handlers=self.local_handlers,
            host=self.host,
            port=self.port,
        )
        self._proxy.start()
        self._dir = Path(tempfile.mkdtemp(prefix="fakeaws-"))
        self._after_reset()
        return self

    def stop(self) -> None:
        if self._proxy is not None:
            self._proxy.stop()
            self._proxy = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> FakeAWS:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what tests set and inspect (the handlers' State) -------------------------

    @property
    def faults(self) -> Faults:
        return self.state.faults

    @property
    def ssm(self) -> SsmSettings:
        return self.state.ssm

    @property
    def commands(self) -> Commands:
        """Run Command outcomes and the record of sends (runcommand/commands.py)."""
        return self.state.commands

    @property
    def sessions(self) -> Sessions:
        """The record of StartSession / ECS ExecuteCommand calls."""
        return self.state.sessions

    # -- endpoints and reset -------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """The proxy's URL: what clients use as AWS_ENDPOINT_URL."""
        assert self._proxy is not None, "call start() first"
        return self._proxy.url

    @property
    def last_request(self) -> float:
        """When a request last came in (epoch seconds; 0 if none yet)."""
        assert self._proxy is not None, "call start() first"
        return self._proxy.last_request

    @property
    def moto_endpoint(self) -> str:
        """moto itself, bypassing faults and the call log (used for seeding)."""
        assert self._moto is not None, "call start() first"
        host, port = self._moto.get_host_and_port()
        return f"http://{host}:{port}"

    def reset(self) -> None:
        """Empty moto, clear faults, call log, SSM settings, commands and sessions, and
        put back the stock local handlers; keys stay valid."""
        assert self._proxy is not None, "call start() first"
        self._proxy.new_generation()
        req = urllib.request.Request(self.moto_endpoint + "/moto-api/reset", method="POST")
        with urllib.request.urlopen(req, timeout=60):
            pass
        self.state.clear()
        self.calls.clear()
        # in place: the proxy holds this very dict
        self.local_handlers.clear()
        self.local_handlers.update(stock_handlers())
        self._after_reset()

    def _after_reset(self) -> None:
        from moto.moto_api import state_manager

        for model, transition in _TRANSITIONS.items():
            state_manager.set_transition(model_name=model, transition=transition)
        for account in self._accounts | {DEFAULT_ACCOUNT}:
            register(account)

    # -- credentials and clients ------------------------------------------------

    def credentials(self, account: str = DEFAULT_ACCOUNT) -> dict[str, str]:
        """{"aws_access_key_id", "aws_secret_access_key"} that moto attributes to account."""
        keys = register(account)
        self._accounts.add(account)
        return dict(keys)

    def session(self, account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION):
        """A boto3 Session with the account's fake keys (clients still need endpoint_url)."""
        import boto3

        return boto3.Session(
            region_name=region, botocore_session=self._botocore(), **self.credentials(account)
        )

    def client(
        self,
        service: str,
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        *,
        direct: bool = False,
        config: Any = None,
    ):
        """A boto3 client through the proxy (or straight to moto with direct=True)."""
        endpoint = self.moto_endpoint if direct else self.endpoint
        keys = self.credentials(account)
        with self._client_lock:  # creating clients from one session is not thread-safe
            return self._boto3().client(
                service, region_name=region, endpoint_url=endpoint, config=config, **keys
            )

    def _botocore(self):
        """One botocore session for every client: loading service models per client
        costs ~20 ms of JSON each. It reads no ~/.aws files."""
        if self._botocore_session is None:
            import botocore.session

            # no profile at all, whatever AWS_PROFILE says: the keys come per client
            session = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
            session.set_config_variable("config_file", os.devnull)
            session.set_config_variable("credentials_file", os.devnull)
            self._botocore_session = session
        return self._botocore_session

    def _boto3(self):
        if self._boto3_session is None:
            import boto3

            self._boto3_session = boto3.Session(botocore_session=self._botocore())
        return self._boto3_session

    # -- environment for subprocesses -------------------------------------------

    def env(
        self,
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        base: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """Env vars that point an AWS SDK/CLI subprocess at the proxy as `account`.

        With `base` (e.g. os.environ), returns base minus every AWS_* variable plus
        these, ready to pass as a subprocess's whole environment.
        """
        assert self._dir is not None, "call start() first"
        keys = self.credentials(account)
        files = self.write_aws_config(self._dir / f"env-{account}", {"default": account}, region)
        env = {
            **files,
            "AWS_ACCESS_KEY_ID": keys["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": keys["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
        }
        if base is None:
            return env
        return {**{k: v for k, v in base.items() if not k.startswith("AWS_")}, **env}

    def write_aws_config(
        self,
        path_dir: str | os.PathLike,
        profiles: Mapping[str, str | Mapping[str, str]],
        region: str = DEFAULT_REGION,
    ) -> dict[str, str]:
        """Write config + credentials files defining named profiles; return env vars.

        profiles maps a profile name to an account id (static fake keys of that
        account), or to a dict with any of: account, region, role_arn,
        source_profile, role_session_name (an assume-role profile when role_arn is
        given). The returned env sets AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE,
        AWS_ENDPOINT_URL and AWS_EC2_METADATA_DISABLED.
        """
        path = Path(path_dir)
        path.mkdir(parents=True, exist_ok=True)
        config_lines: list[str] = []
        cred_lines: list[str] = []
        for name, spec in profiles.items():
            spec = {"account": spec} if isinstance(spec, str) else dict(spec)
            header = "[default]" if name == "default" else f"[profile {name}]"
            config_lines += [header, f"region = {spec.get('region', region)}"]
            config_lines.append(f"endpoint_url = {self.endpoint}")
            if spec.get("role_arn"):
                config_lines.append(f"role_arn = {spec['role_arn']}")
                config_lines.append(f"source_profile = {spec.get('source_profile', 'default')}")
                if spec.get("role_session_name"):
                    config_lines.append(f"role_session_name = {spec['role_session_name']}")
            if spec.get("account"):
                keys = self.credentials(spec["account"])
                cred_lines += [
                    f"[{name}]",
                    f"aws_access_key_id = {keys['aws_access_key_id']}",
                    f"aws_secret_access_key = {keys['aws_secret_access_key']}",
                    "",
                ]
            config_lines.append("")
        config_file = path / "config"
        cred_file = path / "credentials"
        config_file.write_text("\n".join(config_lines))
        cred_file.write_text("\n".join(cred_lines))
        return {
            "AWS_CONFIG_FILE": str(config_file),
            "AWS_SHARED_CREDENTIALS_FILE": str(cred_file),
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
