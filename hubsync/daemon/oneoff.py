"""The lease for a one-off `hubsync sync`: never beside a daemon, and never beside another
one-off sync, whose lease (even one a killed sync left behind) is waited for."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from hubsync.aws import dynamodb_client
from hubsync.daemon.lease import LeaseKeeper, Renewer, this_process
from hubsync.domain.lease import HolderKind, Wait, renew_every, when_taken
from hubsync.settings import Settings
from hubsync.state.lease import LeaseTable
from hubsync.state.store import StateStore

Say = Callable[[str], None]


class LeaseBusy(Exception):
    """A daemon holds the lease: a one-off sync would write beside it."""


@contextmanager
def sync_lease(
    settings: Settings, say: Say, sleep: Callable[[float], None] = time.sleep
) -> Iterator[LeaseKeeper]:
    """Hold the lease for one run (renewed in the background); LeaseBusy if a daemon has it."""
    client = dynamodb_client(settings.dynamo_endpoint_url)
    StateStore(client, settings.state_table).ensure_table(settings.create_state_table)
    keeper = LeaseKeeper(
        LeaseTable(client, settings.state_table),
        this_process(HolderKind.SYNC),
        settings.lease_ttl_seconds,
    )
    wait_for_lease(keeper, say, sleep)
    try:
        with Renewer(keeper):
            yield keeper
    finally:
        keeper.release()


def wait_for_lease(keeper: LeaseKeeper, say: Say, sleep: Callable[[float], None]) -> None:
    said = None
    while not keeper.try_acquire():
        state = keeper.current()
        if state.holder is None:
            continue  # released between our two reads
        if when_taken(state) is Wait.GIVE_UP:
            raise LeaseBusy(
                f"{state.holder.describe()} holds the lease and syncs on its schedule: ask it "
                "with `hubsync resync` (a sync beside it would write twice)"
            )
        if said != state.holder.owner:
            until = datetime.fromtimestamp(state.until, UTC).isoformat(timespec="seconds")
            say(
                f"waiting for the lease: {state.holder.describe()} holds it, until {until} "
                "unless renewed (a sync that was killed leaves it until then)"
            )
            said = state.holder.owner
        sleep(min(1.0, renew_every(keeper.ttl_s)))
