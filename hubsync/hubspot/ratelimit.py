"""Client-side rate limiting, so hubsync stays under HubSpot's limits instead of bouncing off them.

HubSpot counts requests per app in a rolling 10-second window and searches per second per
account. Each limiter remembers when it granted its last N slots and blocks a caller until
the oldest grant has left the window (plus a margin). A sync never searches: the search
limiter is kept for the marketing-contact budget, whose count is a search.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import ExitStack

from hubsync.settings import Settings

Clock = Callable[[], float]
Sleep = Callable[[float], None]

HUBSPOT_WINDOW_S = 10.0
SEARCH_WINDOW_S = 1.0
# The server measures its window from when it receives each request, so a request that
# travelled faster than the one it replaces in the window, or a server clock that runs a
# little fast, would see N+1 requests in W seconds. A fraction of the window covers both.
DEFAULT_MARGIN_FRACTION = 0.05


class RollingWindowLimiter:
    """At most `max_requests` grants in any `window_s` seconds; thread-safe."""

    def __init__(
        self,
        max_requests: int,
        window_s: float,
        *,
        margin_s: float | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if max_requests < 1 or window_s <= 0:
            raise ValueError("a limiter needs max_requests >= 1 and window_s > 0")
        self.max_requests = max_requests
        self.window_s = window_s
        self.margin_s = window_s * DEFAULT_MARGIN_FRACTION if margin_s is None else margin_s
        self._grants: deque[float] = deque()
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def acquire(self) -> float:
        """Block until a slot is free, take it, and return how long the caller waited."""
        return acquire_all((self,), self._clock, self._sleep)

    def _wait_time(self, now: float) -> float:
        span = self.window_s + self.margin_s
        while self._grants and now - self._grants[0] >= span:
            self._grants.popleft()
        if len(self._grants) < self.max_requests:
            return 0.0
        return self._grants[0] + span - now

    def _grant(self, now: float) -> None:
        self._grants.append(now)


def acquire_all(limiters: tuple[RollingWindowLimiter, ...], clock: Clock, sleep: Sleep) -> float:
    """Take one slot in every limiter at the same instant, waiting until all have one free.

    Taking them together matters: a slot taken early in one limiter while waiting for another
    would be recorded earlier than the request is actually sent.
    """
    waited = 0.0
    while True:
        with ExitStack() as locks:
            for limiter in limiters:  # always in the caller's fixed order: no lock-order deadlock
                locks.enter_context(limiter._lock)
            now = clock()
            wait = max(limiter._wait_time(now) for limiter in limiters)
            if wait <= 0:
                for limiter in limiters:
                    limiter._grant(now)
                return waited
        sleep(wait)
        waited += wait


class HubSpotLimiter:
    """The general request limiter, plus the search limiter that searches also pass."""

    def __init__(
        self,
        general: RollingWindowLimiter,
        search: RollingWindowLimiter,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.general = general
        self.search = search
        self._clock = clock
        self._sleep = sleep

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        window_s: float = HUBSPOT_WINDOW_S,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> HubSpotLimiter:
        general = RollingWindowLimiter(
            settings.hubspot_requests_per_10s, window_s, clock=clock, sleep=sleep
        )
        search = RollingWindowLimiter(
            settings.hubspot_search_per_second, SEARCH_WINDOW_S, clock=clock, sleep=sleep
        )
        return cls(general, search, clock=clock, sleep=sleep)

    def acquire(self, *, search: bool = False) -> float:
        """Block until the request may be sent; returns the seconds waited."""
        limiters = (self.general, self.search) if search else (self.general,)
        return acquire_all(limiters, self._clock, self._sleep)
