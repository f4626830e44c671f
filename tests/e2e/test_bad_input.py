"""Bad channel items as a user meets them: `hubsync sync --json` in a real process, against
moto's DynamoDB and the HubSpot sandbox. What identifies a channel rejects it; anything else
is synced blank (or cut to fit) and flagged, and a second full run writes nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.e2e.test_cli import hubsync
from tests.e2e.world import World, clean_env
from tests.unit.factories import ABSENT, channel_item, youtube_id


def sync_json(world: World, cwd: Path, *args: str) -> tuple[dict[str, Any], list[dict]]:
    """One run: its JSON report and its JSON log events."""
    env = clean_env(**world.env(), HUBSYNC_LOG_FORMAT="json")
    done = hubsync("sync", "--json", *args, env=env, cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout), [json.loads(line) for line in done.stderr.splitlines()]


def flagged_by_id(report: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {f["gleev_id"]: f for f in report["details"]["flagged"]}


def assert_full_run_writes_nothing(world: World, cwd: Path) -> None:
    again, _ = sync_json(world, cwd, "--full")
    assert (again["created"], again["updated"], again["failed"]) == (0, 0, 0)
    assert again["api_calls"]["writes"] == 0


def test_bad_secondary_fields_are_synced_blank_and_flagged(world: World, tmp_path: Path) -> None:
    world.put(
        channel_item(101, statistics={"subscriberCount": "12,000", "videoCount": 34}),
        channel_item(102, statistics={"subscriberCount": 1200, "videoCount": Decimal("1.5")}),
        channel_item(103, statistics={"subscriberCount": True, "videoCount": 34}),
        channel_item(104, title=12345),
        channel_item(105, createdAt=1704873600000),
        channel_item(106, referrerChannelId="abc"),
        channel_item(107, email=ABSENT, title=12345),
    )

    report, _ = sync_json(world, tmp_path)

    assert (report["created"], report["rejected"], report["failed"]) == (7, 0, 0)
    flagged = flagged_by_id(report)
    assert flagged[101] == {
        "gleev_id": 101,
        "youtube_id": youtube_id(101),
        "flag": "bad-field:statistics.subscriberCount",
        "reason": "statistics.subscriberCount is not a whole number ('12,000')",
    }
    assert flagged[102]["flag"] == "bad-field:statistics.videoCount"
    assert flagged[103]["reason"] == "statistics.subscriberCount is not a number (True)"
    assert flagged[104]["reason"] == "title is not a string (int)"
    assert flagged[105]["reason"] == "createdAt is not a string (int)"
    assert flagged[106]["reason"] == "referrerChannelId is not a whole number ('abc')"
    assert flagged[107]["flag"] == "missing-email;bad-field:title"
    customer = world.by_key(101)
    assert customer["email"] == "creator101@example.com"
    assert customer["lifecyclestage"] == "customer" and customer["videoscount"] == "34"
    assert not customer.get("total_subscribers")
    assert customer["hubsync_flag"] == "bad-field:statistics.subscriberCount"
    assert not world.by_key(104).get("channel_title")
    assert not world.by_key(105).get("date_signed_up_to_ypp")
    assert not world.by_key(106).get("referredby")
    assert world.by_key(107)["hubsync_flag"] == "missing-email;bad-field:title"
    assert_full_run_writes_nothing(world, tmp_path)


def test_statuses_are_read_as_the_handbook_spells_them_and_unknown_ones_rejected(
    world: World, tmp_path: Path
) -> None:
    world.put(
        channel_item(201, yppStatus="UNVERIFIED"),
        channel_item(202, yppStatus=" verified::gold "),
        channel_item(203, yppStatus="Pending"),
    )

    report, _ = sync_json(world, tmp_path)

    assert (report["created"], report["unverified_skipped"], report["rejected"]) == (1, 1, 1)
    assert report["details"]["rejected"] == [
        {"item": youtube_id(203), "reason": "yppStatus is not a known YPP status ('Pending')"}
    ]
    assert [c["properties"]["gleev_channel_id"] for c in world.contacts()] == ["202"]
    assert world.by_key(202)["yppstatus"] == "Verified::Gold"


def test_values_at_the_edges_are_flagged_or_rejected_and_never_drift(
    world: World, tmp_path: Path
) -> None:
    world.put(
        channel_item(301, publishedAt="0001-01-01T00:00:00Z"),
        channel_item(302, joystreamChannelId=-5),
        channel_item(303, id="UCbig", joystreamChannelId=10**30),
        channel_item(304, createdAt="yesterday"),
        channel_item(305, referrerChannelId=305),
        channel_item(306, referrerChannelId=307),
        channel_item(307, referrerChannelId=306),
    )

    report, _ = sync_json(world, tmp_path)

    assert (report["created"], report["failed"]) == (5, 0)
    reasons = {r["item"]: r["reason"] for r in report["details"]["rejected"]}
    assert reasons == {
        youtube_id(302): "joystreamChannelId is out of range (-5; a Gleev id is 1 to "
        "9007199254740991)",
        "UCbig": "joystreamChannelId is out of range (1000000000000000000000000000000; "
        "a Gleev id is 1 to 9007199254740991)",
    }
    flagged = flagged_by_id(report)
    assert flagged[301]["flag"] == "bad-field:publishedAt"
    assert flagged[304]["reason"] == "createdAt is not a date between 1970 and 9999 ('yesterday')"
    assert flagged[305]["reason"] == "referrerChannelId is the channel itself (305)"
    assert flagged[306]["reason"] == "referral cycle 306 -> 307 -> 306"
    assert flagged[307]["flag"] == "referral-cycle"
    assert not world.by_key(301).get("dateytchannelcreated")
    assert not world.by_key(305).get("referredby")
    assert world.by_key(306)["referredby"] == "307"
    assert_full_run_writes_nothing(world, tmp_path)


def test_title_longer_than_hubspot_allows_is_cut_and_flagged(world: World, tmp_path: Path) -> None:
    world.put(channel_item(401, title="t" * 70_000))

    report, _ = sync_json(world, tmp_path)

    assert (report["created"], report["failed"]) == (1, 0)
    contact = world.by_key(401)
    assert contact["channel_title"] == "t" * 65_536
    assert contact["hubsync_flag"] == "truncated:title"
    assert flagged_by_id(report)[401]["reason"] == (
        "title is longer than HubSpot's 65,536 characters; cut to fit"
    )
    assert_full_run_writes_nothing(world, tmp_path)


def test_log_and_report_never_give_two_numbers_for_one_thing(world: World, tmp_path: Path) -> None:
    world.put(
        channel_item(501),
        channel_item(502, joystreamChannelId="abc"),
        channel_item(503, yppStatus="Pending"),
        channel_item(504, id="UCfirst", createdAt="2024-01-01T00:00:00Z"),
        channel_item(504, id="UClater", createdAt="2024-02-01T00:00:00Z"),
    )

    report, events = sync_json(world, tmp_path)

    [loaded] = [e for e in events if e.get("event") == "loaded"]
    assert "rejected" not in loaded
    assert loaded["invalid"] == 2
    assert report["rejected"] == 3  # the invalid items and the later item claiming Gleev id 504
    [finished] = [e for e in events if e.get("event") == "run finished"]
    assert finished["rejected"] == report["rejected"]
    assert sorted(r["item"] for r in report["details"]["rejected"]) == sorted(
        [youtube_id(502), youtube_id(503), "UClater"]
    )
