"""The daemon's admin HTTP server: a small WSGI app served by waitress, which bounds request
bodies and closes idle connections, so nothing here parses HTTP by hand.

GET /healthz, /readyz, /metrics and /status are open (bind HUBSYNC_ADMIN_HOST to a private
address); POST /resync and GET /resync/{id} need `Authorization: Bearer HUBSYNC_ADMIN_TOKEN`
and do not exist (404) without one configured.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

from hubsync.daemon.metrics import CONTENT_TYPE
from hubsync.daemon.readiness import Readiness
from hubsync.daemon.service import Daemon
from hubsync.domain.resync import RequestState, ResyncRequest, ResyncScope
from hubsync.log import get_logger, mask_secrets

log = get_logger(__name__)

MAX_BODY_BYTES = 64 * 1024
IDLE_TIMEOUT_S = 30
WAIT_TIMEOUT_S = 120.0
WAIT_POLL_S = 0.5

StartResponse = Callable[..., Any]
Answer = tuple[str, bytes, str]  # status line, body, content type


def _json(status: str, body: Any) -> Answer:
    return status, json.dumps(body).encode(), "application/json"


class AdminApp:
    def __init__(self, daemon: Daemon, readiness: Readiness) -> None:
        self._daemon = daemon
        self._readiness = readiness
        token = daemon.settings.admin_token
        self._token = token.get_secret_value().encode() if token else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            status, body, content_type = self._route(environ)
        except Exception as exc:
            log.error("admin request failed", error=mask_secrets(str(exc)))
            status, body, content_type = _json("500 Internal Server Error", {"error": "internal"})
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    def _route(self, environ: dict[str, Any]) -> Answer:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if method == "GET" and path == "/healthz":
            return self._healthz()
        if method == "GET" and path == "/readyz":
            reasons = self._readiness.reasons()
            if reasons:
                return _json("503 Service Unavailable", {"ready": False, "reasons": reasons})
            return _json("200 OK", {"ready": True, "role": self._daemon.status.role})
        if method == "GET" and path == "/metrics":
            return "200 OK", self._daemon.metrics.render(), CONTENT_TYPE
        if method == "GET" and path == "/status":
            return _json("200 OK", self._daemon.status_dict())
        if path == "/resync" or path.startswith("/resync/"):
            return self._resync(environ, method, path)
        return _json("404 Not Found", {"error": f"no {method} {path}"})

    def _healthz(self) -> Answer:
        if self._daemon.scheduler.running:
            return _json("200 OK", {"alive": True})
        return _json("503 Service Unavailable", {"alive": False, "reason": "scheduler stopped"})

    # -- resync -------------------------------------------------------------------------------

    def _resync(self, environ: dict[str, Any], method: str, path: str) -> Answer:
        if self._token is None:
            return _json("404 Not Found", {"error": "resync over HTTP is disabled"})
        if not self._authorized(environ):
            log.warning("admin request refused: missing or wrong token", path=path)
            return _json("401 Unauthorized", {"error": "missing or wrong bearer token"})
        if method == "POST" and path == "/resync":
            return self._submit(environ)
        if method == "GET" and path.startswith("/resync/"):
            request = self._daemon.queue.get(path.removeprefix("/resync/"))
            if request is None:
                return _json("404 Not Found", {"error": "no such request"})
            return _json("200 OK", request.as_dict())
        return _json("405 Method Not Allowed", {"error": f"{method} {path} is not allowed"})

    def _authorized(self, environ: dict[str, Any]) -> bool:
        assert self._token is not None
        given = environ.get("HTTP_AUTHORIZATION", "").encode("latin-1", "replace")
        return hmac.compare_digest(given, b"Bearer " + self._token)

    def _submit(self, environ: dict[str, Any]) -> Answer:
        raw = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
        try:
            scope = ResyncScope.from_body(json.loads(raw) if raw.strip() else None)
        except ValueError as exc:
            return _json("400 Bad Request", {"error": f"bad request body: {exc}"})
        request_id, merged = self._daemon.queue.submit(scope)
        self._daemon.poll_requests()
        log.info("resync requested over HTTP", request_id=request_id, merged=merged)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if query.get("wait", ["false"])[0].lower() not in ("true", "1"):
            return _json("202 Accepted", {"id": request_id, "merged": merged})
        done = self._wait(request_id, WAIT_TIMEOUT_S)
        if done is None:
            return _json(
                "504 Gateway Timeout",
                {"id": request_id, "error": "not done yet: GET /resync/{id} later"},
            )
        return _json("200 OK", done.as_dict())

    def _wait(self, request_id: str, timeout_s: float) -> ResyncRequest | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            request = self._daemon.queue.get(request_id)
            if request is not None and request.state is RequestState.DONE:
                return request
            time.sleep(WAIT_POLL_S)
        return None


class AdminServer:
    """waitress in a background thread."""

    def __init__(self, daemon: Daemon) -> None:
        settings = daemon.settings
        self.readiness = Readiness(daemon)
        self._server: MultiSocketServer | BaseWSGIServer = create_server(
            AdminApp(daemon, self.readiness),
            host=settings.admin_host,
            port=settings.admin_port,
            threads=4,
            max_request_body_size=MAX_BODY_BYTES,
            channel_timeout=IDLE_TIMEOUT_S,
            ident="hubsync",
            clear_untrusted_proxy_headers=True,
        )
        self._thread = threading.Thread(target=self._server.run, name="admin-http", daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.effective_host, self._server.effective_port  # type: ignore[union-attr]
        return f"{host}:{port}"

    def start(self) -> None:
        self._thread.start()
        log.info("admin HTTP listening", address=self.address)

    def stop(self) -> None:
        self._server.close()
