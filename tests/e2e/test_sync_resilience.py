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

from hubsync.sandbox.seed import generate_channels, generate_leads
from tests.e2e.world import FAST_RETRIES, KEY, World
from tests.sandbox.openapi import assert_valid_exchanges
from tests.unit.factories import channel_item


def _signed_up_gleev_ids(items: list[dict]) -> set[int]:
    return {
        int(i["joystreamChannelId"])
        for i in items
        if i.get("yppStatus") not in (None, "Unverified")
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
    upserts = [e for e in world.hubspot.store.journal if e.path.endswith("/batch/upsert")]
    assert [len(e.request_body["inputs"]) for e in upserts] == [6, 1]  # the five not resent
    assert upserts[0].status == 207
    [error] = upserts[0].response_body["errors"]
    assert "INVALID_EMAIL" in str(error)
    refused = world.by_key(200)
    assert not refused.get("email") and refused["hubsync_flag"] == "invalid-email"
    assert any(f.gleev_id == 200 and f.flag == "invalid-email" for f in result.plan.flagged)
    again = world.sync()
    assert again.write_calls == 0 and again.read_calls == 0  # the refusal is remembered


def test_409_existing_contact_is_linked_not_duplicated(world: World) -> None:
    world.put(channel_item(101))
    world.sync()
    legacy = world.hubspot.store.add_contact({KEY: "102", "lifecyclestage": "customer"})
    world.hubspot.config.search_index_delay_s = 60  # the legacy contact is not searchable yet
    world.put(channel_item(102))

    result = world.sync()

    assert result.resolved_conflicts == 1 and result.failures == []
    contact = world.hubspot.store.get(legacy)["properties"]
    assert contact["email"] == "creator102@example.com"
    world.assert_no_duplicates()
    assert len(world.contacts()) == 2


def test_429_storm_is_ridden_out(world: World) -> None:
    world.hubspot.config.requests_per_10s = 3
    world.hubspot.config.rate_window_s = 0.5
    world.retry_policy = replace(FAST_RETRIES, rolling_window_s=0.5)
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

    world.hubspot.config.latency_s = 0
    world.sync()

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
    assert_valid_exchanges(world.hubspot.store.journal)
