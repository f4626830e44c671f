"""SIGTERM and SIGINT for the daemon: the first stops new work and lets the batch in flight
finish (the engine's write guard says so before the next batch), within a grace period; the
second exits at once. Every batch HubSpot confirmed is saved as it comes, so nothing HubSpot
confirmed is lost either way."""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

from hubsync.log import get_logger
from hubsync.ports import ShuttingDown

log = get_logger(__name__)

EXIT_FORCED = 1  # the grace period ran out, or a second signal came


class Shutdown:
    """Set by the first signal; the daemon's loop and the engine's write guard ask it."""

    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self.requested = threading.Event()
        self.wake = threading.Event()  # wakes the daemon's loop: a signal, a tick, a request
        self._signal_name: str | None = None
        self._timer: threading.Timer | None = None

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)

    def request(self, reason: str) -> None:
        if self.requested.is_set():
            return
        self._signal_name = reason
        self.requested.set()
        self.wake.set()
        self._timer = threading.Timer(self.grace_s, self._grace_over)
        self._timer.daemon = True
        self._timer.start()

    def stopped(self) -> None:
        """The daemon stopped cleanly: the grace period no longer needs enforcing."""
        if self._timer is not None:
            self._timer.cancel()

    def check(self) -> None:
        """The write guard's part: no new batch once shutting down."""
        if self.requested.is_set():
            raise ShuttingDown(f"{self._signal_name}: hubsync is stopping")

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.requested.is_set():
            log.warning("second signal: exiting now", signal=name)
            _exit_now(128 + signum)
        log.info("stopping: finishing the batch in flight", signal=name, grace_s=self.grace_s)
        self.request(name)

    def _grace_over(self) -> None:
        log.error("grace period over: exiting now", grace_s=self.grace_s)
        _exit_now(EXIT_FORCED)


def _exit_now(code: int) -> None:
    sys.stderr.flush()
    os._exit(code)
