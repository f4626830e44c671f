"""Sorting one batch's answers, the links' one owner, and the run record as it is stored."""

from __future__ import annotations

import json

import pytest

from hubsync.batch import SecondRound, sort_outcomes
from hubsync.domain.changes import merged, recreated
from hubsync.domain.links import Link, Role
from hubsync.domain.outcome import ChannelOutcome, Outcome
from hubsync.domain.plan import Action, Write
from hubsync.domain.target import customer_target
from hubsync.hubspot.gateway import WriteOutcome
from hubsync.result import RunRecord, RunResult, UnreadableRecord, WriteFailure
from hubsync.state.link_book import LinkBook
from tests.unit.factories import (
    ABSENT,
    KEY,
    channel,
    email_of,
    run,
    youtube_id,
)
from tests.unit.factories import channel_item as item
from tests.unit.fakes import FakeStateStore

INVALID = 'Property values were not valid: [{"error":"INVALID_EMAIL","name":"email"}]'


def create(gleev_id: int, **overrides: object) -> Write:
    target = customer_target(channel(gleev_id, **overrides), KEY, Role.CUSTOMER)
    return Write(target, Action.CREATE, "new", id_property="email")


def update(gleev_id: int) -> Write:
    target = customer_target(channel(gleev_id), KEY, Role.CUSTOMER)
    return Write(target, Action.UPDATE, "changed", changes={"channel_title": "x"}, contact_id="9")


def failed(
    trace_id: str, category: str, message: str = "", existing: str | None = None
) -> WriteOutcome:
    return WriteOutcome(
        trace_id,
        ok=False,
        error_category=category,
        error_message=message,
        existing_contact_id=existing,
    )


# -- sort_outcomes ---------------------------------------------------------------------------


def test_each_answer_is_sorted_into_confirmed_second_round_failed_and_gone() -> None:
    batch = [create(1), create(2), create(3), update(4), create(5), create(6)]
    outcomes = {
        "1": WriteOutcome("1", ok=True, contact_id="c1", created=True),
        "2": failed("2", "CONFLICT", "Contact already exists. Existing ID: 77", existing="77"),
        "3": failed("3", "VALIDATION_ERROR", INVALID),
        "4": failed("4", "OBJECT_NOT_FOUND", "Could not get some CONTACT objects"),
        "5": failed("5", "VALIDATION_ERROR", "line one\nline two"),
    }

    answered = sort_outcomes(batch, outcomes, second_round=True)

    assert [(c.write.target.gleev_id, c.contact_id) for c in answered.confirmed] == [(1, "c1")]
    assert answered.second_round.existing_contacts == {2: "77"}
    assert answered.second_round.refused_emails == {3: email_of(3)}
    assert answered.failed == [
        WriteFailure(4, "update", "OBJECT_NOT_FOUND", "Could not get some CONTACT objects"),
        WriteFailure(5, "create", "VALIDATION_ERROR", "line one line two"),
        WriteFailure(6, "create", "MISSING", "HubSpot gave no answer for it"),
    ]
    assert answered.gone == [4]


def test_without_a_second_round_what_it_could_fix_fails() -> None:
    outcomes = {"2": failed("2", "CONFLICT", "Contact already exists. Existing ID: 77", "77")}

    answered = sort_outcomes([create(2)], outcomes, second_round=False)

    assert len(answered.second_round) == 0
    assert [(f.gleev_id, f.category) for f in answered.failed] == [(2, "CONFLICT")]


def test_a_confirmation_without_a_contact_id_is_no_confirmation() -> None:
    answered = sort_outcomes([create(1)], {"1": WriteOutcome("1", ok=True)}, second_round=True)

    assert answered.confirmed == [] and [f.category for f in answered.failed] == ["ERROR"]


def test_an_invalid_email_of_a_channel_without_one_is_a_plain_failure() -> None:
    outcomes = {"1": failed("1", "VALIDATION_ERROR", INVALID)}

    answered = sort_outcomes([create(1, email=ABSENT)], outcomes, second_round=True)

    assert len(answered.second_round) == 0 and len(answered.failed) == 1


# -- LinkBook --------------------------------------------------------------------------------


def test_the_link_book_keeps_the_table_and_the_run_in_step() -> None:
    old = Link(1, "c1", "h1", Role.CUSTOMER)
    state = FakeStateStore(old, Link(2, "c2", "h2", Role.CUSTOMER))
    book = LinkBook(state, state.load_links())
    new = Link(3, "c3", "h3", Role.REFERRER)

    book.confirm([new])
    book.mark_gone([2, 99])

    gone = Link(2, "c2", "", Role.CUSTOMER)  # its old contact id kept, its hash dropped
    assert book.links == state.links == {1: old, 2: gone, 3: new}
    assert book.get(3) == new and book.get(99) is None


# -- RunRecord -------------------------------------------------------------------------------


def recorded_run() -> RunRecord:
    items = [item(101, email="shared@example.com"), item(102, email="shared@example.com")]
    plan = run([*items, item(103, yppStatus="Pending"), item(104, email="not an e-mail")])
    failure = WriteFailure(101, "create", "VALIDATION_ERROR", "bad")
    named = [
        ChannelOutcome("101", 101, Outcome.FAILED, None, "bad", "customer", None, ("x",)),
        ChannelOutcome(youtube_id(103), 103, Outcome.SKIPPED, None, "rejected"),
        ChannelOutcome("104", 104, Outcome.CREATED, "c4", "new", "customer", "invalid-email"),
    ]
    result = RunResult(
        "run1",
        "full",
        False,
        "2024-01-01T00:00:00+00:00",
        plan,
        created=2,
        failures=[failure],
        api_calls={"contacts.batch_upsert": 2, "properties.list": 1},
        retries={"contacts.batch_upsert": 1},
        timings={"plan_s": 0.5},
        channels=named,
        contact_changes=[merged(101, "c1", "c9"), recreated(104, "c0", "c4"), merged(7, "a", "b")],
    )
    return result.record()


def test_a_run_record_survives_json_as_it_was() -> None:
    record = recorded_run()
    assert record.details.conflicts and record.details.rejected and record.details.flagged
    # Only the named channels' changes, counted by kind.
    assert [c.gleev_ids for c in record.details.contact_changes] == [(101,), (104,)]
    assert (record.counts.merged, record.counts.recreated, record.counts.gdpr_deleted) == (1, 1, 0)

    stored = json.loads(json.dumps(record.to_item()))

    assert stored["version"] == 1
    assert RunRecord.from_item(stored) == record


def test_a_record_of_another_version_or_shape_is_refused_by_name() -> None:
    stored = recorded_run().to_item()

    with pytest.raises(UnreadableRecord, match="version 2 is not 1"):
        RunRecord.from_item({**stored, "version": 2})
    with pytest.raises(UnreadableRecord, match="version None"):
        RunRecord.from_item({"created": 3})
    with pytest.raises(UnreadableRecord, match="incomplete or malformed"):
        RunRecord.from_item({**stored, "counts": {"created": 1}})


def test_the_record_keeps_only_the_first_details_it_is_given_room_for() -> None:
    items = [item(200 + n, email=ABSENT) for n in range(7)]
    result = RunResult("run1", "full", True, "2024-01-01T00:00:00+00:00", run(items))

    record = result.record(details_limit=3)

    assert len(record.details.flagged) == 3 and record.counts.flagged == 7


def test_a_record_from_before_contact_changes_reads_them_as_none() -> None:
    stored = recorded_run().to_item()
    counts = {k: v for k, v in stored["counts"].items() if k not in ("merged", "recreated")}
    details = {k: v for k, v in stored["details"].items() if k != "contact_changes"}
    record = RunRecord.from_item({**stored, "counts": counts, "details": details})
    assert record.details.contact_changes == () and record.counts.merged == 0


def test_a_create_hubspot_answers_as_an_update_still_counts_as_created() -> None:
    write = create(101)
    outcome = WriteOutcome("101", ok=True, contact_id="7", created=False)
    (done,) = sort_outcomes([write], {"101": outcome}, second_round=True).confirmed
    assert done.created
    (changed,) = sort_outcomes([update(102)], {"102": outcome}, second_round=True).confirmed
    assert not changed.created


def test_an_email_refused_when_recreating_a_deleted_contact_goes_to_gdpr_refused() -> None:
    again = create(101)
    again.replaces = "5"
    outcomes = {
        "101": failed("101", "VALIDATION_ERROR", INVALID),
        "102": failed("102", "VALIDATION_ERROR", INVALID),
    }
    second = sort_outcomes([again, create(102)], outcomes, second_round=True).second_round
    assert second.gdpr_refused == {101: email_of(101)}
    assert second.refused_emails == {102: email_of(102)}
    merged_round = SecondRound()
    merged_round.add(second)
    assert len(merged_round) == 2 and merged_round.gdpr_refused == second.gdpr_refused
