"""How a run's writing progresses: a log event every few batches in the daemon, a progress
bar on a terminal for `hubsync sync`."""

from __future__ import annotations

import time
from collections.abc import Callable

from hubsync.log import get_logger

log = get_logger(__name__)

LOG_EVERY_BATCHES = 10


class LogProgress:
    """Logs `progress` every `every` batches (a batch is at most 100 writes)."""

    def __init__(self, every: int = LOG_EVERY_BATCHES) -> None:
        self._every = every
        self._batches = 0

    def advance(self, sent: int, planned: int) -> None:
        self._batches += 1
        if self._batches % self._every == 0 or sent >= planned:
            log.info("progress", written=sent, planned=planned, batches=self._batches)
        if sent >= planned:
            self._batches = 0


class BarProgress:
    """A tqdm bar of writes sent of planned, with HubSpot calls so far and an ETA."""

    def __init__(self, calls: Callable[[], int]) -> None:
        from tqdm import tqdm

        self._calls = calls
        self._bar = tqdm(total=0, unit="write", desc="writing", leave=True, dynamic_ncols=True)
        self._started = time.monotonic()

    def advance(self, sent: int, planned: int) -> None:
        if self._bar.total != planned:
            self._bar.total = planned
        self._bar.update(sent - self._bar.n)
        self._bar.set_postfix(calls=self._calls(), refresh=True)

    def close(self) -> None:
        self._bar.close()
