"""GET /readyz's probes: DynamoDB and HubSpot reachable, each answer cached a few seconds so
that probes every second neither load DynamoDB nor spend the portal's daily calls."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from hubsync.aws import dynamodb_client
from hubsync.daemon.service import Daemon
from hubsync.domain.readiness import Probe, unready_reasons
from hubsync.hubspot.gateway import HubSpotGateway
from hubsync.hubspot.retry import RetryPolicy
from hubsync.hubspot.schema import preflight
from hubsync.log import mask_secrets
from hubsync.state.store import StateStore

CACHE_S = 5.0
PROBE_TIMEOUT_S = 5.0


class Cached:
    """The last answer of `probe` (None: fine, else why not), for `ttl_s` seconds."""

    def __init__(self, probe: Callable[[], None], ttl_s: float = CACHE_S) -> None:
        self._probe = probe
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._at = -float("inf")
        self._answer: str | None = None

    def __call__(self) -> str | None:
        with self._lock:
            if time.monotonic() - self._at >= self._ttl_s:
                try:
                    self._probe()
                    self._answer = None
                except Exception as exc:
                    self._answer = " ".join(mask_secrets(str(exc)).split()) or type(exc).__name__
                self._at = time.monotonic()
            return self._answer


class Readiness:
    def __init__(self, daemon: Daemon) -> None:
        self._daemon = daemon
        settings = daemon.settings.model_copy(
            update={"hubspot_timeout_s": min(PROBE_TIMEOUT_S, daemon.settings.hubspot_timeout_s)}
        )
        # One attempt: a HubSpot that answers 5xx or not at all is unreachable now.
        self.gateway = HubSpotGateway(settings, retry_policy=RetryPolicy(attempts=1))
        key = settings.key_property
        self._hubspot = Cached(lambda: preflight(self.gateway, key))
        probe_store = StateStore(
            dynamodb_client(settings.dynamo_endpoint_url), settings.state_table
        )
        self._dynamo = Cached(lambda: probe_store.ensure_table(create=False))
        daemon.metrics.watch(self.gateway.usage, lambda: self.gateway.retries)

    def reasons(self) -> list[str]:
        daemon = self._daemon
        return unready_reasons(
            Probe(
                dynamo=self._dynamo(),
                hubspot=self._hubspot(),
                leader=daemon.keeper.held,
                started_at=daemon.status.started_at,
                last_success_at=daemon.status.last_success_at,
                now=time.time(),
                interval_s=daemon.settings.sync_interval_seconds,
            )
        )
