"""Which run the daemon does next. Ticks that come while a run is going are coalesced: the
same kind of run due twice is run once, and a full reconcile, which does everything an
incremental run does, takes the place of a pending incremental one. Ops' resync requests go
before scheduled runs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Due(StrEnum):
    INCREMENTAL = "incremental"
    FULL = "full"


@dataclass
class PendingRuns:
    full: bool = False
    incremental: bool = False

    def mark(self, due: Due) -> None:
        if due is Due.FULL:
            self.full = True
        else:
            self.incremental = True

    def take(self) -> Due | None:
        """The scheduled run to do now, forgetting what it covers; None when nothing is due."""
        if self.full:
            self.full = self.incremental = False
            return Due.FULL
        if self.incremental:
            self.incremental = False
            return Due.INCREMENTAL
        return None
