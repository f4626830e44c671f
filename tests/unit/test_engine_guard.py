"""The write guard: asked before every batch; a refusal ends the run before the next one."""

from __future__ import annotations

from pydantic import SecretStr

from hubsync.app import build_engine
from hubsync.engine import RunOptions
from hubsync.ports import LeaseLost, ShuttingDown, WriteHalted
from hubsync.settings import Settings
from tests.unit.factories import channel_item as item
from tests.unit.fakes import (
    FakeBudgetRecords,
    FakeChannelTable,
    FakePortal,
    FakeStateStore,
    RecordedAlerts,
)


class GuardAfter:
    """Allows `allowed` batches, then raises `halt`."""

    def __init__(self, allowed: int, halt: WriteHalted) -> None:
        self.allowed = allowed
        self.halt = halt
        self.checks = 0

    def check(self) -> None:
        self.checks += 1
        if self.checks > self.allowed:
            raise self.halt


class Progress:
    def __init__(self) -> None:
        self.seen: list[tuple[int, int]] = []

    def advance(self, sent: int, planned: int) -> None:
        self.seen.append((sent, planned))


def _run(guard: GuardAfter, progress: Progress | None = None, channels: int = 250):
    table = FakeChannelTable(*(item(100 + n) for n in range(channels)))
    portal, state = FakePortal(), FakeStateStore()
    engine = build_engine(
        Settings(hubspot_token=SecretStr("t")),
        channels=table,
        hubspot=portal,
        state=state,
        budget_records=FakeBudgetRecords(),
        budget_alerts=RecordedAlerts(),
        guard=guard,
        progress=progress,
    )
    return engine.run(RunOptions(), "run1"), portal, state


def test_the_guard_is_asked_before_every_batch_and_progress_told_after_each() -> None:
    guard, progress = GuardAfter(10, LeaseLost("never")), Progress()

    result, _, _ = _run(guard, progress)

    assert result.verdict.ok and result.created == 250
    assert guard.checks == 3
    assert progress.seen == [(100, 250), (200, 250), (250, 250)]


def test_a_lost_lease_stops_the_run_before_its_next_batch() -> None:
    result, portal, state = _run(GuardAfter(1, LeaseLost("replica b holds the lease")))

    assert result.created == 100
    assert len(portal.contacts) == 100
    assert len(state.links) == 100  # what HubSpot confirmed is remembered
    assert result.not_attempted == 150
    assert result.stopped_on == "lease-lost"
    assert not result.verdict.ok
    assert result.verdict.reason.startswith("lease-lost: replica b holds the lease")


def test_shutting_down_before_the_first_batch_writes_nothing() -> None:
    result, portal, _ = _run(GuardAfter(0, ShuttingDown("SIGTERM")))

    assert (result.created, len(portal.contacts), result.not_attempted) == (0, 0, 250)
    assert result.stopped_on == "stopped" and not result.verdict.ok
