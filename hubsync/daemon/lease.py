"""One holding of the lease: take it, keep it renewed, check it before every write batch, and
give it back. Used by the daemon and by one-off syncs alike, so they never write together."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from hubsync.domain.lease import Holder, HolderKind, LeaseState, may_write, renew_every
from hubsync.log import get_logger
from hubsync.ports import LeaseLost
from hubsync.state.lease import LeaseTable

log = get_logger(__name__)

Clock = Callable[[], float]


def this_process(kind: HolderKind) -> Holder:
    return Holder(uuid.uuid4().hex, kind, socket.gethostname(), os.getpid())


class LeaseKeeper:
    """This process's claim on the lease; thread-safe (the renewer and the run share it)."""

    def __init__(
        self, table: LeaseTable, holder: Holder, ttl_s: float, clock: Clock = time.time
    ) -> None:
        self.table = table
        self.holder = holder
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._fence: int | None = None
        self._confirmed_until = 0.0

    @property
    def held(self) -> bool:
        return self._fence is not None

    @property
    def fence(self) -> int | None:
        return self._fence

    def try_acquire(self) -> bool:
        with self._lock:
            if self._fence is not None:
                return True
            now = self._clock()
            fence = self.table.acquire(self.holder, self.ttl_s, now)
            if fence is None:
                return False
            self._fence, self._confirmed_until = fence, now + self.ttl_s
            # Debug: a one-off sync's log is its run's; the daemon logs its role changes.
            log.debug("lease taken", fence=fence, holder=self.holder.describe())
            return True

    def renew(self) -> bool:
        """Extend the lease; False (and no longer held) if another holder has it. A table that
        cannot be reached keeps the lease for as long as `may_write` allows."""
        with self._lock:
            fence = self._fence
            if fence is None:
                return False
            now = self._clock()
            try:
                renewed = self.table.renew(self.holder, fence, self.ttl_s, now)
            except Exception as exc:
                if may_write(self._confirmed_until, self._clock(), self.ttl_s):
                    log.warning("lease renewal failed; retrying", error=str(exc))
                    return True
                log.error("lease lost: it could not be renewed in time", error=str(exc))
                self._fence = None
                return False
            if not renewed:
                log.warning("lease lost: another replica took it", fence=fence)
                self._fence = None
                return False
            self._confirmed_until = now + self.ttl_s
            return True

    def check(self) -> None:
        """The write guard: renew now, or raise LeaseLost."""
        if not self.renew():
            raise LeaseLost("the lease is no longer this process's (another replica took it)")

    def release(self) -> None:
        with self._lock:
            fence, self._fence = self._fence, None
        if fence is None:
            return
        try:
            self.table.release(self.holder, fence)
            log.debug("lease released", fence=fence)
        except Exception as exc:  # it expires by itself within one TTL
            log.warning("lease not released; it expires by itself", error=str(exc))

    def current(self) -> LeaseState:
        return self.table.read()


class Renewer:
    """Renews a held lease every third of its TTL in a background thread, until stopped."""

    def __init__(self, keeper: LeaseKeeper) -> None:
        self._keeper = keeper
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lease-renewer", daemon=True)

    def __enter__(self) -> Renewer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(renew_every(self._keeper.ttl_s)):
            if not self._keeper.renew():
                return
