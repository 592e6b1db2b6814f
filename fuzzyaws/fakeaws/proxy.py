"""The HTTP proxy in front of moto: identify, log, inject faults, answer locally, forward.

Every request is identified (identify.py), checked against the fault table
(faults.py), answered by a local handler when moto lacks the operation (local.py,
stock_handlers.py), and otherwise relayed unchanged to moto; the response goes back
as is.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from .errors import AwsError, render_error
from .identify import RequestInfo, identify
from .local import HandlerTable, LocalHandler, LocalRequest, json_response
from .state import State

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


PING = "/fuzzyaws/ping"


@dataclass(frozen=True)
class Call:
    """One request that went through the proxy."""

    time: float  # epoch seconds when it arrived
    account: str | None
    region: str | None
    service: str | None
    operation: str | None
    status: int
    duration: float  # seconds, including injected latency
    fault: str | None = None  # kind of the injected error, if any
    local: bool = False  # answered by the proxy, not moto
    method: str = "POST"
    path: str = "/"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    state: State  # its faults apply here; handlers get all of it
    calls: list[Call]
    handlers: HandlerTable
    upstream: tuple[str, int]
    generation: int = 0  # bumped by FakeAWS.reset
    last_request: float = 0.0  # when anything last asked (the demo server ends when idle)

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out as separate writes; with Nagle on, each response
    # would wait ~40 ms for the client's delayed ACK
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        started = self.server.last_request = time.time()
        generation = self.server.generation
        body = self._read_body()
        if self.path == PING:  # "still there?": answered here, and counted as use
            return self._send(200, [("Content-Type", "text/plain")], b"pong\n")
        internal = self.path.startswith("/moto-api")
        info = identify(self.command, self.path, self.headers, body)
        fault = None
        local = False
        if not internal and info.service:
            delay, fault = self.server.state.faults.evaluate(info)
            if delay:
                time.sleep(delay)
        handler = self.server.handlers.get((info.service or "", info.operation or ""))
        if fault is not None:
            code, status, message = fault.error(info)
            response = render_error(
                info.protocol,
                code,
                message,
                status,
                service=info.service,
                json_version=info.json_version,
            )
        elif handler is not None:
            local = True
            response = self._answer_locally(handler, info, body)
        else:
            response = self._forward(body)
        # logged before answering, so a client that got its response sees its call;
        # a straggler from before a reset (say, a client that timed out on injected
        # latency) must not land in the next test's log
        if not internal and generation == self.server.generation:
            self.server.calls.append(
                Call(
                    time=started,
                    account=info.account,
                    region=info.region,
                    service=info.service,
                    operation=info.operation,
                    status=response[0],
                    duration=time.time() - started,
                    fault=fault.kind if fault is not None else None,
                    local=local,
                    method=self.command,
                    path=self.path,
                )
            )
        self._send(*response)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    def _answer_locally(self, handler: LocalHandler, info: RequestInfo, body: bytes):
        try:
            if info.protocol in ("json", "rest-json"):
                params = json.loads(body or b"{}")
            else:
                params = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            result = handler(LocalRequest(info=info, params=params, state=self.server.state))
            return json_response(result, info.json_version)
        except AwsError as err:
            code, message, status = err.code, err.message, err.status
        except Exception as exc:  # a bug in a handler: answer, don't hang the client
            code, message, status = "InternalError", f"fakeaws handler failed: {exc!r}", 500
        return render_error(
            info.protocol, code, message, status, service=info.service,
            json_version=info.json_version,
        )

    def _forward(self, body: bytes):
        host, port = self.server.upstream
        conn = http.client.HTTPConnection(host, port, timeout=120)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    conn.putheader(name, value)
            conn.putheader("Content-Length", str(len(body)))
            conn.putheader("Connection", "close")
            conn.endheaders(body)
            resp = conn.getresponse()
            payload = resp.read()
            headers = [
                (k, v)
                for k, v in resp.getheaders()
                if k.lower() not in _HOP_BY_HOP and k.lower() not in ("date", "server")
            ]
            return resp.status, headers, payload
        except OSError as exc:
            message = f"fakeaws: moto unreachable: {exc}".encode()
            return 502, [("Content-Type", "text/plain")], message
        finally:
            conn.close()

    def _send(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)


class Proxy:
    """A ThreadingHTTPServer on a free 127.0.0.1 port, serving in a daemon thread."""

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        state: State,
        calls: list[Call],
        handlers: HandlerTable,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.upstream = upstream
        self._server.state = state
        self._server.calls = calls
        self._server.handlers = handlers
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def last_request(self) -> float:
        return self._server.last_request

    def new_generation(self) -> None:
        """Calls that arrived before this are no longer logged when they finish."""
        self._server.generation += 1

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fakeaws-proxy", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
