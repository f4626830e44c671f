"""What a run reports: the first reasons in plain output, and each named channel's outcome."""

from __future__ import annotations

from typing import Any

from hubsync.domain.changes import gdpr_deleted, merged, recreated
from hubsync.domain.channel import Channel, parse_channel
from hubsync.domain.links import Link, Role
from hubsync.domain.outcome import ChannelOutcome, Outcome, channel_outcomes
from hubsync.domain.plan import Plan
from hubsync.report import result_dict, summary_lines
from hubsync.result import RunResult, WriteFailure
from tests.unit.factories import (
    ABSENT,
    HOLD,
    FakeHubSpot,
    contact,
    full_view,
    link_to,
    links_of,
    run,
    youtube_id,
)
from tests.unit.factories import channel_item as item


def result_of(plan: Plan, dry_run: bool = False, **fields: Any) -> RunResult:
    return RunResult("run1", "full", dry_run, "2024-01-01T00:00:00+00:00", plan, **fields)


def channels_of(*items: dict) -> list[Channel]:
    parsed = [parse_channel(i) for i in items]
    return [c for c in parsed if isinstance(c, Channel)]


# -- reasons in plain output ------------------------------------------------------------------


def test_plain_output_shows_the_first_five_rejected_and_flagged_and_points_to_json() -> None:
    rejected = [item(900 + n, yppStatus=ABSENT) for n in range(7)]
    flagged = [item(100 + n, email=ABSENT) for n in range(6)]

    lines = summary_lines(result_of(run([*rejected, *flagged]), dry_run=True))

    text = "\n".join(lines)
    assert "channels: 7 rejected" in text and "6 flagged" in text
    shown = [line for line in lines if "yppStatus is missing" in line]
    assert len(shown) == 5 and shown[0].strip() == f"{youtube_id(900)}: yppStatus is missing"
    assert "... and 2 more (--json lists them all)" in text
    assert sum("missing-email" in line for line in lines) == 5
    assert "... and 1 more (--json lists them all)" in text


def test_plain_output_of_a_clean_run_adds_no_reasons() -> None:
    lines = summary_lines(result_of(run([item(101)]), dry_run=True))
    assert not any("more (--json" in line or line.strip().endswith(":") for line in lines[1:])


def test_contacts_people_merged_or_deleted_are_counted_listed_and_shown() -> None:
    changes = [
        merged(101, "1", "9"),
        recreated(102, "2", "8"),
        gdpr_deleted(103, "3", "gone@example.com"),
    ]
    result = result_of(run([item(101)]), contact_changes=changes)

    data = result_dict(result)

    assert (data["merged"], data["recreated"], data["gdpr_deleted"]) == (1, 1, 1)
    assert data["details"]["contact_changes"][1] == {
        "kind": "recreated",
        "gleev_ids": [102],
        "contact_ids": ["2", "8"],
        "detail": "contact 2 was deleted in HubSpot; 8 was created from the channels table",
    }
    lines = summary_lines(result)
    assert any(
        line.startswith("  merged: 101 contact 1 -> 9: contact 1 was merged") for line in lines
    )
    assert any(line.startswith("  gdpr-deleted: 103 contact 3: ") for line in lines)


# -- outcomes of named channels ---------------------------------------------------------------


def outcomes(
    plan: Plan,
    named: dict[str, int],
    items: list[dict],
    links: dict[int, Link] | None = None,
    failures: dict[int, str] | None = None,
    written: dict[int, Outcome] | None = None,
    dry_run: bool = False,
) -> list[ChannelOutcome]:
    return channel_outcomes(
        named, channels_of(*items), plan, links or {}, failures or {}, written or {}, dry_run
    )


def test_a_created_channel_reports_the_contact_hubspot_gave_it() -> None:
    items = [item(101)]
    plan = run(items, scope=frozenset({101}))
    after = links_of(link_to(item(101), "C9"))

    (outcome,) = outcomes(plan, {"101": 101}, items, after, written={101: Outcome.CREATED})

    assert outcome == ChannelOutcome("101", 101, Outcome.CREATED, "C9", "new customer", "customer")


def test_a_dry_run_reports_what_would_be_done() -> None:
    items = [item(101)]
    plan = run(items, scope=frozenset({101}))

    (outcome,) = outcomes(plan, {youtube_id(101): 101}, items, dry_run=True)

    assert (outcome.channel, outcome.outcome, outcome.contact_id) == (
        youtube_id(101),
        Outcome.CREATED,
        None,
    )


def test_an_unchanged_channel_names_its_contact() -> None:
    items = [item(101)]
    hubspot = FakeHubSpot()
    hubspot.apply(run(items))
    (written,) = hubspot.contacts.values()
    plan = run(items, full_view(contact("C1", **written)), scope=frozenset({101}))

    (outcome,) = outcomes(plan, {"101": 101}, items)

    assert plan.writes == [] and outcome.outcome is Outcome.UNCHANGED
    assert outcome.contact_id == "C1"


def test_a_failed_write_reports_hubspots_reason() -> None:
    items = [item(101)]
    plan = run(items, scope=frozenset({101}))

    (outcome,) = outcomes(plan, {"101": 101}, items, failures={101: "VALIDATION_ERROR: bad"})

    assert (outcome.outcome, outcome.detail) == (Outcome.FAILED, "VALIDATION_ERROR: bad")


def test_an_unverified_channel_that_referred_nobody_is_skipped() -> None:
    items = [item(101, yppStatus="Unverified")]
    plan = run(items, scope=frozenset({101}))

    (outcome,) = outcomes(plan, {"101": 101}, items)

    assert outcome.outcome is Outcome.SKIPPED and outcome.contact_id is None


def test_a_held_channel_reports_its_conflict_and_why() -> None:
    items = [item(101, email="a@example.com"), item(102, email="a@example.com")]
    plan = run(items, scope=frozenset({102}), duplicate_policy=HOLD)

    (outcome,) = outcomes(plan, {"102": 102}, items)

    assert outcome.outcome is Outcome.HELD
    assert "shares its e-mail with channel 101" in outcome.detail
    assert outcome.conflicts and outcome.conflicts[0].startswith("duplicate-email: ")


def test_a_flagged_channel_carries_its_flag() -> None:
    items = [item(101, email="not an e-mail")]
    plan = run(items, scope=frozenset({101}))

    (outcome,) = outcomes(plan, {"101": 101}, items, dry_run=True)

    assert outcome.flag == "invalid-email"


def test_a_409_resolved_to_its_own_contact_is_reported_as_linked() -> None:
    items = [item(101)]
    plan = run(items, scope=frozenset({101}))
    after = links_of(link_to(item(101), "C5"))

    (outcome,) = outcomes(plan, {"101": 101}, items, after)

    assert (outcome.outcome, outcome.contact_id) == (Outcome.UNCHANGED, "C5")
    assert outcome.detail == "linked to the contact HubSpot already had"


# -- a run of named channels counts only them ------------------------------------------------


def test_a_named_run_counts_and_lists_only_its_channels() -> None:
    items = [
        item(101),
        item(102, yppStatus="Unverified"),
        item(900, yppStatus=ABSENT),
        item(103, email=ABSENT),
    ]
    links = links_of(Link(50, "C50", "h", Role.CUSTOMER), Link(51, "C50", "h", Role.CUSTOMER))
    plan = run(items, links=links, scope=frozenset({101}))
    named = outcomes(plan, {"101": 101}, items, written={101: Outcome.CREATED})
    failure = WriteFailure(103, "create", "VALIDATION_ERROR", "other channel")
    result = result_of(plan, created=1, channels=named, failures=[failure])

    report = result_dict(result)

    assert (report["created"], report["unchanged"], report["failed"]) == (1, 0, 0)
    assert (report["rejected"], report["unverified_skipped"], report["flagged"]) == (0, 0, 0)
    assert report["conflicts"] == 0  # 50 and 51 share a contact, but neither is named
    assert report["details"]["rejected"] == [] and report["details"]["conflicts"] == []
    assert report["channels"] == [
        {
            "channel": "101",
            "gleev_id": 101,
            "outcome": "created",
            "contact_id": None,
            "detail": "new customer",
            "role": "customer",
            "flag": None,
            "conflicts": [],
        }
    ]
    lines = summary_lines(result)
    assert "  channel 101: created as customer: new customer" in lines
    assert not any("yppStatus is missing" in line for line in lines)


def test_a_table_run_reports_no_channels() -> None:
    assert result_dict(result_of(run([item(101)]), dry_run=True))["channels"] == []
