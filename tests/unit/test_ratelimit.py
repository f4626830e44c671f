"""The client-side limiter, on a fake clock: no real sleeping."""

from __future__ import annotations

import threading
import time

import pytest
from pydantic import SecretStr

from hubsync.hubspot.ratelimit import HubSpotLimiter, RollingWindowLimiter
from hubsync.settings import Settings
from tests.unit.fake_clock import FakeClock


def limiter(clock: FakeClock, n: int = 3, window: float = 10.0, margin: float = 0.5):
    return RollingWindowLimiter(n, window, margin_s=margin, clock=clock, sleep=clock.sleep)


def test_grants_up_to_n_without_waiting() -> None:
    clock = FakeClock()
    rolling = limiter(clock)
    assert [rolling.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert clock.sleeps == []


def test_next_request_waits_until_the_oldest_leaves_the_window_plus_margin() -> None:
    clock = FakeClock()
    rolling = limiter(clock)
    for _ in range(3):
        rolling.acquire()
        clock.now += 1.0
    # grants at 1000, 1001, 1002; now 1003: the first leaves at 1000 + 10 + 0.5
    assert rolling.acquire() == pytest.approx(7.5)
    assert clock.now == pytest.approx(1010.5)


def test_never_more_than_n_in_any_window() -> None:
    clock = FakeClock()
    rolling = limiter(clock, n=5, window=2.0, margin=0.0)
    grants = []
    for _ in range(40):
        rolling.acquire()
        grants.append(clock.now)
        clock.now += 0.05
    for index, start in enumerate(grants):
        assert sum(1 for t in grants[index:] if t < start + 2.0) <= 5


def test_default_margin_is_a_small_fraction_of_the_window() -> None:
    rolling = RollingWindowLimiter(10, 10.0)
    assert 0 < rolling.margin_s <= 1.0


def test_rejects_nonsense_limits() -> None:
    with pytest.raises(ValueError):
        RollingWindowLimiter(0, 10.0)


def test_search_passes_both_limiters_and_other_calls_only_the_general_one() -> None:
    clock = FakeClock()
    hub = HubSpotLimiter(
        limiter(clock, n=100, window=10.0, margin=0.0),
        limiter(clock, n=2, window=1.0, margin=0.0),
        clock=clock,
        sleep=clock.sleep,
    )
    hub.acquire(search=True)
    hub.acquire(search=True)
    assert hub.acquire() == 0.0  # not a search: the search limit does not apply
    assert hub.acquire(search=True) == pytest.approx(1.0)
    assert len(hub.general._grants) == 4


def test_a_slot_is_taken_in_both_limiters_at_the_same_instant() -> None:
    clock = FakeClock()
    hub = HubSpotLimiter(
        limiter(clock, n=1, window=10.0, margin=0.0),
        limiter(clock, n=1, window=1.0, margin=0.0),
        clock=clock,
        sleep=clock.sleep,
    )
    hub.acquire(search=True)
    clock.now += 0.5
    waited = hub.acquire(search=True)
    assert waited == pytest.approx(9.5)
    assert list(hub.general._grants) == list(hub.search._grants) == [clock.now]


def test_from_settings_uses_the_configured_limits() -> None:
    settings = Settings(
        hubspot_token=SecretStr("t"), hubspot_requests_per_10s=42, hubspot_search_per_second=3
    )
    hub = HubSpotLimiter.from_settings(settings)
    assert (hub.general.max_requests, hub.general.window_s) == (42, 10.0)
    assert (hub.search.max_requests, hub.search.window_s) == (3, 1.0)


def test_thread_safe_under_real_threads() -> None:
    rolling = RollingWindowLimiter(20, 0.2, margin_s=0.0)
    grants: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            rolling.acquire()
            with lock:
                grants.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    grants.sort()
    assert len(grants) == 40
    # 40 grants at 20 per 0.2 s: the last 20 cannot start before the first window closed
    assert grants[20] - grants[0] >= 0.2 - 0.01
