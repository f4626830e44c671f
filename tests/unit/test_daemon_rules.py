"""The daemon's pure decisions: the lease's rules, coalescing, the quota guard, readiness and
resync scopes."""

from __future__ import annotations

import pytest

from hubsync.domain.halt import halted_verdict
from hubsync.domain.lease import (
    FREE,
    Holder,
    HolderKind,
    LeaseState,
    Wait,
    may_write,
    renew_every,
    when_taken,
)
from hubsync.domain.quota import quota_low
from hubsync.domain.readiness import Probe, unready_reasons
from hubsync.domain.resync import ResyncScope
from hubsync.domain.schedule import Due, PendingRuns
from hubsync.ports import LeaseLost

DAEMON = Holder("a", HolderKind.DAEMON, "host-a", 1)
ONE_OFF = Holder("b", HolderKind.SYNC, "laptop", 2)


def test_a_lease_is_held_until_its_time_is_up() -> None:
    lease = LeaseState(DAEMON, fence=3, until=100.0)
    assert lease.held_at(99.9)
    assert not lease.held_at(100.0)
    assert not FREE.held_at(0)


def test_renewal_leaves_two_missed_renewals_before_expiry() -> None:
    assert renew_every(60) == 20


def test_a_holder_cut_off_from_the_table_stops_writing_a_third_of_a_ttl_early() -> None:
    assert may_write(confirmed_until=160, now=100, ttl_s=60)
    assert may_write(confirmed_until=160, now=139.9, ttl_s=60)
    assert not may_write(confirmed_until=160, now=140, ttl_s=60)


def test_a_one_off_sync_gives_up_for_a_daemon_and_waits_for_another_sync() -> None:
    assert when_taken(LeaseState(DAEMON, 1, 10)) is Wait.GIVE_UP
    assert when_taken(LeaseState(ONE_OFF, 1, 10)) is Wait.WAIT
    assert DAEMON.describe() == "a daemon on host-a (pid 1)"
    assert ONE_OFF.describe() == "a one-off sync on laptop (pid 2)"


def test_ticks_during_a_run_are_coalesced_and_full_covers_incremental() -> None:
    pending = PendingRuns()
    assert pending.take() is None
    for _ in range(5):
        pending.mark(Due.INCREMENTAL)
    assert pending.take() is Due.INCREMENTAL
    assert pending.take() is None
    pending.mark(Due.INCREMENTAL)
    pending.mark(Due.FULL)
    pending.mark(Due.FULL)
    assert pending.take() is Due.FULL
    assert pending.take() is None


@pytest.mark.parametrize(
    ("limit", "remaining", "reserve", "low"),
    [
        (1000, 99, 0.1, True),
        (1000, 100, 0.1, False),
        (1000, 0, 0.0, False),
        (1000, 5, 1.0, True),
        (None, 0, 0.1, False),  # HubSpot sent no headers: never hold runs back
        (1000, None, 0.1, False),
    ],
)
def test_the_quota_guard(limit, remaining, reserve, low) -> None:
    assert quota_low(limit, remaining, reserve) is low


def _probe(**changes) -> Probe:
    fields = {
        "dynamo": None,
        "hubspot": None,
        "leader": True,
        "started_at": 0.0,
        "last_success_at": 900.0,
        "now": 1000.0,
        "interval_s": 60.0,
    }
    return Probe(**{**fields, **changes})


def test_readiness() -> None:
    assert unready_reasons(_probe()) == []
    assert unready_reasons(_probe(hubspot="HTTP 503")) == ["HubSpot: HTTP 503"]
    assert unready_reasons(_probe(dynamo="unreachable")) == ["DynamoDB: unreachable"]
    stale = _probe(last_success_at=819.0)
    assert unready_reasons(stale) == ["no successful run in the last 180 s"]
    assert unready_reasons(_probe(last_success_at=None, started_at=900.0)) == []
    assert unready_reasons(_probe(last_success_at=None, started_at=0.0)) != []
    # A healthy standby is ready, however long since it ran.
    assert unready_reasons(_probe(leader=False, last_success_at=None)) == []


def test_requests_with_the_same_scope_have_the_same_key() -> None:
    assert ResyncScope(channels=("2", "1", "1")).key() == ResyncScope(channels=("1", "2")).key()
    assert ResyncScope(full=True).key() != ResyncScope().key()
    assert ResyncScope(dry_run=True).key() != ResyncScope().key()


def test_a_resync_body() -> None:
    assert ResyncScope.from_body(None) == ResyncScope()
    assert ResyncScope.from_body({}) == ResyncScope()
    assert ResyncScope.from_body({"full": True, "channels": ["UCx", 12], "dry_run": True}) == (
        ResyncScope(True, ("UCx", "12"), True)
    )
    for body, problem in (
        ([], "JSON object"),
        ({"full": "yes"}, "true or false"),
        ({"channels": "UCx"}, "list"),
        ({"channels": [True]}, "list"),
        ({"fulll": True}, "unknown field 'fulll'"),
    ):
        with pytest.raises(ValueError, match=problem):
            ResyncScope.from_body(body)


def test_a_halted_run_is_failed_and_says_why() -> None:
    verdict = halted_verdict(LeaseLost("replica b took it"), written=200)
    assert not verdict.ok
    assert verdict.reason.startswith("lease-lost: replica b took it (200 writes confirmed")
