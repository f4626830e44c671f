"""Budget alerts go out once per crossing, and re-arm when the condition ends."""

from __future__ import annotations

from hubsync.domain.budget import Budget, BudgetPolicy
from hubsync.domain.budget_alerts import AlertState, BudgetEvent, budget_alerts

BUDGET = Budget(limit=100, warn_ratio=0.9)


def events_of(counts: list[tuple[int, int, int]], budget: Budget = BUDGET) -> list[list[str]]:
    """The events of each run in turn, given (count, held, released) per run."""
    state = AlertState()
    sent = []
    for count, held, released in counts:
        alerts, state = budget_alerts(state, budget, count, held, released)
        sent.append([a.event.value for a in alerts])
    return sent


def test_each_crossing_alerts_once_not_once_per_run() -> None:
    assert events_of([(80, 0, 0), (90, 0, 0), (95, 0, 0), (100, 3, 0), (100, 3, 0)]) == [
        [],
        [BudgetEvent.WARN_RATIO],
        [],
        [BudgetEvent.LIMIT_REACHED, BudgetEvent.HOLDING],
        [],
    ]


def test_leaving_a_condition_re_arms_its_alert() -> None:
    assert events_of([(90, 0, 0), (80, 0, 0), (91, 0, 0)]) == [
        [BudgetEvent.WARN_RATIO],
        [],
        [BudgetEvent.WARN_RATIO],
    ]


def test_released_contacts_are_announced_when_they_are_created() -> None:
    assert events_of([(100, 3, 0), (99, 0, 3)], Budget(limit=100)) == [
        [BudgetEvent.LIMIT_REACHED, BudgetEvent.HOLDING],
        [BudgetEvent.RELEASED],
    ]


def test_jumping_past_the_warn_ratio_to_the_limit_sends_the_limit_alert_alone() -> None:
    alerts, state = budget_alerts(AlertState(), BUDGET, 120, 0, 0)
    assert [a.event for a in alerts] == [BudgetEvent.LIMIT_REACHED]
    assert state == AlertState(over_warn=True, at_limit=True, holding=False)


def test_warn_says_the_bill_grows_and_hold_that_contacts_are_held() -> None:
    warn = Budget(limit=100, policy=BudgetPolicy.WARN)
    (alert,), _ = budget_alerts(AlertState(), warn, 100, 0, 0)
    assert "the bill grows" in alert.message
    (alert,), _ = budget_alerts(AlertState(), BUDGET, 100, 0, 0)
    assert "held" in alert.message


def test_no_limit_no_alert() -> None:
    assert events_of([(10**6, 0, 0)], Budget(limit=None)) == [[]]
