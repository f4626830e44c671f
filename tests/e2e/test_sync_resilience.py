"""Sync runs when things go wrong: refused records, 409s, 429 storms, 5xx, a killed process,
and a realistic table of 1,000+ channels."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from hubsync.domain.channel import UNVERIFIED, YPP_STATUSES
from hubsync.state.store import StateStore
from hubsync_sandbox.seed import generate_channels, generate_leads
from sandbox.tests.openapi import assert_valid_exchanges
from tests.e2e.world import FAST_RETRIES, KEY, World
from tests.unit.factories import channel_item


def _signed_up_gleev_ids(items: list[dict]) -> set[int]:
    return {
        int(i["joystreamChannelId"])
        for i in items
        if i.get("yppStatus") in YPP_STATUSES
        and i["yppStatus"] != UNVERIFIED
        and str(i.get("joystreamChannelId", "")).isdigit()
    }


def test_a_record_hubspot_refuses_fails_alone_and_is_synced_without_its_email(
    world: World,
) -> None:
    # Plausible enough for hubsync's own check, refused by HubSpot (two dots in a row).
    world.put(
        *(channel_item(100 + n) for n in range(5)), channel_item(200, email="a..b@example.com")
    )

    result = world.sync()

    assert result.failures == [] and result.created == 6
    upserts = [e for e in world.journal() if e.path.endswith("/batch/upsert")]
    # HubSpot refuses the whole batch, naming the culprit; the engine resends the other five
    # at once, then the refused channel without its e-mail.
    assert [len(e.request_body["inputs"]) for e in upserts] == [6, 5, 1]
    assert upserts[0].status == 400
    assert "INVALID_EMAIL" in upserts[0].response_body["message"]
    assert upserts[0].response_body["context"]["objectWriteTraceId"] == ["200"]
    refused = world.by_key(200)
    assert not refused.get("email") and refused["hubsync_flag"] == "invalid-email"
    assert any(f.gleev_id == 200 and f.flag == "invalid-email" for f in result.plan.flagged)
    again = world.sync()
    # The refusal is remembered: the preflight and the marketing-contact count only.
    assert again.api_calls == {"properties.list": 1, "contacts.search": 1}


LIST = "/crm/v3/objects/contacts"


def test_409_existing_contact_is_linked_not_duplicated(world: World) -> None:
    world.put(channel_item(102))
    world.hubspot.config.latency_s = 0.2
    created: list[str] = []
    # Someone creates a contact carrying channel 102's Gleev id after hubsync listed contacts:
    # the upsert by e-mail then collides with it on the unique key (409, Existing ID).
    human = world.meanwhile(
        "GET", LIST, lambda: created.append(world.hubspot.store.add_contact({KEY: "102"}))
    )

    result = world.sync()

    human.join(timeout=5)
    assert result.resolved_conflicts == 1 and result.failures == []
    contact = world.by_id(created[0])
    assert contact["email"] == "creator102@example.com"
    assert contact["lifecyclestage"] == "customer"
    assert len(world.contacts()) == 1
    assert world.sync().plan.writes == []


@pytest.mark.parametrize("policy", ["separate", "hold"])
def test_409_on_another_channels_contact_is_reported_not_taken(world: World, policy: str) -> None:
    world.put(channel_item(101, referrerChannelId=500))
    world.sync()  # 500 is a referrer contact, without e-mail
    world.put(channel_item(500, email="taken@example.com"))
    world.hubspot.config.latency_s = 0.2
    other: list[str] = []
    # After hubsync's last read (the linked contact, then who holds the e-mail), someone
    # gives the e-mail to channel 900: the update setting it gets a 409.
    human = world.meanwhile(
        "POST",
        f"{LIST}/batch/read",
        lambda: other.append(
            world.hubspot.store.add_contact(
                {"email": "taken@example.com", KEY: "900", "lifecyclestage": "customer"}
            )
        ),
        nth=2,
    )

    result = world.sync(duplicate_email_policy=policy)

    human.join(timeout=5)
    assert world.by_id(other[0])[KEY] == "900"
    assert [c.kind.value for c in result.plan.conflicts] == ["email-taken"]
    assert result.resolved_conflicts == 0 and result.failures == []
    referrer = world.by_key(500)
    assert not referrer.get("email")
    if policy == "hold":
        assert [h.gleev_id for h in result.plan.held] == [500]
        assert referrer["hs_lead_status"] == "REFERRER"
    else:
        assert referrer["hs_lead_status"] == "CONNECTED"
        assert referrer["hubsync_flag"] == f"email-on-contact:{other[0]}"


def test_429_storm_is_ridden_out(world: World) -> None:
    # One request a second: consecutive calls hit the limit however slow a loaded machine is
    # (three per half second let a slow run slip between the 429s).
    world.hubspot.config.requests_per_10s = 1
    world.hubspot.config.rate_window_s = 1.0
    world.retry_policy = replace(FAST_RETRIES, rolling_window_s=1.0)
    world.put(*(channel_item(1000 + n) for n in range(250)))

    result = world.sync(hubspot_requests_per_10s=10_000)

    assert result.created == 250 and result.failures == []
    assert sum(result.retries.values()) > 0
    world.assert_no_duplicates()


@pytest.mark.sandbox(fault_rate=0.3, drop_rate=0.1, seed=11)
def test_5xx_and_dropped_connections_are_retried(world: World) -> None:
    world.put(*(channel_item(1000 + n, referrerChannelId=5000 + n % 7) for n in range(250)))

    result = world.sync()

    assert result.failures == []
    assert sum(result.retries.values()) > 0
    assert len(world.contacts()) == 257
    world.assert_no_duplicates()


def test_killed_mid_run_then_rerun_gives_exactly_the_expected_contacts(world: World) -> None:
    count = 1000
    world.put(*(channel_item(10_000 + n) for n in range(count)))
    world.hubspot.config.latency_s = 0.15
    env = {**os.environ, **world.env(), "HUBSYNC_LOG_FORMAT": "json"}
    process = subprocess.Popen(
        [sys.executable, "-m", "hubsync", "sync"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(world.contacts()) < 200 and time.monotonic() < deadline:
            time.sleep(0.02)
        written_before_kill = len(world.contacts())
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert 200 <= written_before_kill < count, "the kill must land mid-run"
    saved = StateStore(world.tables.client, world.tables.state).load_links()
    assert len(saved) >= 100, "each batch HubSpot confirmed is remembered at once"

    world.hubspot.config.latency_s = 0
    rerun = world.sync()
    assert rerun.mode == "incremental"

    contacts = world.contacts()
    assert len(contacts) == count
    assert {c["properties"][KEY] for c in contacts} == {str(10_000 + n) for n in range(count)}
    world.assert_no_duplicates()
    assert world.sync().plan.writes == []


def test_a_thousand_realistic_channels_end_to_end(world: World) -> None:
    items = generate_channels(1200, seed=3)
    for lead in generate_leads(items, 300, seed=3):
        world.hubspot.store.add_contact(lead)
    world.put(*items)

    first = world.sync()

    assert first.failures == []
    synced_keys = {
        c["properties"][KEY] for c in world.contacts() if c["properties"].get(KEY) is not None
    }
    assert {str(g) for g in _signed_up_gleev_ids(items)} <= synced_keys
    world.assert_no_duplicates()
    second = world.sync()
    assert second.plan.writes == [] and second.write_calls == 0
    full = world.sync(full=True)
    assert full.plan.writes == []
    assert_valid_exchanges(world.journal())
