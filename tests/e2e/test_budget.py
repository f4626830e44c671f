"""The marketing-contact budget end to end: moto's DynamoDB and the HubSpot sandbox over HTTP,
the real boto3 and hubspot-api-client; alerts recorded as delivered, the rest as it runs."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from matplotlib import image

from hubsync.app import build_engine, run_sync
from hubsync.domain.budget_alerts import BudgetEvent
from hubsync.domain.properties import MARKETING_WANTED
from hubsync.engine import RunOptions
from hubsync.hubspot.gateway import HubSpotGateway
from hubsync.result import RunResult
from hubsync.state.ledger import BudgetBook
from tests.e2e.world import KEY, World, clean_env
from tests.unit.factories import channel_item, email_of
from tests.unit.fakes import RecordedAlerts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def sync(world: World, alerts: RecordedAlerts | None = None, **settings: Any) -> RunResult:
    """One run on a new engine, as after a restart: only the state table carries over."""
    dry_run = settings.pop("dry_run", False)
    config = world.settings(**settings)
    engine = build_engine(
        config,
        hubspot=HubSpotGateway(config, retry_policy=world.retry_policy),
        budget_alerts=alerts or RecordedAlerts(),
    )
    return run_sync(config, RunOptions(dry_run=dry_run), engine)


def book(world: World) -> BudgetBook:
    return BudgetBook(world.tables.client, world.tables.state)


def portal_count(world: World, *, leaving: bool = False) -> int:
    return HubSpotGateway(world.settings()).count_marketing_contacts(leaving=leaving)


def every_kind_of_new_contact() -> list[dict[str, Any]]:
    """Three customers signed up on different days, two referrers (901 referred two of
    them, 900 one) and a secondary sharing 102's e-mail, signed up last."""
    return [
        channel_item(101, createdAt="2024-03-01T00:00:00Z", referrerChannelId=900),
        channel_item(102, createdAt="2024-01-01T00:00:00Z", referrerChannelId=901),
        channel_item(103, createdAt="2024-02-01T00:00:00Z", referrerChannelId=901),
        channel_item(104, createdAt="2024-04-01T00:00:00Z", email=email_of(102)),
    ]


def in_hubspot(world: World) -> list[int]:
    return sorted(int(c["properties"][KEY]) for c in world.contacts() if c["properties"].get(KEY))


def budget_held(result: RunResult) -> list[int]:
    return [h.gleev_id for h in result.plan.held if h.reason.startswith("budget")]


def add_marketing_contacts(world: World, count: int) -> list[str]:
    return [
        world.hubspot.store.add_contact(
            {"email": f"subscriber{n}@example.com", "hs_marketable_status": "true"}
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("marketing", [True, False])
def test_the_counts_are_right_with_the_portal_switch_on_and_off(
    world: World, marketing: bool
) -> None:
    world.hubspot.config.marketing_on_create = marketing
    existing = add_marketing_contacts(world, 3)
    world.hubspot.store.set_non_marketing(existing[0])
    world.add_lead(email_of(101), hs_marketable_status="false")
    world.put(channel_item(101), channel_item(102), channel_item(103))

    result = sync(world)

    budget = result.budget
    assert budget is not None
    new = 2 if marketing else 0  # 101 converts the lead, which stays non-marketing
    assert (budget.count_before, budget.leaving) == (3, 1)
    assert (result.created, budget.created, budget.count_after) == (2, new, 3 + new)
    assert portal_count(world) == budget.count_after
    assert portal_count(world, leaving=True) == 1
    assert book(world).entries(datetime.now(UTC) - timedelta(days=1))[-1].budget == budget


def test_hold_creates_customers_then_referrers_then_secondaries(world: World) -> None:
    world.put(*every_kind_of_new_contact())

    result = sync(world, marketing_contact_limit=4)

    assert in_hubspot(world) == [101, 102, 103, 901]
    assert budget_held(result) == [900, 104]
    assert result.budget is not None
    assert (result.budget.count_after, result.budget.held) == (4, 2)
    assert sorted(book(world).held()) == [104, 900]


def test_raising_the_limit_releases_the_held_on_the_next_run_in_order(world: World) -> None:
    world.put(*every_kind_of_new_contact())
    sync(world, marketing_contact_limit=3)
    assert in_hubspot(world) == [101, 102, 103]
    alerts = RecordedAlerts()

    one_more = sync(world, alerts, marketing_contact_limit=4)
    assert in_hubspot(world) == [101, 102, 103, 901]  # the referrer with most referrals
    rest = sync(world, alerts, marketing_contact_limit=10)

    assert in_hubspot(world) == [101, 102, 103, 104, 900, 901]
    assert one_more.budget is not None and rest.budget is not None
    assert (one_more.budget.released, one_more.budget.held) == (1, 2)
    assert (rest.budget.released, rest.budget.held) == (2, 0)
    assert book(world).held() == {}
    assert [a.event for a in alerts.sent] == [BudgetEvent.RELEASED, BudgetEvent.RELEASED]
    world.assert_no_duplicates()


def test_warn_creates_everything_and_alerts_once(world: World) -> None:
    world.put(*every_kind_of_new_contact())
    alerts = RecordedAlerts()

    first = sync(world, alerts, marketing_contact_limit=2, budget_policy="warn")
    world.put(channel_item(200))
    second = sync(world, alerts, marketing_contact_limit=2, budget_policy="warn")

    assert first.created == 6 and second.created == 1
    assert budget_held(first) == budget_held(second) == []
    assert [a.event for a in alerts.sent] == [BudgetEvent.LIMIT_REACHED]
    assert "the bill grows" in alerts.sent[0].message


def test_updates_and_lead_conversions_are_never_held(world: World) -> None:
    world.put(channel_item(102))
    sync(world)
    world.put(channel_item(102, title="Renamed"), channel_item(101), channel_item(103))
    lead = world.add_lead(email_of(101), hs_marketable_status="true")
    limit = portal_count(world)  # no room at all

    result = sync(world, marketing_contact_limit=limit)

    assert (result.created, result.updated) == (0, 2)
    assert world.by_key(102)["channel_title"] == "Renamed"
    assert world.by_id(lead)["lifecyclestage"] == "customer"
    assert budget_held(result) == [103]


def test_alerts_go_out_once_per_crossing_across_restarts(world: World) -> None:
    alerts = RecordedAlerts()
    settings = {"marketing_contact_limit": 10, "budget_warn_ratio": 0.5}
    runs = [
        [channel_item(100 + n) for n in range(4)],  # 4: under the warn ratio
        [channel_item(110), channel_item(111)],  # 6: over it
        [channel_item(112)],  # 7
        [],  # nothing new
        [channel_item(120 + n) for n in range(4)],  # 3 fit: the limit, and one held
        [],
    ]
    events = []
    for items in runs:
        world.put(*items)
        sync(world, alerts, **settings)  # a new engine each time: only the state carries over
        events.append([a.event for a in alerts.sent])
        alerts.sent.clear()

    assert events == [
        [],
        [BudgetEvent.WARN_RATIO],
        [],
        [],
        [BudgetEvent.LIMIT_REACHED, BudgetEvent.HOLDING],
        [],
    ]


def test_a_dry_run_reports_the_budget_effect_and_writes_nothing(world: World) -> None:
    world.put(*every_kind_of_new_contact())
    add_marketing_contacts(world, 1)
    alerts = RecordedAlerts()

    result = sync(world, alerts, dry_run=True, marketing_contact_limit=3)

    assert result.budget is not None
    assert (result.budget.count_before, result.budget.count_after) == (1, 3)
    assert (result.budget.held, result.budget.cost_eur) == (4, 170)
    assert len(world.contacts()) == 1
    assert book(world).entries(datetime.now(UTC) - timedelta(days=1)) == []
    assert book(world).held() == {} and alerts.sent == []


def test_new_contacts_say_whether_marketing_wants_them(world: World) -> None:
    world.put(channel_item(101, referrerChannelId=900), channel_item(102))
    lead = world.add_lead(email_of(102))

    sync(world, marketing_wanted_roles="customer")

    assert world.by_key(101)[MARKETING_WANTED] == "true"
    assert world.by_key(900)[MARKETING_WANTED] == "false"
    assert world.by_id(lead).get(MARKETING_WANTED) is None  # marketing's own contact


def hubsync(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hubsync", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_budget_shows_the_count_the_held_and_draws_a_png(world: World, tmp_path: Path) -> None:
    world.put(*every_kind_of_new_contact())
    sync(world, marketing_contact_limit=4)
    # A tier that includes 5: the 2 held would start a block of their own.
    env = clean_env(
        **world.env(),
        HUBSYNC_MARKETING_CONTACT_LIMIT="4",
        HUBSYNC_BUDGET_INCLUDED_CONTACTS="5",
    )
    chart = tmp_path / "budget.png"

    done = hubsync("budget", "--json", "--chart", str(chart), env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert (status["count"], status["limit"], status["headroom"]) == (4, 4, 0)
    assert [h["gleev_id"] for h in status["held"]] == [104, 900]
    assert status["created_this_month"] == 4
    assert (status["cost_eur_per_month"], status["cost_eur_per_month_with_held"]) == (170, 210)
    assert status["limit_reached_on"] == datetime.now(UTC).date().isoformat()
    assert chart.read_bytes().startswith(PNG_SIGNATURE)
    height, width, _ = image.imread(chart).shape
    assert (width, height) == (800, 300)

    plain = hubsync("budget", env=env, cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "marketing contacts: 4 (limit 4, headroom 0" in plain.stdout
    assert "900: budget: no room" in plain.stdout


def test_a_chart_that_cannot_be_written_is_one_line_and_exit_2(
    world: World, tmp_path: Path
) -> None:
    env = clean_env(**world.env())

    done = hubsync("budget", "--chart", str(tmp_path / "missing" / "x.png"), env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("hubsync:")]
    assert "cannot write the chart" in line
