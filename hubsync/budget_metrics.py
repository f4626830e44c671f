"""The marketing-contact budget as gauges, for the daemon's /metrics.

The daemon reads the last run's figures (RunResult.budget or RunRecord.budget) and sets one
gauge per name; the names are the ones agreed for hubsync's Prometheus metrics.
"""

from __future__ import annotations

import math

from hubsync.domain.budget import RunBudget

MARKETING_CONTACTS = "hubsync_marketing_contacts"
MARKETING_CONTACT_LIMIT = "hubsync_marketing_contact_limit"  # NaN: no limit set
HELD_CONTACTS = "hubsync_budget_held_contacts"
FORECAST_MONTHLY_EUR = "hubsync_budget_forecast_monthly_eur"
BUDGET_HELP = {
    MARKETING_CONTACTS: "Marketing contacts in the portal after the last run",
    MARKETING_CONTACT_LIMIT: "HUBSYNC_MARKETING_CONTACT_LIMIT (NaN: no limit set)",
    HELD_CONTACTS: "New contacts held for the budget after the last run",
    FORECAST_MONTHLY_EUR: "The monthly bill for the marketing contacts, in EUR",
}


def budget_gauges(budget: RunBudget | None) -> dict[str, float]:
    """Each budget gauge's value after the run; empty before any run has counted."""
    if budget is None:
        return {}
    return {
        MARKETING_CONTACTS: float(budget.count_after),
        MARKETING_CONTACT_LIMIT: math.nan if budget.limit is None else float(budget.limit),
        HELD_CONTACTS: float(budget.held),
        FORECAST_MONTHLY_EUR: budget.cost_eur,
    }
