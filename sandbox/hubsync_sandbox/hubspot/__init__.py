"""A stateful HubSpot CRM emulator served over HTTP, for tests, demos and rehearsals.

Start it with `start_sandbox()` and point hubspot-api-client at `RunningSandbox.url`:

    with start_sandbox(SandboxConfig(requests_per_10s=None)) as sandbox:
        client = hubspot.Client.create(access_token=sandbox.config.token, host=sandbox.url)

It enforces what production enforces (e-mail and unique-property conflicts, e-mails with
a top-level domain that exists, batch limits, multi-status errors on batch create and
whole-batch refusals of upserts and updates, batch results in any order, lifecycle stages
that do not move backward, search lag and paging caps, rate limits with HubSpot's 429 bodies
and sometimes Retry-After) and injects faults on demand, answers lost after the write
included. Its store plays what people do in HubSpot behind an integration's back: secondary
e-mails (`add_secondary_email`), merges (`merge`; also over the API), archive and restore,
GDPR deletes that blocklist the e-mails (`gdpr_delete`; also over the API).
"""

from __future__ import annotations

import threading
from types import TracebackType

from hubsync_sandbox.hubspot.config import SandboxConfig
from hubsync_sandbox.hubspot.exchange import Exchange
from hubsync_sandbox.hubspot.server import SandboxHTTPServer
from hubsync_sandbox.hubspot.store import SandboxStore

# How often the serving thread checks for stop(); stopping waits at most this long.
STOP_POLL_S = 0.02

__all__ = ["Exchange", "RunningSandbox", "SandboxConfig", "SandboxStore", "start_sandbox"]


class RunningSandbox:
    """A sandbox serving on `url` until `stop()` (or the end of a `with` block)."""

    def __init__(self, server: SandboxHTTPServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self.url = f"http://{server.server_name}:{server.server_port}"
        self.store: SandboxStore = server.store

    @property
    def config(self) -> SandboxConfig:
        return self._server.config

    @config.setter
    def config(self, config: SandboxConfig) -> None:
        self._server.config = config
        self.store.config = config

    def stop(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_sandbox(
    config: SandboxConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    journal: bool = False,
) -> RunningSandbox:
    """Starts a sandbox portal on host:port (port 0: any free port) in a daemon thread."""
    config = config or SandboxConfig()
    store = SandboxStore(config, journal=journal)
    server = SandboxHTTPServer((host, port), store, config)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": STOP_POLL_S},
        name="hubspot-sandbox",
        daemon=True,
    )
    thread.start()
    return RunningSandbox(server, thread)
