"""Growth of the marketing-contact count and the day it reaches the limit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hubsync.domain.forecast import CountPoint, growth, limit_reached_on

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


def point(days_ago: float, count: int) -> CountPoint:
    return CountPoint(NOW - timedelta(days=days_ago), count)


def test_growth_over_30_days_starts_at_the_count_30_days_ago() -> None:
    points = [point(45, 100), point(31, 400), point(20, 500), point(1, 690)]
    pace = growth(points, point(0, 700))
    assert pace is not None
    assert (pace.contacts, pace.days, pace.per_day) == (300, 30, 10)


def test_growth_with_a_shorter_history_spans_what_there_is() -> None:
    pace = growth([point(10, 600)], point(0, 700))
    assert pace is not None
    assert (pace.contacts, pace.days, pace.per_day) == (100, 10, 10)


def test_no_growth_without_an_earlier_point() -> None:
    assert growth([], point(0, 700)) is None


def test_the_limit_is_reached_at_the_pace_rounded_up_to_a_day() -> None:
    pace = growth([point(10, 600)], point(0, 700))
    today = date(2026, 6, 30)
    assert limit_reached_on(700, 1000, pace, today) == date(2026, 7, 30)
    assert limit_reached_on(995, 1000, pace, today) == date(2026, 7, 1)
    assert limit_reached_on(1000, 1000, pace, today) == today
    assert limit_reached_on(700, None, pace, today) is None
    shrinking = growth([point(10, 800)], point(0, 700))
    assert limit_reached_on(700, 1000, shrinking, today) is None
