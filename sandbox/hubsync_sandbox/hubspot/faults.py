"""Rate limits (rolling ten-second window, per second, search per second, daily) and faults.

429 bodies are HubSpot's (github.com/HubSpot/hubspot-api-python/issues/117 for the ten-second
limit, the grouparoo/grouparoo fixtures for search). Retry-After is absent from every recorded
429, yet a 2026 change says HubSpot sends it in seconds (github.com/PostHog/posthog/pull/64726):
the sandbox sends it on a share of them (`retry_after_rate`).
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass

from hubsync_sandbox.hubspot.config import SandboxConfig
from hubsync_sandbox.hubspot.errors import (
    SandboxHubSpotError,
    daily_limit_reached,
    search_secondly_limit_reached,
    secondly_limit_reached,
    ten_secondly_limit_reached,
)

FAULT_STATUSES = (500, 502, 503)


@dataclass(frozen=True)
class Admission:
    rejection: SandboxHubSpotError | None  # a 429 to answer, or None when the request may run
    headers: dict[str, str]  # X-HubSpot-RateLimit-* headers for the answer


class RateLimiter:
    """Counts admitted requests; rejected ones do not count."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._window: deque[float] = deque()
        self._second: deque[float] = deque()
        self._search_second: deque[float] = deque()
        self._daily_used = 0

    @property
    def daily_used(self) -> int:
        with self._lock:
            return self._daily_used

    def admit(self, config: SandboxConfig, *, is_search: bool) -> Admission:
        now = time.monotonic()
        with self._lock:
            self._forget_old(config, now)
            rejection = self._rejection(config, is_search)
            if rejection is None:
                self._window.append(now)
                self._second.append(now)
                if is_search:
                    self._search_second.append(now)
                self._daily_used += 1
            headers = self._headers(config, now, is_search)
            if rejection is not None and self._sends_retry_after(config, rejection):
                headers["Retry-After"] = str(self._retry_after_s(config, rejection, now))
            return Admission(rejection, headers)

    def _forget_old(self, config: SandboxConfig, now: float) -> None:
        while self._window and self._window[0] <= now - config.rate_window_s:
            self._window.popleft()
        for second in (self._second, self._search_second):
            while second and second[0] <= now - 1.0:
                second.popleft()

    def _rejection(self, config: SandboxConfig, is_search: bool) -> SandboxHubSpotError | None:
        used = self._daily_used + config.daily_used_elsewhere
        if config.daily_limit is not None and used >= config.daily_limit:
            return daily_limit_reached()
        search_limit = config.search_per_second
        if is_search and search_limit is not None and len(self._search_second) >= search_limit:
            return search_secondly_limit_reached()
        per_second = config.requests_per_second
        if per_second is not None and len(self._second) >= per_second:
            return secondly_limit_reached()
        burst = config.requests_per_10s
        if burst is not None and len(self._window) >= burst:
            return ten_secondly_limit_reached()
        return None

    def _sends_retry_after(self, config: SandboxConfig, rejection: SandboxHubSpotError) -> bool:
        if rejection.extra.get("policyName") == "DAILY":
            return False
        return config.retry_after_rate > 0 and self._random.random() < config.retry_after_rate

    def _retry_after_s(
        self, config: SandboxConfig, rejection: SandboxHubSpotError, now: float
    ) -> int:
        """Whole seconds until the limit that refused admits a request again (at least 1)."""
        if rejection.extra.get("policyName") != "TEN_SECONDLY_ROLLING" or not self._window:
            return 1
        return max(1, math.ceil(self._window[0] + config.rate_window_s - now))

    def _headers(self, config: SandboxConfig, now: float, is_search: bool) -> dict[str, str]:
        headers: dict[str, str] = {}
        burst = config.requests_per_10s
        # Search answers carry only the daily headers, as HubSpot's do.
        if burst is not None and not is_search:
            secondly = config.requests_per_second or math.ceil(burst / config.rate_window_s)
            last_second = len(self._second)
            headers.update(
                {
                    "X-HubSpot-RateLimit-Interval-Milliseconds": str(
                        round(config.rate_window_s * 1000)
                    ),
                    "X-HubSpot-RateLimit-Max": str(burst),
                    "X-HubSpot-RateLimit-Remaining": str(max(0, burst - len(self._window))),
                    "X-HubSpot-RateLimit-Secondly": str(secondly),
                    "X-HubSpot-RateLimit-Secondly-Remaining": str(max(0, secondly - last_second)),
                }
            )
        if config.daily_limit is not None:
            headers["X-HubSpot-RateLimit-Daily"] = str(config.daily_limit)
            used = self._daily_used + config.daily_used_elsewhere
            remaining = max(0, config.daily_limit - used)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(remaining)
        return headers


class FaultInjector:
    """Decides whether a request fails before it does anything, or loses its answer after."""

    def __init__(self, seed: int | None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def should_drop(self, config: SandboxConfig) -> bool:
        with self._lock:
            return config.drop_rate > 0 and self._random.random() < config.drop_rate

    def fault_status(self, config: SandboxConfig) -> int | None:
        with self._lock:
            if config.fault_rate > 0 and self._random.random() < config.fault_rate:
                return self._random.choice(FAULT_STATUSES)
            return None

    def lost_answer(self, config: SandboxConfig, endpoint: str, call_number: int) -> str | None:
        """How the answer to the `call_number`th call of `endpoint` is lost, or None.

        Models a write HubSpot carried out whose answer never arrives: a 502 from its edge,
        a dropped connection or a timeout (the 5xx, resets and timeouts every HubSpot client
        retries: github.com/HubSpot/hubspot-api-python/issues/117).
        """
        with self._lock:
            targeted = call_number in config.lost_answer_calls.get(endpoint, ())
            if not targeted and not (
                config.lost_answer_rate > 0 and self._random.random() < config.lost_answer_rate
            ):
                return None
            return self._random.choice(config.lost_answer_kinds)
