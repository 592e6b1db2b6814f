"""The demo's stand-ins for session-manager-plugin, ssh, psql, mysql, redis-cli and
valkey-cli (`fuzzyaws demo` puts them first on PATH): nothing in the demo reaches a real
host or a real AWS endpoint.

- session-manager-plugin, called exactly as the AWS CLI calls it: for a port-forwarding
  session it listens on the local port it was given and answers every connection with a
  line naming the target, until Ctrl-C; for a shell, a simulated one on the instance.
- ssh: a simulated shell on the destination, whether through SSM or `--direct`.
- the database clients: they connect to the tunnel's local port, show what answered,
  and give a simulated prompt.

The simulated shell runs nothing: it says what would run on a real host.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import sys

VERSION = "1.2.707.0"  # the plugin version it claims (one that reads the session from the env)


def main(argv=None) -> int:
    argv = list(sys.argv if argv is None else argv)
    tool, args = os.path.basename(argv[0]), argv[1:]
    if tool == "session-manager-plugin":
        return plugin(args)
    if tool == "ssh":
        return ssh(args)
    return client(tool, args)


def plugin(args: list) -> int:
    if not args:
        print("\nThe Session Manager plugin was installed successfully. Use the AWS CLI to start a session.\n")
        return 0
    if args == ["--version"]:
        print(VERSION)
        return 0
    response = os.environ.get(args[0], args[0])
    session = json.loads(response).get("SessionId") or json.loads(response).get("sessionId") or "demo"
    parameters = json.loads(args[4]) if len(args) > 4 else {}
    target = parameters.get("Target", "?")
    options = parameters.get("Parameters") or {}
    if "localPortNumber" in options:
        remote = (options.get("host") or [target])[0]
        return tunnel(int(options["localPortNumber"][0]), f"{remote}:{options['portNumber'][0]}", session)
    print(f"\nStarting session with SessionId: {session}")
    return shell(target)


def tunnel(port: int, reaches: str, session: str) -> int:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(16)
    print(f"Starting session with SessionId: {session}\nPort {server.getsockname()[1]} opened for "
          f"sessionId {session}.\nWaiting for connections...", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            conn, _ = server.accept()
            with conn:
                conn.sendall(f"fuzzyaws demo: {reaches}, through a simulated tunnel\n".encode())
    except KeyboardInterrupt:
        return 0
    finally:
        server.close()


def ssh(args: list) -> int:
    words, skip = [], False
    for word in args:  # the destination: the first word that is not an option or its value
        if skip:
            skip = False
        elif word in ("-o", "-p", "-i", "-l", "-J", "-F", "-L", "-R", "-D"):
            skip = True
        elif not word.startswith("-"):
            words.append(word)
    where = words[0] if words else "?"
    through = "through SSM" if any("ProxyCommand" in a for a in args) else "directly"
    print(f"fuzzyaws demo: a simulated ssh session to {where} ({through}); nothing leaves this machine.")
    return shell(where)


def client(tool: str, args: list) -> int:
    port = next((args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-p", "-P", "--port")), None)
    try:
        with socket.create_connection(("127.0.0.1", int(port)), timeout=5) as conn:
            answer = conn.recv(200).decode(errors="replace").strip()
    except (OSError, TypeError, ValueError) as exc:
        print(f"{tool}: could not connect to localhost:{port}: {exc}", file=sys.stderr)
        return 2
    print(f"{tool} (fuzzyaws demo): connected to localhost:{port}: {answer}")
    return shell(f"{tool}@localhost:{port}")


def shell(where: str) -> int:
    print(f"fuzzyaws demo: a simulated shell on {where}; type exit to leave.")
    while True:
        try:
            line = input(f"[{where}]$ ").strip()
        except KeyboardInterrupt:
            print()
            continue  # as a shell: Ctrl-C cancels the line, not the session
        except EOFError:
            print()
            return 0
        if line in ("exit", "logout", "quit", "\\q"):
            return 0
        if line:
            print(f"(demo) `{line}` would run on {where}; nothing runs here.")


if __name__ == "__main__":
    sys.exit(main())
