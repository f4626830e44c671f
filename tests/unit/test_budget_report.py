"""`hubsync budget`'s figures from a count and the ledger, and its terminal line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hubsync.budget_report import budget_status, daily_counts, sparkline, status_lines
from hubsync.domain.budget import Budget, CostModel, run_budget
from hubsync.domain.forecast import CountPoint
from hubsync.state.ledger import HeldChannel, LedgerEntry

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
BUDGET = Budget(limit=1000, cost=CostModel(170, 500, 40))


def entry(days_ago: float, before: int, created: int) -> LedgerEntry:
    figures = run_budget(
        BUDGET, count_before=before, leaving=0, created=created, held=0, released=0
    )
    return LedgerEntry(f"run{days_ago}", NOW - timedelta(days=days_ago), figures)


def test_the_status_sums_this_months_creations_and_forecasts_the_limit() -> None:
    entries = [entry(40, 100, 50), entry(30, 150, 50), entry(10, 500, 50), entry(1, 590, 10)]
    held = [HeldChannel(7, "budget: no room", "2026-06-14T00:00:00+00:00")]

    status = budget_status(BUDGET, 700, 3, held, entries, NOW)

    assert (status.count, status.headroom, status.leaving) == (700, 300, 3)
    assert status.created_this_month == 60  # the entries since June 1st
    assert (status.cost_eur, status.cost_with_held_eur) == (210, 210)  # 200 past 500
    assert (status.growth_30d, status.growth_per_day) == (500, 16.67)  # from 200 30 days ago
    assert status.limit_reached_on == date(2026, 7, 3)  # 300 more at 16.67 a day: 18 days
    assert [p.count for p in status.history] == [150, 200, 550, 600, 700]  # the last 90 days


def test_the_held_are_costed_as_if_created() -> None:
    held = [HeldChannel(n, "budget: no room", "2026-06-14") for n in range(2)]
    status = budget_status(BUDGET, 499, 0, held, [], NOW)
    assert (status.cost_eur, status.cost_with_held_eur) == (170, 210)


def test_without_a_day_of_history_no_growth_is_told() -> None:
    status = budget_status(BUDGET, 700, 0, [], [entry(0.1, 600, 100)], NOW)
    assert status.growth_30d is None and status.limit_reached_on is None
    assert any(line.startswith("growth: not known yet") for line in status_lines(status))


def test_daily_counts_carry_the_last_count_over_days_without_a_run() -> None:
    points = [
        CountPoint(NOW - timedelta(days=3), 10),
        CountPoint(NOW - timedelta(days=3, hours=-1), 12),
        CountPoint(NOW - timedelta(days=1), 15),
    ]
    assert daily_counts(points) == [12, 12, 15]


def test_the_sparkline_reaches_a_full_block_at_the_limit() -> None:
    assert sparkline([0, 500, 1000], 1000) == "▁▅█"
    assert sparkline([0, 2000], 1000) == "▁█"  # over the limit: scaled to the count
    assert sparkline([], None) == ""
