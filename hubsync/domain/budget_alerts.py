"""When the marketing-contact budget tells people: once per crossing, not once per run.

Each alert belongs to a state change (the count crossed the warn ratio, reached the limit; the
first channel was held; held channels were released). The state is kept between runs (in the
state table), so a restart does not send an alert again. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hubsync.domain.budget import Budget


class BudgetEvent(StrEnum):
    WARN_RATIO = "budget-warn-ratio"  # the count crossed the warn ratio of the limit
    LIMIT_REACHED = "budget-limit-reached"
    HOLDING = "budget-holding"  # new contacts are held, where none were
    RELEASED = "budget-released"  # held contacts were created


@dataclass(frozen=True, slots=True)
class AlertState:
    """Which crossings have been announced: each flag is set when its alert goes out and
    cleared when the condition ends, which re-arms it."""

    over_warn: bool = False
    at_limit: bool = False
    holding: bool = False


@dataclass(frozen=True, slots=True)
class BudgetAlert:
    event: BudgetEvent
    message: str
    count: int
    limit: int | None
    held: int
    released: int


def budget_alerts(
    state: AlertState, budget: Budget, count: int, held: int, released: int
) -> tuple[list[BudgetAlert], AlertState]:
    """The alerts a run's outcome calls for, and the state to keep for the next run."""
    limit = budget.limit
    over_warn = limit is not None and count >= budget.warn_ratio * limit
    at_limit = limit is not None and count >= limit
    holding = held > 0
    alerts: list[BudgetAlert] = []

    def alert(event: BudgetEvent, message: str) -> None:
        alerts.append(BudgetAlert(event, message, count, limit, held, released))

    if over_warn and not state.over_warn and not at_limit:
        alert(
            BudgetEvent.WARN_RATIO,
            f"{count} marketing contacts: {budget.warn_ratio:.0%} of the limit of {limit} reached",
        )
    if at_limit and not state.at_limit:
        what = "new contacts are held" if budget.room(count) is not None else "the bill grows"
        alert(
            BudgetEvent.LIMIT_REACHED, f"{count} marketing contacts: limit {limit} reached; {what}"
        )
    if holding and not state.holding:
        contacts = "contact" if held == 1 else "contacts"
        alert(
            BudgetEvent.HOLDING, f"{held} new {contacts} held: no room under the limit of {limit}"
        )
    if released:
        left = f"; {held} still held" if held else ""
        contacts = "contact" if released == 1 else "contacts"
        alert(BudgetEvent.RELEASED, f"{released} held {contacts} created{left}")
    return alerts, AlertState(over_warn=over_warn, at_limit=at_limit, holding=holding)
