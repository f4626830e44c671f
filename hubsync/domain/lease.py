"""Who may write: the rules of the lease that lets one hubsync sync at a time.

The lease is one item in the state table, taken and renewed by conditional writes. Whoever
takes it bumps its fencing counter, so a holder whose counter is no longer the item's knows
for certain that someone else took it since. Times are Unix seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class HolderKind(StrEnum):
    DAEMON = "daemon"  # `hubsync run`
    SYNC = "sync"  # a one-off `hubsync sync` (or `resync` run by nobody else)


@dataclass(frozen=True, slots=True)
class Holder:
    owner: str  # unique to one process's one holding
    kind: HolderKind
    host: str
    pid: int

    def describe(self) -> str:
        what = "a daemon" if self.kind is HolderKind.DAEMON else "a one-off sync"
        return f"{what} on {self.host} (pid {self.pid})"


@dataclass(frozen=True, slots=True)
class LeaseState:
    holder: Holder | None
    fence: int  # bumped by every acquisition, never reset
    until: float  # when it expires unless renewed

    def held_at(self, now: float) -> bool:
        return self.holder is not None and self.until > now


FREE = LeaseState(None, 0, 0.0)


def renew_every(ttl_s: float) -> float:
    """Renewing three times a TTL leaves two missed renewals before the lease expires."""
    return ttl_s / 3


def may_write(confirmed_until: float, now: float, ttl_s: float) -> bool:
    """Whether a holder that cannot reach the table may still start a batch: only well before
    the lease it last confirmed expires, so that the batch ends before anyone else can take
    the lease (a third of the TTL covers a batch and clocks a little apart)."""
    return now < confirmed_until - ttl_s / 3


class Wait(StrEnum):
    """What a one-off sync does when it cannot take the lease."""

    GIVE_UP = "give-up"  # a daemon syncs: exit at once, ask the daemon with `hubsync resync`
    WAIT = "wait"  # another one-off sync holds it (or held it and was killed): wait for it


def when_taken(state: LeaseState) -> Wait:
    holder = state.holder
    return Wait.GIVE_UP if holder is not None and holder.kind is HolderKind.DAEMON else Wait.WAIT
