"""The budget in a run, on in-memory ports: counts, holds, releases, ledger and alerts."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from hubsync.budgeting import BudgetKeeper
from hubsync.domain.budget_alerts import BudgetEvent
from hubsync.domain.properties import MARKETING_WANTED
from hubsync.engine import RunOptions, SyncEngine
from hubsync.result import RunResult
from hubsync.settings import Settings
from tests.unit.factories import channel_item, email_of
from tests.unit.fakes import (
    FakeBudgetRecords,
    FakeChannelTable,
    FakePortal,
    FakeStateStore,
    RecordedAlerts,
)


class Parts:
    def __init__(self, *items: dict[str, Any]) -> None:
        self.table = FakeChannelTable(*items)
        self.portal = FakePortal()
        self.state = FakeStateStore()
        self.records = FakeBudgetRecords()
        self.alerts = RecordedAlerts()

    def sync(self, dry_run: bool = False, **settings: Any) -> RunResult:
        config = Settings(hubspot_token=SecretStr("t"), **settings)
        # A new engine each time, as after a restart: only the records carry over.
        keeper = BudgetKeeper(
            config.budget, config.wanted_roles, self.portal, self.records, self.alerts
        )
        engine = SyncEngine(config, self.table, self.portal, self.state, keeper)
        return engine.run(RunOptions(dry_run=dry_run), "run1")

    def events(self) -> list[str]:
        return [a.event.value for a in self.alerts.sent]


def existing_marketing_contacts(portal: FakePortal, count: int) -> None:
    for n in range(count):
        portal.add_contact(email=f"someone{n}@example.com", hs_marketable_status="true")


def test_a_run_counts_before_and_after_and_holds_what_does_not_fit() -> None:
    parts = Parts(*(channel_item(100 + n) for n in range(5)))
    existing_marketing_contacts(parts.portal, 8)

    result = parts.sync(marketing_contact_limit=10)

    budget = result.budget
    assert budget is not None
    assert (budget.count_before, budget.created, budget.count_after) == (8, 2, 10)
    assert (budget.held, result.created) == (3, 2)
    assert sorted(parts.records.held_channels) == [102, 103, 104]
    assert parts.records.ledger[-1].budget == budget
    assert parts.events() == [BudgetEvent.LIMIT_REACHED, BudgetEvent.HOLDING]


def test_raising_the_limit_releases_the_held_and_alerts_once() -> None:
    parts = Parts(*(channel_item(100 + n) for n in range(5)))
    parts.sync(marketing_contact_limit=2)
    assert sorted(parts.records.held_channels) == [102, 103, 104]

    released = parts.sync(marketing_contact_limit=100)
    again = parts.sync(marketing_contact_limit=100)

    assert released.budget is not None and again.budget is not None
    assert (released.budget.released, released.budget.held, released.created) == (3, 0, 3)
    assert parts.records.held_channels == {}
    assert (again.budget.released, again.created) == (0, 0)
    assert parts.events() == [
        BudgetEvent.LIMIT_REACHED,
        BudgetEvent.HOLDING,
        BudgetEvent.RELEASED,
    ]


def test_warn_creates_everything_and_alerts_once_across_restarts() -> None:
    parts = Parts(*(channel_item(100 + n) for n in range(5)))

    first = parts.sync(marketing_contact_limit=3, budget_policy="warn")
    parts.table.put(channel_item(200))
    parts.sync(marketing_contact_limit=3, budget_policy="warn")

    assert first.created == 5 and first.budget is not None and first.budget.held == 0
    assert parts.events() == [BudgetEvent.LIMIT_REACHED]


def test_new_contacts_the_portal_says_are_not_marketing_are_not_counted() -> None:
    parts = Parts(channel_item(101), channel_item(102))
    parts.portal.marketing_on_create = False
    parts.portal.answers_marketing = True

    result = parts.sync()

    assert result.budget is not None
    assert (result.created, result.budget.created, result.budget.count_after) == (2, 0, 0)


def test_without_a_word_from_the_portal_every_new_contact_counts() -> None:
    parts = Parts(channel_item(101), channel_item(102))
    parts.portal.marketing_on_create = False  # but its answers do not say so

    result = parts.sync()

    assert result.budget is not None and result.budget.created == 2


def test_a_dry_run_shows_the_effect_and_keeps_nothing() -> None:
    parts = Parts(*(channel_item(100 + n) for n in range(5)))
    existing_marketing_contacts(parts.portal, 1)

    result = parts.sync(dry_run=True, marketing_contact_limit=3)

    assert result.budget is not None
    assert (result.budget.count_after, result.budget.held, result.budget.cost_eur) == (3, 3, 170)
    assert parts.records.ledger == [] and parts.records.held_channels == {}
    assert parts.alerts.sent == [] and parts.portal.writes() == 0


def test_a_contact_created_in_the_second_round_says_whether_marketing_wants_it() -> None:
    parts = Parts(channel_item(101), channel_item(102))
    parts.portal.invalid_emails.add(email_of(102))  # 102 is created again without e-mail

    parts.sync(marketing_wanted_roles="referrer")

    _, contact = parts.portal.by_key(102)
    assert "email" not in contact and contact[MARKETING_WANTED] == "false"
