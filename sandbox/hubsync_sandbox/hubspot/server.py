"""The HTTP side of the sandbox: routing, authentication, limits, faults and the journal."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import socketserver
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from hubsync_sandbox.hubspot.config import SandboxConfig
from hubsync_sandbox.hubspot.errors import (
    SandboxHubSpotError,
    injected_fault,
    new_correlation_id,
    route_not_found,
    unauthenticated,
    validation_error,
)
from hubsync_sandbox.hubspot.exchange import Exchange
from hubsync_sandbox.hubspot.faults import FaultInjector
from hubsync_sandbox.hubspot.routes import contacts, properties
from hubsync_sandbox.hubspot.routes.base import ApiRequest, ApiResponse, Route
from hubsync_sandbox.hubspot.rules.values import format_instant, now_ms
from hubsync_sandbox.hubspot.store import SandboxStore

log = logging.getLogger(__name__)

SANDBOX_PREFIX = "/_sandbox/"
SEARCH_SUFFIX = "/search"
JSON_TYPE = "application/json;charset=utf-8"
# HubSpot's API sits behind Cloudflare (its answers carry cf-ray headers: github.com/HubSpot/
# hubspot-api-nodejs/issues/545), whose 502 is an HTML page, not HubSpot's JSON error.
BAD_GATEWAY_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


def api_usage(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    """The daily usage of the portal's private apps."""
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    resets_at = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=UTC)
    usage = {
        "name": "private-apps-api-calls-daily",
        "usageLimit": store.config.daily_limit,
        "currentUsage": store.limiter.daily_used + store.config.daily_used_elsewhere,
        "collectedAt": format_instant(now_ms()),
        "fetchStatus": "SUCCESS",
        "resetsAt": format_instant(int(resets_at.timestamp() * 1000)),
    }
    return ApiResponse(200, {"results": [usage]})


def sandbox_stats(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    return ApiResponse(200, store.request_counts())


def sandbox_contacts(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    return ApiResponse(200, store.contacts())


ROUTES: tuple[Route, ...] = (
    *contacts.ROUTES,
    *properties.ROUTES,
    Route("GET", "/account-info/v3/api-usage/daily/private-apps", api_usage),
    Route("GET", "/_sandbox/stats", sandbox_stats),
    Route("GET", "/_sandbox/contacts", sandbox_contacts),
)


def match_route(method: str, path: str) -> tuple[Route | None, dict[str, str]]:
    for route in ROUTES:
        if route.method != method:
            continue
        found = route.pattern.match(path)
        if found:
            return route, {name: unquote(value) for name, value in found.groupdict().items()}
    return None, {}


class SandboxHTTPServer(ThreadingHTTPServer):
    """Serves one sandbox portal; knows its open connections so it can close them on stop."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], store: SandboxStore, config: SandboxConfig):
        self.store = store
        self.config = config
        self.faults = FaultInjector(config.seed)
        self.stopping = threading.Event()  # ends the silence of answers lost to a timeout
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, SandboxRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name, which can stall; the address is enough.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer is normal under injected faults and timeouts.
        log.debug("sandbox connection from %s failed", client_address, exc_info=True)

    def close_connections(self) -> None:
        with self.connections_lock:
            for connection in list(self.connections):
                with contextlib.suppress(OSError):  # already closed by the client
                    connection.shutdown(socket.SHUT_RDWR)


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes; without this Nagle delays keep-alive answers.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox %s", format % args)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        raw_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        route, path_params = match_route(self.command, url.path)
        store, config = self.server.store, self.server.config
        if url.path.startswith(SANDBOX_PREFIX):
            refusal = self._refusal(config)
            self._send(refusal or self._run(route, path_params, url, raw_body))
            return
        endpoint = route.endpoint if route else f"{self.command} (no such endpoint)"
        call_number = store.count_request(endpoint)
        faults = self.server.faults
        if faults.should_drop(config):
            self.close_connection = True
            return
        fault = faults.fault_status(config)
        if fault is not None:
            response = _error_response(injected_fault(fault))
        else:
            response = self._admitted(route, path_params, url, raw_body)
        lost = faults.lost_answer(config, endpoint, call_number)
        # Journaled before answering, so a caller that got the answer finds it in the journal.
        store.record_exchange(self._exchange(url, raw_body, response, lost))
        if config.latency_s > 0:
            time.sleep(config.latency_s)
        if lost is None:
            self._send(response)
        else:
            self._lose_answer(lost, config)

    def _lose_answer(self, kind: str, config: SandboxConfig) -> None:
        """The request was carried out; its answer never reaches the caller."""
        if kind == "bad-gateway":
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(BAD_GATEWAY_PAGE)))
            self.end_headers()
            self.wfile.write(BAD_GATEWAY_PAGE)
            return
        if kind == "timeout":
            self.server.stopping.wait(config.lost_answer_timeout_s)
        self.close_connection = True

    def _admitted(
        self, route: Route | None, path_params: dict[str, str], url: SplitResult, raw_body: bytes
    ) -> ApiResponse:
        config = self.server.config
        refusal = self._refusal(config)
        if refusal is not None:
            return refusal
        admission = self.server.store.limiter.admit(
            config, is_search=url.path.endswith(SEARCH_SUFFIX)
        )
        if admission.rejection is not None:
            return _error_response(admission.rejection, admission.headers)
        response = self._run(route, path_params, url, raw_body)
        return ApiResponse(
            response.status, response.body, {**admission.headers, **response.headers}
        )

    def _refusal(self, config: SandboxConfig) -> ApiResponse | None:
        """The 401 answer, or None when the bearer token is right."""
        if self.headers.get("Authorization") == f"Bearer {config.token}":
            return None
        return _error_response(unauthenticated())

    def _run(
        self, route: Route | None, path_params: dict[str, str], url: SplitResult, raw_body: bytes
    ) -> ApiResponse:
        if route is None:
            return _error_response(route_not_found(self.command, url.path))
        try:
            request = ApiRequest(
                method=self.command,
                path=url.path,
                path_params=path_params,
                query=parse_qs(url.query, keep_blank_values=True),
                body=_parse_json(raw_body),
                base_url=f"http://{self.headers.get('Host') or self.server.server_name}",
            )
            return route.handler(self.server.store, request)
        except SandboxHubSpotError as error:
            return _error_response(error)
        except Exception:
            log.exception("sandbox handler failed: %s %s", self.command, self.path)
            return _error_response(SandboxHubSpotError(500, "internal error", "INTERNAL_ERROR"))

    def _send(self, response: ApiResponse) -> None:
        payload = b"" if response.body is None else json.dumps(response.body).encode()
        self.send_response(response.status)
        if "X-HubSpot-Correlation-Id" not in response.headers:
            self.send_header("X-HubSpot-Correlation-Id", new_correlation_id())
        if response.body is not None:
            self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _exchange(
        self, url: SplitResult, raw_body: bytes, response: ApiResponse, lost: str | None
    ) -> Exchange:
        response_headers = dict(response.headers)
        if response.body is not None:
            response_headers["Content-Type"] = JSON_TYPE
        return Exchange(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers=dict(self.headers.items()),
            request_body=_json_or_none(raw_body),
            status=response.status,
            response_headers=response_headers,
            response_body=response.body,
            lost=lost,
        )


def _error_response(
    error: SandboxHubSpotError, headers: dict[str, str] | None = None
) -> ApiResponse:
    correlation_id = new_correlation_id()
    return ApiResponse(
        error.status,
        error.body(correlation_id),
        {**(headers or {}), "X-HubSpot-Correlation-Id": correlation_id},
    )


def _parse_json(raw_body: bytes) -> Any:
    if not raw_body:
        return None
    try:
        return json.loads(raw_body)
    except ValueError as error:
        raise validation_error(f"Invalid input JSON: {error}") from None


def _json_or_none(raw_body: bytes) -> Any:
    try:
        return json.loads(raw_body) if raw_body else None
    except ValueError:
        return None
