"""The marketing-contact budget's pure rules: the cost by blocks started, the fair order, holds."""

from __future__ import annotations

from typing import Any

import pytest

from hubsync.domain.budget import (
    Budget,
    BudgetPolicy,
    CostModel,
    hold_over_budget,
    is_budget_hold,
    run_budget,
)
from hubsync.domain.links import Role
from hubsync.domain.marketing import mark_marketing_wanted
from hubsync.domain.plan import Action, Plan, read_source
from hubsync.domain.properties import MARKETING_WANTED
from tests.unit.factories import channel_item, contact, email_of, full_view, run


@pytest.mark.parametrize(
    ("count", "eur"),
    [(0, 170), (999, 170), (1000, 170), (1001, 210), (1999, 210), (2000, 210), (2001, 250)],
)
def test_the_bill_grows_by_every_block_of_1000_started_beyond_the_included(
    count: int, eur: float
) -> None:
    assert CostModel(170, 1000, 40).monthly_eur(count) == eur


def test_the_cost_model_is_configurable() -> None:
    model = CostModel(base_eur=100, included_contacts=0, eur_per_block=10)
    assert [model.monthly_eur(n) for n in (0, 1, 1000, 1001)] == [100, 110, 110, 120]


def test_room_is_what_the_limit_leaves_under_hold_only() -> None:
    assert Budget(limit=1000).room(990) == 10
    assert Budget(limit=1000).room(1200) == 0
    assert Budget(limit=None).room(10**6) is None
    assert Budget(limit=1000, policy=BudgetPolicy.WARN).room(1200) is None


def sign_ups_and_referrers() -> list[dict[str, Any]]:
    """Customers signed up on different days, two referrers (one referred twice) and a
    duplicate-e-mail secondary: every kind of new contact."""
    return [
        channel_item(101, createdAt="2024-03-01T00:00:00Z", referrerChannelId=900),
        channel_item(102, createdAt="2024-01-01T00:00:00Z", referrerChannelId=901),
        channel_item(103, createdAt="2024-02-01T00:00:00Z", referrerChannelId=901),
        channel_item(104, createdAt="2024-04-01T00:00:00Z", email=email_of(102)),
    ]


def plan_and_channels() -> tuple[Plan, list[Any]]:
    items = sign_ups_and_referrers()
    return run(items, full=True), read_source(items).channels


def held_ids(plan: Plan) -> list[int]:
    return [h.gleev_id for h in plan.held if is_budget_hold(h)]


def created_ids(plan: Plan) -> list[int]:
    return sorted(w.target.gleev_id for w in plan.creates)


@pytest.mark.parametrize(
    ("room", "created"),
    [
        (0, []),
        (1, [102]),  # the earliest sign-up
        (3, [101, 102, 103]),  # every customer, by sign-up
        (4, [101, 102, 103, 901]),  # then the referrer with most referrals
        (5, [101, 102, 103, 900, 901]),
        (6, [101, 102, 103, 104, 900, 901]),  # the secondary last
    ],
)
def test_new_contacts_fit_in_the_fair_order(room: int, created: list[int]) -> None:
    plan, channels = plan_and_channels()
    assert len(plan.creates) == 6

    held = hold_over_budget(plan, channels, room)

    assert created_ids(held) == created
    assert sorted(held_ids(held)) == sorted({101, 102, 103, 104, 900, 901} - set(created))


def test_the_held_keep_the_fair_order_and_say_budget() -> None:
    plan, channels = plan_and_channels()

    held = hold_over_budget(plan, channels, 0)

    assert held_ids(held) == [102, 103, 101, 901, 900, 104]
    assert all(h.reason.startswith("budget: ") for h in held.held)


def test_without_room_to_count_nothing_is_held() -> None:
    plan, channels = plan_and_channels()
    assert hold_over_budget(plan, channels, None) is plan
    assert hold_over_budget(plan, channels, 6) is plan


def test_updates_and_lead_conversions_are_never_held() -> None:
    items = [channel_item(101), channel_item(102)]
    lead = contact("7", email=email_of(101), lifecyclestage="lead", hs_lead_status="NEW")
    plan = run(items, full_view(lead), full=True)
    assert [w.action for w in plan.writes] == [Action.UPDATE, Action.CREATE]

    held = hold_over_budget(plan, read_source(items).channels, 0)

    assert [(w.target.gleev_id, w.action) for w in held.writes] == [(101, Action.UPDATE)]
    assert held_ids(held) == [102]


def test_a_run_budget_forecasts_the_bill_with_and_without_the_held() -> None:
    figures = run_budget(
        Budget(limit=1000), count_before=990, leaving=4, created=10, held=2, released=1
    )
    assert (figures.count_after, figures.cost_eur, figures.cost_with_held_eur) == (1000, 170, 210)
    assert (figures.limit, figures.policy, figures.leaving) == (1000, "hold", 4)


def test_new_contacts_say_whether_marketing_wants_them() -> None:
    plan, _ = plan_and_channels()

    mark_marketing_wanted(plan, {Role.CUSTOMER})

    wanted = {w.target.gleev_id: w.properties[MARKETING_WANTED] for w in plan.creates}
    assert wanted == {
        101: "true",
        102: "true",
        103: "true",
        104: "false",
        900: "false",
        901: "false",
    }
    assert all(MARKETING_WANTED not in w.target.names for w in plan.creates)


def test_marketing_wanted_is_never_written_on_an_existing_contact() -> None:
    lead = contact("7", email=email_of(101), lifecyclestage="lead", hs_lead_status="NEW")
    plan = run([channel_item(101)], full_view(lead), full=True)

    mark_marketing_wanted(plan, set(Role))

    assert MARKETING_WANTED not in plan.writes[0].properties
