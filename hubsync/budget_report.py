"""`hubsync budget`: where the marketing-contact count stands, what it costs, where it heads.

Built from one count of the portal (two searches) and the budget's records in the state
table; the arithmetic is the domain's (budget.py, forecast.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from hubsync.domain.budget import Budget
from hubsync.domain.forecast import CountPoint, growth, limit_reached_on
from hubsync.state.ledger import BudgetBook, HeldChannel, LedgerEntry

HISTORY_DAYS = 90  # the chart's span
MIN_HISTORY_DAYS = 1  # the shortest history a growth is told from
SPARK = "▁▂▃▄▅▆▇█"


class MarketingCounter(Protocol):
    def count_marketing_contacts(self, *, leaving: bool = False) -> int: ...


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    at: datetime
    count: int
    limit: int | None
    headroom: int | None  # how many more before the limit (negative: over it)
    leaving: int  # set non-marketing: they leave at the next update date
    policy: str
    held: tuple[HeldChannel, ...]
    created_this_month: int  # marketing contacts hubsync created since the 1st (UTC)
    cost_eur: float
    cost_with_held_eur: float
    growth_30d: int | None  # None without history
    growth_per_day: float | None
    limit_reached_on: date | None
    history: tuple[CountPoint, ...]  # the count over the last HISTORY_DAYS, oldest first

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(timespec="seconds"),
            "count": self.count,
            "limit": self.limit,
            "headroom": self.headroom,
            "leaving_at_update_date": self.leaving,
            "policy": self.policy,
            "held": [
                {"gleev_id": h.gleev_id, "reason": h.reason, "since": h.since} for h in self.held
            ],
            "created_this_month": self.created_this_month,
            "cost_eur_per_month": self.cost_eur,
            "cost_eur_per_month_with_held": self.cost_with_held_eur,
            "growth_30d": self.growth_30d,
            "growth_per_day": self.growth_per_day,
            "limit_reached_on": self.limit_reached_on and self.limit_reached_on.isoformat(),
            "history": [
                {"at": p.at.isoformat(timespec="seconds"), "count": p.count} for p in self.history
            ],
        }


def budget_status(
    budget: Budget,
    count: int,
    leaving: int,
    held: Sequence[HeldChannel],
    entries: Sequence[LedgerEntry],
    now: datetime,
) -> BudgetStatus:
    """`entries` are the ledger's, oldest first, covering at least the last HISTORY_DAYS."""
    points = [CountPoint(e.at, e.budget.count_after) for e in entries]
    current = CountPoint(now, count)
    pace = growth(points, current)
    if pace is not None and pace.days < MIN_HISTORY_DAYS:
        pace = None  # a pace measured over hours says nothing about a month
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    since = now - timedelta(days=HISTORY_DAYS)
    return BudgetStatus(
        at=now,
        count=count,
        limit=budget.limit,
        headroom=None if budget.limit is None else budget.limit - count,
        leaving=leaving,
        policy=budget.policy.value,
        held=tuple(sorted(held, key=lambda h: (h.since, h.gleev_id))),
        created_this_month=sum(e.budget.created for e in entries if e.at >= month_start),
        cost_eur=budget.cost.monthly_eur(count),
        cost_with_held_eur=budget.cost.monthly_eur(count + len(held)),
        growth_30d=None if pace is None else pace.contacts,
        growth_per_day=None if pace is None else round(pace.per_day, 2),
        limit_reached_on=limit_reached_on(count, budget.limit, pace, now.date()),
        history=(*(p for p in points if p.at >= since), current),
    )


def daily_counts(history: Sequence[CountPoint]) -> list[int]:
    """The last count of each day from the first point to the last, carried over days
    without a run."""
    if not history:
        return []
    by_day = {p.at.date(): p.count for p in sorted(history, key=lambda p: p.at)}
    day, last = min(by_day), max(by_day)
    counts: list[int] = []
    while day <= last:
        counts.append(by_day.get(day, counts[-1] if counts else 0))
        day += timedelta(days=1)
    return counts


def sparkline(counts: Sequence[int], limit: int | None) -> str:
    """One character per value, scaled from 0 to the limit (or the highest count): a full
    block is at the limit."""
    top = max([*counts, limit or 0, 1])
    return "".join(SPARK[round(count / top * (len(SPARK) - 1))] for count in counts)


def status_lines(status: BudgetStatus, held_shown: int = 20) -> list[str]:
    limit = "no limit" if status.limit is None else f"limit {status.limit:,}"
    headroom = "" if status.headroom is None else f", headroom {status.headroom:,}"
    lines = [
        f"marketing contacts: {status.count:,} ({limit}{headroom}, policy {status.policy}); "
        f"{status.leaving:,} leave at the next update date",
        f"monthly cost: {status.cost_eur:,.0f} EUR now, "
        f"{status.cost_with_held_eur:,.0f} EUR once the {len(status.held):,} held are created",
        f"created by hubsync this month: {status.created_this_month:,}",
    ]
    if status.growth_30d is None:
        lines.append("growth: not known yet (needs a day of history; every run adds to it)")
    else:
        reached = ""
        if status.headroom is not None and status.headroom <= 0:
            reached = "; the limit is reached"
        elif status.limit_reached_on:
            reached = (
                f"; the limit is reached on {status.limit_reached_on.isoformat()} at this pace"
            )
        lines.append(
            f"growth over the last 30 days: {status.growth_30d:+,} "
            f"({status.growth_per_day:+.1f} a day){reached}"
        )
    counts = daily_counts(status.history)
    lines.append(f"last {HISTORY_DAYS} days: {sparkline(counts, status.limit)} ({limit})")
    lines.append(f"held ({len(status.held):,}):")
    lines += [f"  {h.gleev_id}: {h.reason} (since {h.since})" for h in status.held[:held_shown]]
    if len(status.held) > held_shown:
        lines.append(f"  ... and {len(status.held) - held_shown:,} more (--json lists them all)")
    return lines


def current_status(budget: Budget, hubspot: MarketingCounter, book: BudgetBook) -> BudgetStatus:
    """The budget now: the portal's count (two searches) and the ledger's history."""
    now = datetime.now(UTC)
    count = hubspot.count_marketing_contacts()
    leaving = hubspot.count_marketing_contacts(leaving=True)
    # From the 1st of last month at the latest: the month's creations and 30 days of growth.
    since = min(now - timedelta(days=HISTORY_DAYS), now.replace(day=1) - timedelta(days=31))
    entries = book.entries(since)
    return budget_status(budget, count, leaving, list(book.held().values()), entries, now)
