"""LeaseKeeper on an in-memory lease table and a clock the test moves."""

from __future__ import annotations

import pytest

from hubsync.daemon.lease import LeaseKeeper, this_process
from hubsync.daemon.oneoff import LeaseBusy, wait_for_lease
from hubsync.daemon.shutdown import Shutdown
from hubsync.domain.lease import FREE, Holder, HolderKind, LeaseState
from hubsync.ports import LeaseLost, ShuttingDown


class MemoryLeaseTable:
    """The conditional writes of state/lease.py, in memory; `down` makes every call fail."""

    def __init__(self) -> None:
        self.state = FREE
        self.down = False

    def _reachable(self) -> None:
        if self.down:
            raise ConnectionError("DynamoDB unreachable")

    def read(self) -> LeaseState:
        self._reachable()
        return self.state

    def acquire(self, holder: Holder, ttl_s: float, now: float) -> int | None:
        self._reachable()
        if self.state.holder is not None and self.state.until > now:
            return None
        self.state = LeaseState(holder, self.state.fence + 1, now + ttl_s)
        return self.state.fence

    def renew(self, holder: Holder, fence: int, ttl_s: float, now: float) -> bool:
        self._reachable()
        if self.state.holder != holder or self.state.fence != fence:
            return False
        self.state = LeaseState(holder, fence, now + ttl_s)
        return True

    def release(self, holder: Holder, fence: int) -> bool:
        self._reachable()
        if self.state.holder != holder or self.state.fence != fence:
            return False
        self.state = LeaseState(None, fence, 0.0)
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _keeper(table: MemoryLeaseTable, clock: Clock, kind=HolderKind.DAEMON) -> LeaseKeeper:
    return LeaseKeeper(table, this_process(kind), ttl_s=30, clock=clock)  # type: ignore[arg-type]


def test_one_holder_at_a_time_and_a_standby_takes_an_expired_lease_with_a_new_fence() -> None:
    table, clock = MemoryLeaseTable(), Clock()
    leader, standby = _keeper(table, clock), _keeper(table, clock)

    assert leader.try_acquire() and not standby.try_acquire()
    clock.now += 29.9
    assert not standby.try_acquire()
    clock.now += 0.1  # the leader died: nobody renewed
    assert standby.try_acquire()
    assert (leader.fence, standby.fence) == (1, 2)
    with pytest.raises(LeaseLost):
        leader.check()  # its fence is no longer the item's
    assert not leader.held


def test_a_holder_cut_off_from_the_table_writes_only_while_it_surely_holds_the_lease() -> None:
    table, clock = MemoryLeaseTable(), Clock()
    keeper = _keeper(table, clock)
    keeper.try_acquire()
    table.down = True

    clock.now += 19.9
    keeper.check()  # renewal failed, but no one can take the lease for 10 s more
    clock.now += 0.1
    with pytest.raises(LeaseLost):
        keeper.check()
    table.down = False
    assert not keeper.renew()


def test_release_frees_the_lease_at_once() -> None:
    table, clock = MemoryLeaseTable(), Clock()
    first, second = _keeper(table, clock), _keeper(table, clock)
    first.try_acquire()
    first.release()
    assert second.try_acquire()


def test_a_one_off_sync_gives_up_beside_a_daemon_and_waits_for_a_killed_sync() -> None:
    table, clock = MemoryLeaseTable(), Clock()
    _keeper(table, clock).try_acquire()
    with pytest.raises(LeaseBusy, match=r"a daemon on .* holds the lease.*hubsync resync"):
        wait_for_lease(_keeper(table, clock, HolderKind.SYNC), print, lambda s: None)

    table.state = FREE
    _keeper(table, clock, HolderKind.SYNC).try_acquire()  # then killed: never renewed
    said: list[str] = []

    def sleep(seconds: float) -> None:
        clock.now += seconds

    keeper = _keeper(table, clock, HolderKind.SYNC)
    wait_for_lease(keeper, said.append, sleep)
    assert keeper.held
    assert len(said) == 1 and said[0].startswith("waiting for the lease: a one-off sync on")


def test_shutdown_refuses_the_next_batch() -> None:
    shutdown = Shutdown(grace_s=3600)
    shutdown.check()
    shutdown.request("SIGTERM")
    with pytest.raises(ShuttingDown, match="SIGTERM"):
        shutdown.check()
    assert shutdown.wake.is_set()
    shutdown.stopped()
