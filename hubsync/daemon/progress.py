"""How a run's writing progresses: a log event every few batches in the daemon, a progress
bar on a terminal for `hubsync sync`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Never

from tqdm import tqdm

from hubsync.log import get_logger

log = get_logger(__name__)

LOG_EVERY_BATCHES = 10


class LogProgress:
    """Logs `progress` every `every` batches (a batch is at most 100 writes), and passes each
    batch on to `report` while one is set (a resync request's waiting command)."""

    def __init__(self, every: int = LOG_EVERY_BATCHES) -> None:
        self._every = every
        self._batches = 0
        self.report: Callable[[int, int], None] | None = None

    def advance(self, sent: int, planned: int) -> None:
        if self.report is not None:
            self.report(sent, planned)
        self._batches += 1
        if self._batches % self._every == 0 or sent >= planned:
            log.info("progress", written=sent, planned=planned, batches=self._batches)
        if sent >= planned:
            self._batches = 0


class BarProgress:
    """A tqdm bar of writes sent of planned, with HubSpot calls so far and an ETA; drawn from
    the first batch on, when the number of planned writes is known."""

    def __init__(self, calls: Callable[[], int]) -> None:
        self._calls = calls
        self._bar: tqdm[Never] | None = None

    def advance(self, sent: int, planned: int) -> None:
        if planned <= 0:
            return
        bar = self._bar
        if bar is None:
            bar = tqdm(total=planned, unit="write", desc="writing", dynamic_ncols=True)
            self._bar = bar
        elif bar.total != planned:
            bar.total = planned
        bar.update(sent - bar.n)
        bar.set_postfix(calls=self._calls(), refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
