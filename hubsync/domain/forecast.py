"""Where the marketing-contact count is heading: its growth over the last days, and when it
reaches the limit at that pace. Pure: the points come from the budget ledger."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

GROWTH_DAYS = 30


@dataclass(frozen=True, slots=True)
class CountPoint:
    at: datetime
    count: int


@dataclass(frozen=True, slots=True)
class Growth:
    contacts: int  # how many more marketing contacts than at the start of the period
    days: float  # how long the period measured actually is (less when history is shorter)

    @property
    def per_day(self) -> float:
        return self.contacts / self.days if self.days > 0 else 0.0


def growth(points: Sequence[CountPoint], now: CountPoint, days: int = GROWTH_DAYS) -> Growth | None:
    """The growth from the count `days` ago (the last point at or before then, else the
    first point after it) to `now`; None without an earlier point."""
    start = now.at - timedelta(days=days)
    earlier = [p for p in points if p.at < now.at]
    if not earlier:
        return None
    before = [p for p in earlier if p.at <= start]
    base = max(before, key=lambda p: p.at) if before else min(earlier, key=lambda p: p.at)
    span = (now.at - max(base.at, start)).total_seconds() / 86_400
    return Growth(now.count - base.count, span)


def limit_reached_on(
    count: int, limit: int | None, pace: Growth | None, today: date
) -> date | None:
    """The day the count reaches `limit` at `pace`; today if it already has; None when there
    is no limit or the count is not growing."""
    if limit is None:
        return None
    if count >= limit:
        return today
    if pace is None or pace.per_day <= 0:
        return None
    return today + timedelta(days=math.ceil((limit - count) / pace.per_day))
