"""The sandbox seed: deterministic, shaped like production data, messy in the right amounts."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from hubsync_sandbox.seed import (
    CATEGORY_IDS,
    SeedSummary,
    generate_bad_items,
    generate_channels,
    generate_leads,
    normalized_email,
)

COUNT = 2000
YOUTUBE_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
KNOWN_STATUSES = {
    "Unverified",
    "OptedOut",
    *(f"Verified::{tier}" for tier in ("Bronze", "Silver", "Gold", "Diamond")),
    *(
        f"Suspended::{reason}"
        for reason in (
            "CopyrightBreach",
            "MisleadingContent",
            "ProgramTermsExploit",
            "UnsupportedTopic",
        )
    ),
}
LEAD_STATUSES = {"NEW", "OPEN", "IN_PROGRESS", "ATTEMPTED_TO_CONTACT", "BAD_TIMING", "UNQUALIFIED"}


@pytest.fixture(scope="module")
def channels() -> list[dict[str, Any]]:
    return generate_channels(COUNT)


def share(count: int) -> float:
    return count / COUNT


def parse(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for inner in value.values() for leaf in leaves(inner)]
    return [value]


def test_same_seed_same_data_other_seed_other_data() -> None:
    assert generate_channels(300, seed=3) == generate_channels(300, seed=3)
    assert generate_channels(300, seed=3) != generate_channels(300, seed=4)
    assert generate_bad_items(3) == generate_bad_items(3)
    channels = generate_channels(300, seed=3)
    assert generate_leads(channels, 100, seed=3) == generate_leads(channels, 100, seed=3)


def test_small_counts() -> None:
    assert generate_channels(0) == []
    assert len(generate_channels(1)) == 1
    assert len(generate_channels(2)) == 2


def test_keys_and_ids(channels: list[dict[str, Any]]) -> None:
    assert len({(c["userId"], c["id"]) for c in channels}) == COUNT
    assert all(YOUTUBE_CHANNEL_ID.match(c["id"]) for c in channels)
    gleev_ids = [c["joystreamChannelId"] for c in channels]
    assert gleev_ids[0] == 1000
    assert gleev_ids == sorted(set(gleev_ids))
    assert generate_channels(5, start_gleev_id=70_000)[0]["joystreamChannelId"] == 70_000


def test_numbers_are_ints_and_some_counts_are_strings(channels: list[dict[str, Any]]) -> None:
    values = [leaf for channel in channels for leaf in leaves(channel)]
    assert not any(isinstance(value, float) for value in values)
    counts = [c["statistics"]["subscriberCount"] for c in channels if "statistics" in c]
    as_text = sum(isinstance(count, str) for count in counts)
    assert 0.05 < as_text / len(counts) < 0.15
    assert all(count.isdigit() for count in counts if isinstance(count, str))


def test_timestamps(channels: list[dict[str, Any]]) -> None:
    created = [parse(c["createdAt"]) for c in channels]
    assert max(created) - min(created) > timedelta(days=650)
    assert max(created) - min(created) <= timedelta(days=730)
    for channel, signed_up in zip(channels, created, strict=True):
        assert parse(channel["updatedAt"]) >= signed_up
        assert parse(channel["publishedAt"]) < signed_up
        if "processedAt" in channel:
            assert signed_up < parse(channel["processedAt"]) <= parse(channel["updatedAt"])


def test_processed_at_only_for_verified_and_suspended(channels: list[dict[str, Any]]) -> None:
    for channel in channels:
        decided = channel["yppStatus"].startswith(("Verified::", "Suspended::"))
        assert ("processedAt" in channel) == decided


def test_status_mix(channels: list[dict[str, Any]]) -> None:
    statuses = Counter(c["yppStatus"] for c in channels)
    verified = sum(n for status, n in statuses.items() if status.startswith("Verified::"))
    suspended = sum(n for status, n in statuses.items() if status.startswith("Suspended::"))
    unknown = sum(n for status, n in statuses.items() if status not in KNOWN_STATUSES)
    assert 0.60 < share(verified) < 0.80
    assert 0.12 < share(statuses["Unverified"]) < 0.18
    assert 0.03 < share(suspended) < 0.11
    assert 0.02 < share(statuses["OptedOut"]) < 0.06
    assert 0 < unknown < 0.05 * COUNT
    assert statuses["Pending"] > 0


def test_categories_tokens_and_other_attributes(channels: list[dict[str, Any]]) -> None:
    assert {c["videoCategoryId"] for c in channels} == set(CATEGORY_IDS)
    assert all(c["userAccessToken"].startswith("ya29.SECRET-") for c in channels)
    assert all(c["userRefreshToken"].startswith("1//SECRET-") for c in channels)
    assert all(c["description"] and c["title"] for c in channels)
    assert 0.01 < share(sum("statistics" not in c for c in channels)) < 0.05


def test_referrals(channels: list[dict[str, Any]]) -> None:
    gleev_ids = {c["joystreamChannelId"] for c in channels}
    referred = [c for c in channels if "referrerChannelId" in c]
    outside = {c["referrerChannelId"] for c in referred} - gleev_ids
    assert 0.25 < share(len(referred)) < 0.35
    assert all(c["referrerChannelId"] != c["joystreamChannelId"] for c in referred)
    assert all(isinstance(c["referrerChannelId"], int) for c in referred)
    assert len(outside) >= 10
    assert min(outside) > min(gleev_ids)  # ids of Gleev channels that never joined YPP


def test_email_mess(channels: list[dict[str, Any]]) -> None:
    emails = [c.get("email") for c in channels]
    missing = sum(email is None for email in emails)
    invalid = sum(email is not None and normalized_email(email) is None for email in emails)
    groups = Counter(address for address in map(normalized_email, emails) if address)
    shared = [n for n in groups.values() if n > 1]
    assert share(missing) == pytest.approx(0.03, abs=0.005)
    assert share(invalid) == pytest.approx(0.01, abs=0.005)
    assert share(sum(shared)) == pytest.approx(0.05, abs=0.005)
    assert set(shared) <= {2, 3}
    assert any(email and email != email.strip() for email in emails)
    assert any(email and email.strip() != email.strip().lower() for email in emails)


def test_bad_items_keep_the_table_keys() -> None:
    bad = generate_bad_items()

    assert all(YOUTUBE_CHANNEL_ID.match(item["id"]) and item["userId"] for item in bad)
    assert sum("joystreamChannelId" not in item and "yppStatus" in item for item in bad) == 1
    assert sum(item.get("joystreamChannelId") == "abc" for item in bad) == 1
    assert sum("yppStatus" not in item and "joystreamChannelId" in item for item in bad) == 1
    assert {"userId", "id"} in [set(item) for item in bad]


def test_leads(channels: list[dict[str, Any]]) -> None:
    leads = generate_leads(channels, 400)
    raw_channel_emails = {c["email"].strip() for c in channels if c.get("email")}
    channel_addresses = {normalized_email(c.get("email")) for c in channels} - {None}

    matching = [lead for lead in leads if normalized_email(lead["email"]) in channel_addresses]
    assert len(leads) == 400
    assert len(matching) == 40
    assert not any(lead["email"] in raw_channel_emails for lead in matching)
    assert len({normalized_email(lead["email"]) for lead in leads}) == 400
    assert all(lead["lifecyclestage"] == "lead" for lead in leads)
    assert {lead["hs_lead_status"] for lead in leads} == LEAD_STATUSES
    assert all(lead["firstname"] and lead["lastname"] for lead in leads)


def test_summary_counts_what_was_generated(channels: list[dict[str, Any]]) -> None:
    bad = generate_bad_items()
    leads = generate_leads(channels, 400)

    summary = SeedSummary.of(channels, bad, leads)

    assert summary.channels == COUNT
    assert sum(summary.by_status.values()) == COUNT
    assert summary.channels_in_duplicate_groups == 100
    assert 34 <= summary.duplicate_email_groups <= 50
    assert (summary.missing_emails, summary.invalid_emails) == (60, 20)
    assert summary.referrers_outside_table >= 10
    assert (summary.bad_items, summary.leads, summary.leads_matching_channels) == (4, 400, 40)
    lines = summary.lines()
    assert lines[0].startswith(f"channels: {COUNT} (")
    assert "leads: 400 (40 with a channel's e-mail)" in lines
