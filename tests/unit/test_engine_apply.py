"""The engine on in-memory ports: every way HubSpot can answer a batch, and what is remembered."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from hubsync.app import build_engine
from hubsync.domain.outcome import Outcome
from hubsync.engine import RunOptions, SyncEngine
from hubsync.hubspot.gateway import UPDATE_ENDPOINT, UPSERT_ENDPOINT
from hubsync.result import RunResult
from hubsync.settings import Settings
from tests.unit.factories import KEY, email_of
from tests.unit.factories import channel_item as item
from tests.unit.fakes import FakeBudgetRecords, FakeChannelTable, FakePortal, FakeStateStore


class Parts:
    """One set of ports, kept from run to run like the real tables and portal."""

    def __init__(self, *items: dict[str, Any]) -> None:
        self.table = FakeChannelTable(*items)
        self.portal = FakePortal()
        self.state = FakeStateStore()
        self.budget = FakeBudgetRecords()

    def engine(self, **settings: Any) -> SyncEngine:
        return build_engine(
            Settings(hubspot_token=SecretStr("t"), **settings),
            channels=self.table,
            hubspot=self.portal,
            state=self.state,
            budget_records=self.budget,
        )

    def sync(self, **options: Any) -> RunResult:
        return self.engine().run(RunOptions(**options), "run1")


def test_confirmed_writes_are_counted_linked_and_recorded() -> None:
    parts = Parts(item(101), item(102))

    result = parts.sync()

    assert (result.mode, result.created, result.updated, result.failures) == ("full", 2, 0, [])
    assert result.verdict.ok and result.api_calls[UPSERT_ENDPOINT] == 1
    contact_id, contact = parts.portal.by_key(101)
    assert contact["email"] == email_of(101)
    assert parts.state.links[101].contact_id == contact_id
    (record,) = parts.state.records
    assert (record.counts.created, record.counts.failed, record.verdict.ok) == (2, 0, True)
    assert parts.state.ensured == [(False, False)]


def test_a_second_run_trusts_what_hubspot_confirmed() -> None:
    parts = Parts(item(101), item(102))
    parts.sync()

    result = parts.sync()

    assert (result.mode, result.created, result.updated) == ("incremental", 0, 0)
    assert result.plan.unchanged == 2 and parts.portal.writes() == 1


def test_a_dry_run_writes_and_records_nothing() -> None:
    parts = Parts(item(101))

    result = parts.sync(dry_run=True)

    assert parts.portal.contacts == {} and parts.state.links == {}
    assert parts.state.records == [] and parts.state.ensured == [(False, True)]
    assert len(result.plan.creates) == 1 and result.created == 0


def test_a_409_naming_the_channels_own_contact_links_it_in_a_second_round() -> None:
    parts = Parts(item(101))
    parts.sync()
    parts.table.put(item(102))
    # Between hubsync's look-up and its write, someone creates 102's contact by hand.
    parts.portal.meanwhile(lambda: parts.portal.add_contact(**{KEY: "102"}))

    result = parts.sync()

    contact_id, contact = parts.portal.by_key(102)
    assert contact["email"] == email_of(102)
    assert parts.state.links[102].contact_id == contact_id
    assert (result.resolved_conflicts, result.failures) == (1, [])
    assert result.created + result.updated == 1
    assert len(parts.portal.contacts) == 2


def test_an_email_hubspot_refuses_is_left_out_flagged_and_remembered() -> None:
    parts = Parts(item(101), item(102))
    parts.portal.invalid_emails.add(email_of(102))

    result = parts.sync()

    _, contact = parts.portal.by_key(102)
    assert "email" not in contact and contact["hubsync_flag"] == "invalid-email"
    assert parts.state.links[102].refused_email == email_of(102)
    assert (result.created, result.failures, result.verdict.ok) == (2, [], True)
    # The batch of two was refused for 102 alone: 101 went through when sent again.
    assert result.api_calls[UPSERT_ENDPOINT] == 3
    assert parts.sync().created == 0  # the refusal is not repeated


def test_a_linked_contact_deleted_before_its_update_is_recreated_by_the_next_run() -> None:
    parts = Parts(item(101), item(102))
    parts.sync()
    gone, _ = parts.portal.by_key(101)
    for gleev_id in (101, 102):
        parts.table.replace(item(gleev_id, title=f"renamed {gleev_id}"))
    parts.portal.meanwhile(lambda: parts.portal.delete(gone))

    result = parts.sync()

    (failure,) = result.failures
    assert (failure.gleev_id, failure.action, failure.category) == (
        101,
        "update",
        "OBJECT_NOT_FOUND",
    )
    assert parts.state.links[101].pushed_hash == "" and result.updated == 1
    assert parts.portal.by_key(102)[1]["channel_title"] == "renamed 102"

    again = parts.sync()

    assert (again.created, again.failures) == (1, [])
    new_id, contact = parts.portal.by_key(101)
    assert new_id != gone and contact["channel_title"] == "renamed 101"
    assert parts.state.links[101].contact_id == new_id
    assert [c.contact_ids for c in again.contact_changes] == [(gone, new_id)]


def test_an_input_hubspot_says_nothing_about_fails_and_is_not_linked() -> None:
    parts = Parts(item(101), item(102))
    parts.portal.silent_for.add("102")

    result = parts.sync()

    (failure,) = result.failures
    assert (failure.gleev_id, failure.category) == (102, "MISSING")
    assert failure.message == "HubSpot gave no answer for it"
    assert set(parts.state.links) == {101} and result.created == 1


def test_a_batch_refused_whole_for_one_reason_fails_in_two_calls() -> None:
    parts = Parts(*(item(100 + n) for n in range(5)))
    parts.portal.refusing = ("email", "VALIDATION_ERROR", "Property values were not valid")

    result = parts.sync()

    assert len(result.failures) == 5 and result.api_calls[UPSERT_ENDPOINT] == 2
    assert {f.category for f in result.failures} == {"VALIDATION_ERROR"}
    assert not result.verdict.ok and "no write succeeded, 5 failed" in result.verdict.reason
    assert parts.state.links == {} and not parts.state.records[0].verdict.ok


def test_writing_stops_after_three_batches_refused_whole_and_counts_what_was_left() -> None:
    parts = Parts(item(1))
    parts.sync()
    # 1's new e-mail is refused (a second round), then every create by e-mail is refused.
    parts.portal.invalid_emails.add("bad@example.com")
    parts.table.replace(item(1, email="bad@example.com"))
    parts.table.put(*(item(1000 + n) for n in range(301)))
    parts.portal.refusing = ("email", "VALIDATION_ERROR", "Property values were not valid")

    result = parts.sync()

    assert result.stopped_on == "VALIDATION_ERROR"
    assert len(result.failures) == 300
    assert result.not_attempted == 1 + 1  # the last batch's create, and 1's second round
    assert result.api_calls == {
        "properties.list": 1,
        "contacts.search": 2,  # the marketing contacts, and those leaving (it creates)
        "contacts.batch_read": result.api_calls["contacts.batch_read"],
        UPDATE_ENDPOINT: 1,
        UPSERT_ENDPOINT: 3 * 2,
    }
    assert not result.verdict.ok and result.verdict.reason.startswith("stopped after 3 batches")
    assert parts.state.records[-1].counts.not_attempted == 2


def test_too_many_failed_writes_fail_the_run() -> None:
    parts = Parts(item(101), item(102), item(103))
    parts.portal.silent_for.update({"102", "103"})

    result = parts.engine(max_failure_ratio=0.5).run(RunOptions(), "run1")

    assert not result.verdict.ok and "2 of 3 writes failed" in result.verdict.reason


def test_a_run_of_named_channels_reads_and_reports_only_them() -> None:
    parts = Parts(item(101), item(102))
    parts.sync()
    parts.table.replace(item(101, title="renamed"))
    parts.table.replace(item(102, title="renamed too"))

    result = parts.sync(channels=("101",))

    (outcome,) = result.channels
    assert (outcome.gleev_id, outcome.outcome) == (101, Outcome.UPDATED)
    assert outcome.contact_id == parts.portal.by_key(101)[0]
    assert parts.portal.by_key(102)[1]["channel_title"] == "Channel 102"
    assert result.timings.keys() >= {"preflight_s", "read_s", "plan_s", "apply_s"}


# -- people changed HubSpot behind hubsync's back ----------------------------------------------


def test_a_deleted_contact_is_recreated_and_reported_with_both_ids() -> None:
    parts = Parts(item(101))
    parts.sync()
    old, _ = parts.portal.by_key(101)
    parts.portal.delete(old)

    result = parts.sync(full=True)

    new, _ = parts.portal.by_key(101)
    assert result.created == 1 and parts.state.links[101].contact_id == new
    (change,) = result.contact_changes
    assert (change.kind.value, change.gleev_ids, change.contact_ids) == (
        "recreated",
        (101,),
        (old, new),
    )
    assert parts.state.records[-1].counts.recreated == 1


def test_an_email_refused_on_recreating_a_deleted_contact_is_a_gdpr_deletion() -> None:
    parts = Parts(item(101), item(102))
    parts.sync()
    old, _ = parts.portal.by_key(101)
    parts.portal.delete(old)
    parts.portal.invalid_emails.add(email_of(101))  # HubSpot's blocklist after a GDPR delete

    result = parts.sync(full=True)

    assert (result.created, result.failures) == (0, [])
    assert [c.kind.value for c in result.contact_changes] == ["gdpr-deleted"]
    assert [h.gleev_id for h in result.plan.held] == [101]
    assert parts.state.links[101].gdpr_email == email_of(101)
    assert all(p.get(KEY) != "101" for p in parts.portal.contacts.values())
    writes = parts.portal.writes()
    later = parts.sync(full=True)
    assert parts.portal.writes() == writes and later.contact_changes == []
    assert [h.gleev_id for h in later.plan.held] == [101]


def test_a_create_that_lands_on_a_contact_it_did_not_see_counts_as_created() -> None:
    """What a retried upsert whose first answer was lost looks like: HubSpot says updated,
    but the plan saw no contact, so the contact is the one the first attempt created."""
    parts = Parts(item(101))
    parts.portal.meanwhile(lambda: parts.portal.add_contact(email=email_of(101)))

    result = parts.sync()

    assert (result.created, result.updated) == (1, 0)
    assert len(parts.portal.contacts) == 1
