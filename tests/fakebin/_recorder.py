#!/usr/bin/env python3
"""Stand-ins for session-manager-plugin, ssh, psql, mysql, redis-cli and valkey-cli.

Each of those names in this directory is a symlink to this one script, which
tells them apart by the name it was run as. Put the directory first on PATH and
name a log file:

    PATH=tests/fakebin:$PATH FAKEBIN_LOG=/tmp/calls.jsonl fuzzyaws connect web-1

Every run appends one JSON object (one line) to $FAKEBIN_LOG, taking an exclusive
lock so parallel runs don't interleave:

    tool          the name it ran as ("session-manager-plugin", "psql", ...)
    argv          the arguments after the program name
    cwd, pid, time
    env           values of the harmless variables in ENV_VALUES that are set
    env_present   names of the variables matched by ENV_PRESENCE that are set
                  (AWS_*, PG*, MYSQL_*, REDISCLI_*, ...): presence only, no values
    secrets       for each set secret in SECRETS (PGPASSWORD, MYSQL_PWD,
                  REDISCLI_AUTH, AWS_SECRET_ACCESS_KEY, ...): {"length", "sha256"},
                  or the value itself when FAKEBIN_RECORD_SECRETS=1 (fake values only!)
    stdin         {"tty": true} or {"tty": false, "data": text, "eof": bool}: stdin
                  is read until EOF or for FAKEBIN_STDIN_TIMEOUT seconds (default 2)
    plugin / ssh / connect   what the tool-specific parsing below found
    exit          the exit status it is about to return

Then it prints $FAKEBIN_STDOUT if set and exits with $FAKEBIN_EXIT_<TOOL> (TOOL
upper-cased, "-" as "_", e.g. FAKEBIN_EXIT_REDIS_CLI), else $FAKEBIN_EXIT, else 0.
Without FAKEBIN_LOG it still behaves, and says on stderr that nothing was recorded.

session-manager-plugin
----------------------
It answers the way the real plugin (aws/session-manager-plugin,
src/sessionmanagerplugin/session/session.go, ValidateInputAndStartSession) does:

- no arguments: prints "\\nThe Session Manager plugin was installed successfully.
  Use the AWS CLI to start a session.\\n\\n", exit 0 (``aws ecs execute-command``
  runs it like this first, to check it is installed);
- ``--version`` alone: prints the version and a newline, e.g. ``1.2.707.0``
  ($FAKEBIN_PLUGIN_VERSION overrides), exit 0;
- 2 or 3 arguments otherwise: "\\nUnknown operation ARG. \\nUse
  session-manager-plugin --version to check the version.\\n\\n", exit 0;
- a session: the AWS CLI (awscli/customizations/sessionmanager.py,
  StartSessionCaller.invoke) calls, in this order::

      session-manager-plugin RESPONSE REGION StartSession PROFILE PARAMETERS ENDPOINT

  argv[1] RESPONSE    json.dumps of {"SessionId", "TokenValue", "StreamUrl"} from
                      StartSession -- or, when the plugin's ``--version`` is newer
                      than 1.2.497.0, the name of an environment variable holding
                      that JSON: "AWS_SSM_START_SESSION_RESPONSE" (the plugin reads
                      any argv[1] starting with that prefix from the environment)
  argv[2] REGION      the ssm client's region
  argv[3] OPERATION   "StartSession"
  argv[4] PROFILE     the --profile name, or "" when none was given
  argv[5] PARAMETERS  json.dumps of the StartSession request parameters
                      ({"Target": ..., "DocumentName": ..., "Parameters": {...}});
                      the plugin reads "Target" from it
  argv[6] ENDPOINT    the ssm client's endpoint URL (client.meta.endpoint_url)

  For ECS Exec (awscli/customizations/ecs/executecommand.py) RESPONSE is
  json.dumps(response["session"]) of ExecuteCommand -- keys "sessionId",
  "streamUrl", "tokenValue" -- PARAMETERS is {"Target":
  "ecs:<cluster name>_<task id>_<container runtime id>"} and ENDPOINT the *ecs*
  client's endpoint URL. (With only 3 arguments after the program name the plugin
  takes the legacy form RESPONSE REGION OPERATION.)

  The record's "plugin" holds these parsed: response (the JSON, read from the
  environment when argv[1] names a variable), response_via_env, region,
  operation, profile, parameters, target, endpoint, errors (what did not parse).
  Like the real plugin it prints "\\nStarting session with SessionId: ID\\n".

  With $FAKEBIN_HOLD (seconds, or "forever") it then stays running until that
  time passes or it gets SIGINT / SIGTERM, as a live session or tunnel does; for a
  port-forwarding session (PARAMETERS' "Parameters" has localPortNumber) it
  listens on 127.0.0.1:localPortNumber (0: a free port) meanwhile, accepting and
  closing connections, and prints "Port N opened for sessionId ID.\\nWaiting for
  connections...\\n" like the real one; the record (written before the wait, so
  a test sees it while the tunnel is up) has plugin.listening = N. If the port is
  taken it prints "Cannot perform start session: ..." and exits 0, as the real
  plugin does, with plugin.listen_error in the record.

ssh
---
The record's "ssh" holds the parsed command line: destination, user, host, port,
options (every -o Key=Value, keys lower-cased), identity_files (and "identities":
each one's mode and public half as they were), command (the words after the
destination) and proxy_command. With FAKEBIN_SSH_RUN_PROXY=1 the
ProxyCommand is run the way ssh runs it (through /bin/sh -c, %h %p %r %% expanded,
stdin closed) and its exit status and output go in "ssh"["proxy_run"].

scp
---
The record's "scp" holds its options, its -i keys (mode and public half, as for ssh)
and its paths, sources first, then the destination.

psql, mysql, redis-cli, valkey-cli
----------------------------------
The record's "connect" holds the host and port the client was pointed at
(-h/--host, -p/--port for psql and redis-cli, -P/--port for mysql, or a
postgresql:// / redis:// URI). With FAKEBIN_CONNECT=1 the fake also tries a TCP
connection there and records whether it was accepted ("ok"), to check that the
tunnel was listening before the client started.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

PLUGIN_VERSION = "1.2.707.0"
SESSION_ENV_PREFIX = "AWS_SSM_START_SESSION_RESPONSE"

ENV_VALUES = (
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "PGHOST",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGSSLMODE",
    "MYSQL_HOST",
    "MYSQL_TCP_PORT",
)
ENV_PRESENCE = ("AWS_", "PG", "MYSQL_", "REDISCLI_", "VALKEYCLI_", "SSH_", "FUZZYAWS_")
SECRETS = (
    "PGPASSWORD",
    "MYSQL_PWD",
    "REDISCLI_AUTH",
    "VALKEYCLI_AUTH",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    SESSION_ENV_PREFIX,
)

# ssh options that take an argument (OpenSSH 9)
_SSH_WITH_ARG = set("BbcDEeFIiJLlmOopQRSWw")
_SSH_OPTION = re.compile(r"^\s*([^\s=]+)\s*(?:=|\s)\s*(.*)$", re.S)


def _stdin() -> dict:
    try:
        if os.isatty(0):
            return {"tty": True}
    except OSError:
        return {"tty": False, "data": "", "eof": True}
    timeout = float(os.environ.get("FAKEBIN_STDIN_TIMEOUT", "2"))
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    eof = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([0], [], [], left)
            if not ready:
                break
            chunk = os.read(0, 65536)
            if not chunk:
                eof = True
                break
            chunks.append(chunk)
    except (OSError, ValueError):
        eof = True
    return {"tty": False, "data": b"".join(chunks).decode("utf-8", "replace"), "eof": eof}


def _environment() -> tuple[dict, list, dict]:
    env = {k: os.environ[k] for k in ENV_VALUES if k in os.environ}
    present = sorted(k for k in os.environ if k.startswith(ENV_PRESENCE))
    reveal = os.environ.get("FAKEBIN_RECORD_SECRETS") == "1"
    secrets = {}
    for name in os.environ:
        if name in SECRETS or name.startswith(SESSION_ENV_PREFIX):
            value = os.environ[name]
            secrets[name] = (
                value
                if reveal
                else {"length": len(value), "sha256": hashlib.sha256(value.encode()).hexdigest()}
            )
    return env, present, secrets


# -- session-manager-plugin -------------------------------------------------------

_OUT: list[str] = []  # written after the record, so a reader of the output finds it


def _say(text: str = "", end: str = "\n") -> None:
    _OUT.append(text + end)



def _plugin(args: list[str], record: dict) -> int | None:
    """Print what the real plugin prints; return an exit status to stop early."""
    if not args:
        _say("\nThe Session Manager plugin was installed successfully. "
              "Use the AWS CLI to start a session.\n")
        return 0
    if len(args) == 1 and args[0] == "--version":
        _say(os.environ.get("FAKEBIN_PLUGIN_VERSION", PLUGIN_VERSION))
        return 0
    if len(args) < 3:
        _say(f"\nUnknown operation {args[0]}. \nUse "
              "session-manager-plugin --version to check the version.\n")
        return 0
    info: dict = {"errors": []}
    raw = args[0]
    info["response_via_env"] = raw.startswith(SESSION_ENV_PREFIX)
    if info["response_via_env"]:
        raw = os.environ.get(args[0], "")
    try:
        info["response"] = json.loads(raw)
    except ValueError:
        info["response"] = None
        info["errors"].append("response is not JSON")
    info["region"] = args[1]
    info["operation"] = args[2]
    info["profile"] = args[3] if len(args) > 3 else None
    info["parameters"] = None
    info["target"] = None
    if len(args) > 4:
        try:
            info["parameters"] = json.loads(args[4])
            info["target"] = info["parameters"].get("Target")
        except (ValueError, AttributeError):
            info["errors"].append("parameters are not a JSON object")
    info["endpoint"] = args[5] if len(args) > 5 else None
    if len(args) not in (3, 6):
        info["errors"].append(f"expected 6 arguments (or 3, legacy), got {len(args)}")
    if info["operation"] != "StartSession":
        info["errors"].append("operation is not StartSession")
    record["plugin"] = info
    response = info["response"] if isinstance(info["response"], dict) else {}
    session_id = response.get("SessionId") or response.get("sessionId") or ""
    if info["operation"] != "StartSession":
        _say("Invalid Operation", end="")
        return 0
    _say(f"\nStarting session with SessionId: {session_id}")
    return None


def _local_port(parameters) -> int | None:
    try:
        values = parameters["Parameters"]["localPortNumber"]
        return int(values[0] if isinstance(values, list) else values)
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _open_tunnel(record: dict):
    """(listening socket or None, exit status if the session cannot start)."""
    info = record.get("plugin") or {}
    port = _local_port(info.get("parameters"))
    if port is None:
        return None, None
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        server.bind(("127.0.0.1", port))
        server.listen(16)
    except OSError as exc:
        server.close()
        _say(f"Cannot perform start session: {exc}")
        info["listen_error"] = str(exc)
        return None, 0
    port = server.getsockname()[1]
    info["listening"] = port
    session_id = (info.get("response") or {}).get("SessionId", "")
    _say(f"Port {port} opened for sessionId {session_id}.\nWaiting for connections...")
    return server, None


def _hold(server, seconds: float | None) -> None:
    """Stay up like a live session until the time passes or SIGINT / SIGTERM."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.close()

    if server is not None:
        threading.Thread(target=accept, daemon=True).start()
    stop.wait(seconds)
    if server is not None:
        server.close()


# -- ssh -----------------------------------------------------------------------------


def _identity(path: str) -> dict:
    """What an -i key file was when ssh ran: its mode and its public half (a private key's
    content is never recorded)."""
    try:
        mode = os.stat(path).st_mode & 0o777
    except OSError:
        return {"path": path, "exists": False}
    public = None
    if os.path.exists(path + ".pub"):
        with open(path + ".pub") as fh:
            public = fh.read().strip()
    return {"path": path, "exists": True, "mode": oct(mode), "public": public}


def _parse_scp(args: list[str]) -> dict:
    """scp's options (-o values, -i keys as _identity records them) and its paths."""
    valued = {"-i", "-o", "-P", "-F", "-c", "-l", "-S", "-J", "-D", "-X"}
    options, keys, paths, i = [], [], [], 0
    while i < len(args):
        word = args[i]
        if word in valued and i + 1 < len(args):
            (keys if word == "-i" else options).append(args[i + 1] if word == "-i" else f"{word} {args[i + 1]}")
            i += 2
            continue
        (options if word.startswith("-") else paths).append(word)
        i += 1
    return {"options": options, "identities": [_identity(k) for k in keys], "paths": paths}


def _parse_ssh(args: list[str]) -> dict:
    options: dict[str, str] = {}
    identity: list[str] = []
    user = port = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        flags = arg[1:]
        j = 0
        while j < len(flags):
            flag = flags[j]
            if flag in _SSH_WITH_ARG:
                value = flags[j + 1 :]
                if not value:
                    i += 1
                    value = args[i] if i < len(args) else ""
                if flag == "o":
                    match = _SSH_OPTION.match(value)
                    if match:
                        options[match.group(1).lower()] = match.group(2)
                elif flag == "l":
                    user = value
                elif flag == "p":
                    port = value
                elif flag == "i":
                    identity.append(value)
                break
            j += 1
        i += 1
    destination = args[i] if i < len(args) else None
    command = args[i + 1 :]
    host = destination
    if destination and destination.startswith("ssh://"):
        parts = urlsplit(destination)
        host, user, port = parts.hostname, parts.username or user, parts.port or port
    elif destination and "@" in destination:
        user, host = destination.rsplit("@", 1)
    user = user or options.get("user")
    port = port or options.get("port")
    return {
        "destination": destination,
        "user": user,
        "host": host,
        "port": int(port) if port and str(port).isdigit() else port,
        "options": options,
        "identity_files": identity,
        "command": command,
        "proxy_command": options.get("proxycommand"),
    }


def _run_proxy(info: dict) -> None:
    template = info.get("proxy_command")
    if not template or os.environ.get("FAKEBIN_SSH_RUN_PROXY") != "1":
        return
    values = {"h": info["host"] or "", "p": str(info["port"] or 22), "r": info["user"] or "",
              "%": "%"}
    out, i = [], 0
    while i < len(template):
        if template[i] == "%" and i + 1 < len(template) and template[i + 1] in values:
            out.append(values[template[i + 1]])
            i += 2
        else:
            out.append(template[i])
            i += 1
    command = "".join(out)
    timeout = float(os.environ.get("FAKEBIN_PROXY_TIMEOUT", "30"))
    try:
        done = subprocess.run(["/bin/sh", "-c", "exec " + command], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout)
        info["proxy_run"] = {
            "command": command,
            "exit": done.returncode,
            "stdout": done.stdout.decode("utf-8", "replace")[-4000:],
            "stderr": done.stderr.decode("utf-8", "replace")[-4000:],
        }
    except subprocess.TimeoutExpired:
        info["proxy_run"] = {"command": command, "exit": None, "timeout": True}


# -- database clients ------------------------------------------------------------------


def _parse_client(tool: str, args: list[str]) -> dict:
    port_flags = ("-P", "--port") if tool == "mysql" else ("-p", "--port")
    host = port = None
    i = 0
    while i < len(args):
        arg = args[i]
        for flag, name in (("-h", "host"), ("--host", "host"), (port_flags[0], "port"),
                           (port_flags[1], "port")):
            value = None
            if arg == flag and i + 1 < len(args):
                value = args[i + 1]
                i += 1
            elif flag.startswith("--") and arg.startswith(flag + "="):
                value = arg.split("=", 1)[1]
            elif not flag.startswith("--") and arg.startswith(flag) and len(arg) > len(flag):
                value = arg[len(flag) :]
            if value is not None:
                if name == "host":
                    host = value
                else:
                    port = value
                break
        else:
            if "://" in arg:
                parts = urlsplit(arg)
                host, port = parts.hostname or host, parts.port or port
            elif tool == "psql" and "host=" in arg:
                for word in shlex.split(arg):
                    key, _, value = word.partition("=")
                    if key == "host":
                        host = value
                    elif key == "port":
                        port = value
        i += 1
    info: dict = {"host": host, "port": int(port) if str(port or "").isdigit() else port}
    if os.environ.get("FAKEBIN_CONNECT") == "1" and host and isinstance(info["port"], int):
        try:
            with socket.create_connection((host, info["port"]), timeout=2):
                info["ok"] = True
        except OSError as exc:
            info["ok"] = False
            info["error"] = str(exc)
    return info


# -- main ----------------------------------------------------------------------------------


def _append(record: dict) -> None:
    path = os.environ.get("FAKEBIN_LOG")
    if not path:
        print(f"fakebin {record['tool']}: FAKEBIN_LOG not set, call not recorded",
              file=sys.stderr)
        return
    line = (json.dumps(record, sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
    finally:
        os.close(fd)


def _exit_status(tool: str) -> int:
    specific = "FAKEBIN_EXIT_" + tool.upper().replace("-", "_")
    value = os.environ.get(specific, os.environ.get("FAKEBIN_EXIT", "0"))
    return int(value)


def main(argv: list[str]) -> int:
    tool = os.path.basename(argv[0])
    args = argv[1:]
    env, present, secrets = _environment()
    record: dict = {
        "tool": tool,
        "argv": args,
        "cwd": os.getcwd(),
        "pid": os.getpid(),
        "time": time.time(),
        "env": env,
        "env_present": present,
        "secrets": secrets,
    }
    status: int | None = None
    server = None
    hold = None
    if tool == "session-manager-plugin":
        # the real plugin reads the terminal as the session's input: leave stdin alone
        record["stdin"] = {"tty": _isatty_safe()}
        status = _plugin(args, record)
        if status is None and os.environ.get("FAKEBIN_HOLD"):
            hold = os.environ["FAKEBIN_HOLD"]
            server, status = _open_tunnel(record)
    else:
        record["stdin"] = _stdin()
        if tool == "ssh":
            record["ssh"] = _parse_ssh(args)
            record["ssh"]["identities"] = [_identity(path) for path in record["ssh"]["identity_files"]]
            _run_proxy(record["ssh"])
        elif tool == "scp":
            record["scp"] = _parse_scp(args)
        elif tool in ("psql", "mysql", "redis-cli", "valkey-cli"):
            record["connect"] = _parse_client(tool, args)
    if status is None:
        _OUT.append(os.environ.get("FAKEBIN_STDOUT", ""))
        status = _exit_status(tool)
    record["exit"] = status
    # recorded before anything is written and before holding: whoever has read the
    # output (a live tunnel's "Waiting for connections...") finds the record
    _append(record)
    sys.stdout.write("".join(_OUT))
    sys.stdout.flush()
    if hold is not None and record.get("plugin", {}).get("listen_error") is None:
        _hold(server, None if hold == "forever" else float(hold))
    return status


def _isatty_safe() -> bool:
    try:
        return os.isatty(0)
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main(sys.argv))
