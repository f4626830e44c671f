"""A loopback HTTP receiver standing in for Slack's incoming webhook and a JSON webhook.

Test scaffolding: it records each request it answers, and can be told to answer with an
error or to hang (a sink that is down or slow)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str = ""
    status: int = 200
    answer: bytes = b"ok"  # what Slack's webhook answers on success
    hang_s: float = 0.0  # wait this long, then drop the request unrecorded
    received: list[Received] = field(default_factory=list)

    def reset(self) -> None:
        self.received.clear()
        self.status, self.hang_s = 200, 0.0


@contextmanager
def start_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if receiver.hang_s:
                time.sleep(receiver.hang_s)
                self.close_connection = True
                return
            if receiver.status == 200:
                received = Received(self.path, dict(self.headers.items()), body)
                receiver.received.append(received)
            self.send_response(receiver.status)
            self.send_header("Content-Length", str(len(receiver.answer)))
            self.end_headers()
            self.wfile.write(receiver.answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
