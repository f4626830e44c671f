"""The budget's gauges, as the daemon exposes them."""

from __future__ import annotations

import math

from hubsync.budget_metrics import budget_gauges
from hubsync.domain.budget import Budget, run_budget


def test_the_gauges_are_the_runs_figures() -> None:
    figures = run_budget(
        Budget(limit=1000), count_before=990, leaving=2, created=15, held=3, released=0
    )
    assert budget_gauges(figures) == {
        "hubsync_marketing_contacts": 1005,
        "hubsync_marketing_contact_limit": 1000,
        "hubsync_budget_held_contacts": 3,
        "hubsync_budget_forecast_monthly_eur": 210,
    }


def test_no_limit_is_nan_and_no_run_is_no_gauge() -> None:
    figures = run_budget(Budget(), count_before=5, leaving=None, created=0, held=0, released=0)
    assert math.isnan(budget_gauges(figures)["hubsync_marketing_contact_limit"])
    assert budget_gauges(None) == {}
