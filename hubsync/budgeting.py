"""What a run does for the marketing-contact budget: count before, hold what does not fit,
count after, and keep the ledger, the held channels and the alerts.

The rules are pure (domain/budget.py, budget_alerts.py, marketing.py); this module brings them
the portal's count (two searches a run) and the budget's records in the state table.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from hubsync.domain.budget import Budget, RunBudget, budget_step, is_budget_hold, run_budget
from hubsync.domain.budget_alerts import AlertState, BudgetAlert, budget_alerts
from hubsync.domain.channel import Channel
from hubsync.domain.links import Link, Role
from hubsync.domain.marketing import mark_marketing_wanted
from hubsync.domain.plan import Held, Plan
from hubsync.log import get_logger
from hubsync.ports import ContactGateway
from hubsync.result import RunResult
from hubsync.state.ledger import HeldChannel, LedgerEntry

log = get_logger(__name__)


class BudgetAlerts(Protocol):
    """Where budget alerts go: the log by default; any alert sink can take them."""

    def send(self, alert: BudgetAlert, run_id: str) -> None: ...


class LoggedBudgetAlerts:
    """One structured warning line per alert."""

    def send(self, alert: BudgetAlert, run_id: str) -> None:
        log.warning(
            "budget alert",
            event=alert.event.value,
            message=alert.message,
            count=alert.count,
            limit=alert.limit,
            held=alert.held,
            released=alert.released,
        )


class BudgetRecords(Protocol):
    """The budget's records (state/ledger.py's BudgetBook in production)."""

    def append(self, entry: LedgerEntry) -> None: ...

    def held(self) -> dict[int, HeldChannel]: ...

    def replace_held(self, held: Mapping[int, HeldChannel], before: Iterable[int]) -> None: ...

    def alert_state(self) -> AlertState: ...

    def save_alert_state(self, state: AlertState) -> None: ...


@dataclass(slots=True)
class BudgetStart:
    """What the run knew of the budget before it wrote."""

    count: int
    held_before: dict[int, HeldChannel]
    # Counted only by a run with new contacts to create (None otherwise): a run with
    # nothing to do then costs the preflight and the count alone.
    leaving: int | None = None


class BudgetKeeper:
    def __init__(
        self,
        budget: Budget,
        wanted_roles: Collection[Role],
        hubspot: ContactGateway,
        records: BudgetRecords,
        alerts: BudgetAlerts | None = None,
    ) -> None:
        self.budget = budget
        self.wanted_roles = frozenset(wanted_roles)
        self.hubspot = hubspot
        self.records = records
        self.alerts = alerts or LoggedBudgetAlerts()

    def start(self) -> BudgetStart:
        return BudgetStart(self.hubspot.count_marketing_contacts(), self.records.held())

    def apply(self, start: BudgetStart, plan: Plan, channels: Iterable[Channel]) -> Plan:
        """New contacts say whether marketing wants them; those over the limit are held."""
        if plan.creates:
            start.leaving = self.hubspot.count_marketing_contacts(leaving=True)
        return budget_step(plan, channels, self.wanted_roles, self.budget.room(start.count))

    def mark_new_contacts(self, plan: Plan) -> None:
        """Every new contact says whether marketing wants it (a second plan's too)."""
        mark_marketing_wanted(plan, self.wanted_roles)

    def finish(
        self,
        start: BudgetStart,
        result: RunResult,
        links: Mapping[int, Link],
        scope: Collection[int] | None,
    ) -> RunBudget:
        """The run's budget figures; unless it was a dry run, kept in the ledger, with the
        held channels and the alerts they call for."""
        plan = result.plan
        held_now = {h.gleev_id: h for h in plan.held if is_budget_hold(h)}
        if result.dry_run:
            created = len(plan.creates)
            done = {w.target.gleev_id for w in plan.creates}
        else:
            created = result.created_marketing
            done = set(links)
        released = [g for g in start.held_before if g not in held_now and g in done]
        now = datetime.now(UTC)
        held = self._held_after(start.held_before, held_now, scope, now)
        figures = run_budget(
            self.budget,
            count_before=start.count,
            leaving=start.leaving,
            created=created,
            held=len(held),
            released=len(released),
        )
        if not result.dry_run:
            self._keep(start, figures, held, result.run_id, now)
        return figures

    def _held_after(
        self,
        before: Mapping[int, HeldChannel],
        held_now: Mapping[int, Held],
        scope: Collection[int] | None,
        now: datetime,
    ) -> dict[int, HeldChannel]:
        """Every channel held after the run. A run of named channels planned only those: the
        others stay as they were."""
        since = now.isoformat(timespec="seconds")
        kept = {} if scope is None else {g: h for g, h in before.items() if g not in scope}
        for gleev_id, held in held_now.items():
            kept[gleev_id] = before.get(gleev_id) or HeldChannel(gleev_id, held.reason, since)
        return kept

    def _keep(
        self,
        start: BudgetStart,
        figures: RunBudget,
        held: Mapping[int, HeldChannel],
        run_id: str,
        now: datetime,
    ) -> None:
        self.records.append(LedgerEntry(run_id, now, figures))
        self.records.replace_held(held, start.held_before)
        alerts, state = budget_alerts(
            self.records.alert_state(),
            self.budget,
            figures.count_after,
            figures.held,
            figures.released,
        )
        for alert in alerts:
            self.alerts.send(alert, run_id)
        self.records.save_alert_state(state)
