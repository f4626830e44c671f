"""When and how long to retry a HubSpot request that failed for a reason that may pass.

Transient: 429 (the ten-second and the per-second search limits, not the daily one), 423
(HubSpot locks records for 2 s under heavy writes), 477 (portal migration, with Retry-After),
5xx, dropped or refused connections and timeouts. Everything else is an answer, not a
failure, and is raised at once.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import structlog
import tenacity
import urllib3.exceptions

from hubsync.hubspot.errors import HubSpotRequestError, HubSpotUnavailable
from hubsync.hubspot.ratelimit import HUBSPOT_WINDOW_S, SEARCH_WINDOW_S, Clock, Sleep
from hubsync.settings import Settings

T = TypeVar("T")

log = structlog.get_logger(__name__)

TRANSIENT_NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    urllib3.exceptions.ProtocolError,  # connection dropped mid-request or mid-response
    urllib3.exceptions.NewConnectionError,
    urllib3.exceptions.TimeoutError,  # connect and read timeouts
    urllib3.exceptions.MaxRetryError,
    ConnectionError,  # reset, refused, aborted, broken pipe
    TimeoutError,
)
TRANSIENT_STATUSES = frozenset({423, 429, 477})
DAILY_POLICY = "DAILY"
TEN_SECONDLY_POLICY = "TEN_SECONDLY_ROLLING"
LOCKED_WAIT_S = 2.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 8  # including the first
    max_total_s: float = 300.0  # give up rather than sleep past this since the first attempt
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    rolling_window_s: float = HUBSPOT_WINDOW_S
    search_window_s: float = SEARCH_WINDOW_S

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> RetryPolicy:
        policy = cls(
            attempts=settings.hubspot_retry_attempts, max_total_s=settings.hubspot_retry_max_s
        )
        return replace(policy, **overrides)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, HubSpotRequestError):
        if exc.status == 429:
            return exc.policy_name != DAILY_POLICY  # the daily limit only resets at midnight
        return exc.status in TRANSIENT_STATUSES or exc.status >= 500
    return isinstance(exc, TRANSIENT_NETWORK_ERRORS)


def backoff(policy: RetryPolicy, attempt: int, rng: random.Random) -> float:
    """Exponential backoff with jitter: half the step fixed, half random (attempt counts from 1)."""
    step = min(policy.backoff_cap_s, policy.backoff_base_s * 2.0 ** (attempt - 1))
    return step / 2 + rng.uniform(0, step / 2)


def wait_before_retry(
    exc: BaseException, attempt: int, policy: RetryPolicy, rng: random.Random
) -> float:
    """Seconds to wait after failed `attempt`: never less than HubSpot asks or its limit implies."""
    wait = backoff(policy, attempt, rng)
    if not isinstance(exc, HubSpotRequestError):
        return wait
    if exc.retry_after_s is not None:
        return max(wait, exc.retry_after_s)
    if exc.status == 423:
        return max(wait, LOCKED_WAIT_S)
    if exc.status != 429:
        return wait
    # Jitter on top of the window so that parallel callers do not return in one burst.
    spread = 1 + rng.uniform(0, 0.1)
    if exc.policy_name == TEN_SECONDLY_POLICY:
        return max(wait, policy.rolling_window_s * spread)
    return max(wait, policy.search_window_s * spread)  # the search limit names no policy


def describe_failure(exc: BaseException) -> str:
    """A short, secret-free account of a failed attempt."""
    if isinstance(exc, HubSpotRequestError):
        return exc.describe()
    return f"{type(exc).__name__}: {exc}"


class Retrier:
    """Runs a request under a RetryPolicy; counts retries per endpoint. Thread-safe."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.policy = policy
        self.retries: Counter[str] = Counter()
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._lock = threading.Lock()

    def call(self, endpoint: str, attempt: Callable[[], T]) -> T:
        """Call `attempt` until it succeeds, fails for good, or the policy runs out.

        Raises HubSpotUnavailable when a transient failure outlasts the policy; any other
        exception from `attempt` propagates unchanged on first sight.
        """
        started = self._clock()
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(is_transient),
            wait=self._wait,
            stop=lambda state: self._should_stop(state, started),
            before_sleep=lambda state: self._record_retry(endpoint, state),
            sleep=self._sleep,
        )
        try:
            return retrying(attempt)
        except tenacity.RetryError as exc:
            raise self._unavailable(endpoint, exc.last_attempt, started) from (
                exc.last_attempt.exception()
            )

    def _wait(self, state: tenacity.RetryCallState) -> float:
        return wait_before_retry(_failure(state), state.attempt_number, self.policy, self._rng)

    def _should_stop(self, state: tenacity.RetryCallState, started: float) -> bool:
        if state.attempt_number >= self.policy.attempts:
            return True
        elapsed = self._clock() - started
        return elapsed + (state.upcoming_sleep or 0.0) > self.policy.max_total_s

    def _record_retry(self, endpoint: str, state: tenacity.RetryCallState) -> None:
        exc = _failure(state)
        with self._lock:
            self.retries[endpoint] += 1
        log.warning(
            "hubspot.retry",
            endpoint=endpoint,
            status=exc.status if isinstance(exc, HubSpotRequestError) else None,
            error=describe_failure(exc),
            attempt=state.attempt_number,
            wait_s=round(state.upcoming_sleep, 3),
        )

    def _unavailable(
        self, endpoint: str, last: tenacity.Future, started: float
    ) -> HubSpotUnavailable:
        elapsed = self._clock() - started
        exc = last.exception()
        reason = describe_failure(exc) if exc is not None else "no answer"
        return HubSpotUnavailable(
            f"HubSpot {endpoint} still failing after {last.attempt_number} attempts over "
            f"{elapsed:.1f}s (policy: {self.policy.attempts} attempts, "
            f"{self.policy.max_total_s:g}s); last error: {reason}"
        )


def _failure(state: tenacity.RetryCallState) -> BaseException:
    exc = state.outcome.exception() if state.outcome is not None else None
    if exc is None:
        raise RuntimeError("tenacity asked to retry an attempt that did not fail")
    return exc
