"""The retry policy on a fake clock: what is retried, how long it waits, when it stops."""

from __future__ import annotations

import random

import pytest
import urllib3.exceptions
from pydantic import SecretStr
from structlog.testing import capture_logs

from hubsync.hubspot.errors import HubSpotAuthError, HubSpotRequestError, HubSpotUnavailable
from hubsync.hubspot.retry import (
    Retrier,
    RetryPolicy,
    backoff,
    is_transient,
    wait_before_retry,
)
from hubsync.settings import Settings
from tests.unit.fake_clock import FakeClock


def http(status: int, **fields: object) -> HubSpotRequestError:
    # The fields are HubSpotRequestError's keyword arguments, each test passing the one it needs.
    return HubSpotRequestError("contacts.search", status, **fields)  # type: ignore[arg-type]


TEN_SECONDLY = http(429, category="RATE_LIMIT", policy_name="TEN_SECONDLY_ROLLING")
SEARCH_SECONDLY = http(429, category="RATE_LIMITS", message="You have reached your secondly limit.")
DAILY = http(429, category="RATE_LIMIT", policy_name="DAILY")
POLICY = RetryPolicy(attempts=5, max_total_s=100.0, backoff_base_s=1.0, backoff_cap_s=8.0)


def retrier(clock: FakeClock, policy: RetryPolicy = POLICY) -> Retrier:
    return Retrier(policy, clock=clock, sleep=clock.sleep, rng=random.Random(7))


@pytest.mark.parametrize(
    "exc",
    [
        TEN_SECONDLY,
        SEARCH_SECONDLY,
        http(500),
        http(502),
        http(503),
        http(504),
        http(423),
        http(477, retry_after_s=30.0),
        urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104)),
        # urllib3 raises these with its pool or connection as the first argument; the retry
        # policy looks only at their type, so None stands in for it.
        urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection"),  # type: ignore[arg-type]
        urllib3.exceptions.ReadTimeoutError(None, "/crm", "Read timed out."),  # type: ignore[arg-type]
        urllib3.exceptions.MaxRetryError(None, "/crm"),  # type: ignore[arg-type]
        ConnectionResetError(104, "Connection reset by peer"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
    ],
    ids=repr,
)
def test_transient(exc: BaseException) -> None:
    assert is_transient(exc)


@pytest.mark.parametrize(
    "exc",
    [
        DAILY,
        http(400),
        http(404),
        http(409),
        HubSpotAuthError(401),
        HubSpotAuthError(403),
        ValueError("x"),
    ],
    ids=repr,
)
def test_not_transient(exc: BaseException) -> None:
    assert not is_transient(exc)


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(1)
    for attempt, step in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        for _ in range(20):
            assert step / 2 <= backoff(POLICY, attempt, rng) <= step


def test_retry_after_is_honoured() -> None:
    exc = http(429, retry_after_s=7.0, policy_name="TEN_SECONDLY_ROLLING")
    assert wait_before_retry(exc, 1, POLICY, random.Random(1)) == 7.0


def test_ten_secondly_429_without_retry_after_waits_for_the_window() -> None:
    for attempt in (1, 2):
        wait = wait_before_retry(TEN_SECONDLY, attempt, POLICY, random.Random(attempt))
        assert 10.0 <= wait <= 11.0


def test_search_429_waits_at_least_a_second() -> None:
    policy = RetryPolicy(backoff_base_s=0.0)
    assert 1.0 <= wait_before_retry(SEARCH_SECONDLY, 1, policy, random.Random(1)) <= 1.1


def test_locked_423_waits_two_seconds() -> None:
    policy = RetryPolicy(backoff_base_s=0.0)
    assert wait_before_retry(http(423), 1, policy, random.Random(1)) == 2.0


def test_recovers_after_transient_failures_and_counts_the_retries() -> None:
    clock = FakeClock(50.0)
    failures = [http(503), urllib3.exceptions.ProtocolError("Connection aborted.")]

    def attempt() -> str:
        if failures:
            raise failures.pop(0)
        return "answer"

    runner = retrier(clock)
    assert runner.call("contacts.list", attempt) == "answer"
    assert runner.retries == {"contacts.list": 2}
    assert len(clock.sleeps) == 2


def test_non_transient_errors_are_raised_at_once() -> None:
    clock = FakeClock(50.0)
    calls = []

    def attempt() -> None:
        calls.append(1)
        raise http(400, category="VALIDATION_ERROR")

    with pytest.raises(HubSpotRequestError):
        retrier(clock).call("contacts.search", attempt)
    assert len(calls) == 1 and clock.sleeps == []


def test_exhausted_attempts_raise_unavailable_saying_what_how_often_how_long() -> None:
    clock = FakeClock(50.0)

    def attempt() -> None:
        raise http(502, category="INTERNAL_ERROR", message="Bad Gateway")

    runner = retrier(clock)
    with pytest.raises(HubSpotUnavailable) as raised:
        runner.call("contacts.batch_upsert", attempt)
    message = str(raised.value)
    assert "contacts.batch_upsert" in message
    assert "5 attempts" in message
    assert f"{sum(clock.sleeps):.1f}s" in message
    assert "HTTP 502" in message
    assert runner.retries["contacts.batch_upsert"] == 4


def test_total_time_bound_stops_before_sleeping_past_it() -> None:
    clock = FakeClock(50.0)
    policy = RetryPolicy(attempts=50, max_total_s=25.0, backoff_base_s=1.0, rolling_window_s=10.0)

    def attempt() -> None:
        raise TEN_SECONDLY

    with pytest.raises(HubSpotUnavailable):
        retrier(clock, policy).call("contacts.list", attempt)
    assert sum(clock.sleeps) <= 25.0
    assert len(clock.sleeps) == 2  # two waits of 10-11 s; a third would pass 25 s


def test_each_retry_is_logged_without_secrets() -> None:
    clock = FakeClock(50.0)
    failures = [TEN_SECONDLY]

    def attempt() -> int:
        if failures:
            raise failures.pop()
        return 1

    with capture_logs() as logs:
        retrier(clock).call("contacts.search", attempt)
    assert len(logs) == 1
    event = logs[0]
    assert event["event"] == "hubspot.retry"
    assert event["endpoint"] == "contacts.search"
    assert event["status"] == 429
    assert event["attempt"] == 1
    assert event["wait_s"] >= 10.0
    assert not any("authorization" in str(value).lower() for value in event.values())


def test_policy_from_settings() -> None:
    settings = Settings(
        hubspot_token=SecretStr("t"), hubspot_retry_attempts=3, hubspot_retry_max_s=9.0
    )
    policy = RetryPolicy.from_settings(settings, backoff_base_s=0.0)
    assert (policy.attempts, policy.max_total_s, policy.backoff_base_s) == (3, 9.0, 0.0)
