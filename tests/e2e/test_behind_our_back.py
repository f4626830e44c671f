"""What people do in HubSpot behind hubsync's back, end to end through the real SDK: secondary
e-mails, merges, archived and GDPR-deleted contacts, whole-batch refusals and answers lost
after the write."""

from __future__ import annotations

import math

import pytest

from hubsync.domain.changes import ChangeKind
from hubsync.report import result_dict, summary_lines
from hubsync.result import RunResult
from tests.e2e.world import KEY, World
from tests.unit.factories import channel_item, email_of

UPSERT = "POST /crm/v3/objects/contacts/batch/upsert"
UPDATE = "POST /crm/v3/objects/contacts/batch/update"


def _changes(result: RunResult, kind: ChangeKind) -> list[tuple[tuple[int, ...], tuple[str, ...]]]:
    return [(c.gleev_ids, c.contact_ids) for c in result.contact_changes if c.kind is kind]


def _upsert_calls(world: World) -> int:
    return sum(e.path.endswith("/batch/upsert") for e in world.journal())


# -- secondary e-mails -----------------------------------------------------------------------


def test_an_email_that_is_a_leads_secondary_email_converts_the_lead(world: World) -> None:
    world.put(channel_item(100))
    world.sync()  # a first run: from now on, runs are incremental
    lead = world.add_lead("person@example.com", firstname="Ada")
    world.hubspot.store.add_secondary_email(lead, email_of(101))
    world.put(channel_item(101))

    result = world.sync()

    # Batch reads by e-mail do not see secondary e-mails: the upsert's 409 names the lead.
    assert result.failures == [] and result.resolved_conflicts == 1
    converted = world.by_id(lead)
    assert converted[KEY] == "101" and converted["lifecyclestage"] == "customer"
    assert converted["email"] == "person@example.com"  # the primary e-mail people set stays
    assert len(world.contacts()) == 2
    assert world.sync().write_calls == 0
    assert world.sync(full=True).plan.writes == []


def test_a_first_run_sees_secondary_emails_and_writes_no_email_over_them(world: World) -> None:
    lead = world.add_lead("person@example.com")
    world.hubspot.store.add_secondary_email(lead, email_of(101))
    world.put(channel_item(101))

    result = world.sync()

    assert result.failures == [] and result.updated == 1 and result.created == 0
    assert world.by_id(lead)["email"] == "person@example.com"
    assert world.by_id(lead)[KEY] == "101"
    assert world.sync(full=True).plan.writes == []


def test_an_email_on_another_channels_contact_as_secondary_is_email_taken(world: World) -> None:
    world.put(channel_item(101))
    world.sync()
    owner = world.by_key(101)["hs_object_id"]
    world.hubspot.store.add_secondary_email(owner, "shared@example.com")
    world.put(channel_item(102, email="shared@example.com"))

    result = world.sync()

    assert result.failures == []
    assert [(c.kind.value, c.gleev_ids) for c in result.plan.conflicts] == [
        ("email-taken", (101, 102))
    ]
    apart = world.by_key(102)
    assert not apart.get("email") and apart["hubsync_flag"] == f"email-on-contact:{owner}"
    assert len(world.contacts()) == 2
    again = world.sync()  # the conflict lasts; no 409 and no write on every run
    assert again.write_calls == 0 and again.failures == []
    assert [c.kind.value for c in again.plan.conflicts] == ["email-taken"]
    assert world.sync(full=True).plan.writes == []


# -- merges ----------------------------------------------------------------------------------


def test_a_contact_merged_into_a_lead_is_followed_not_fought(world: World) -> None:
    world.put(channel_item(101))
    world.sync()
    ours = world.by_key(101)["hs_object_id"]
    lead = world.add_lead("person@example.com")
    survivor = world.hubspot.store.merge(lead, ours)

    result = world.sync(full=True)

    assert _changes(result, ChangeKind.MERGED) == [((101,), (ours, survivor))]
    merged = world.by_id(survivor)
    assert merged["email"] == "person@example.com"  # the survivor's primary e-mail stays
    assert merged[KEY] == "101" and merged["lifecyclestage"] == "customer"
    assert len(world.contacts()) == 1
    again = world.sync(full=True)
    assert again.plan.writes == [] and again.contact_changes == []
    assert world.sync().write_calls == 0
    data = result_dict(result)
    assert data["merged"] == 1
    assert data["details"]["contact_changes"] == [
        {
            "kind": "merged",
            "gleev_ids": [101],
            "contact_ids": [ours, survivor],
            "detail": f"contact {ours} was merged into {survivor} in HubSpot; "
            "the channel follows it",
        }
    ]
    assert any(
        f"merged: 101 contact {ours} -> {survivor}" in line for line in summary_lines(result)
    )


def test_two_channels_contacts_merged_into_one_is_one_conflict_and_no_fight(world: World) -> None:
    world.put(channel_item(101), channel_item(102))
    world.sync()
    first, second = world.by_key(101)["hs_object_id"], world.by_key(102)["hs_object_id"]
    survivor = world.hubspot.store.merge(first, second)

    result = world.sync(full=True)

    assert [(c.kind.value, c.gleev_ids) for c in result.plan.conflicts] == [
        ("contact-claimed", (101, 102))
    ]
    assert [h.gleev_id for h in result.plan.held] == [102]
    # 101 follows its contact; 102's contact is 101's now: it is held, not linked.
    assert _changes(result, ChangeKind.MERGED) == [((101,), (first, survivor))]
    assert result.plan.held[0].reason == (
        f"its contact {second} was merged into contact {survivor}, channel 101's contact"
    )
    assert result.failures == [] and result.created == 0
    assert world.by_id(survivor)[KEY] == "101"
    assert world.by_id(survivor)["email"] == email_of(101)
    for _ in range(2):
        again = world.sync(full=True)
        assert again.plan.writes == [] and again.failures == []
        assert [c.kind.value for c in again.plan.conflicts] == ["contact-claimed"]
    world.put(channel_item(102, title="Renamed"))  # an incremental run of the held channel
    changed = world.sync()
    assert changed.write_calls == 0 and changed.failures == []
    assert [h.gleev_id for h in changed.plan.held] == [102]
    assert len(world.contacts()) == 1


# -- deletions -------------------------------------------------------------------------------


def test_an_archived_contact_is_recreated_and_reported_with_its_old_id(world: World) -> None:
    world.put(channel_item(101))
    world.sync()
    old = world.by_key(101)["hs_object_id"]
    world.hubspot.store.archive([old])

    result = world.sync(full=True)

    new = world.by_key(101)["hs_object_id"]
    assert new != old and result.created == 1
    assert _changes(result, ChangeKind.RECREATED) == [((101,), (old, new))]
    assert result_dict(result)["recreated"] == 1
    assert world.sync(full=True).plan.writes == []


def test_a_gdpr_deleted_contact_is_not_recreated_and_is_remembered(world: World) -> None:
    world.put(channel_item(101), channel_item(102))
    world.sync()
    old = world.by_key(101)["hs_object_id"]
    world.hubspot.store.gdpr_delete(old)

    result = world.sync(full=True)

    assert _changes(result, ChangeKind.GDPR_DELETED) == [((101,), (old,))]
    assert [h.gleev_id for h in result.plan.held] == [101]
    assert result.failures == [] and result.created == 0
    assert [c["properties"][KEY] for c in world.contacts()] == ["102"]
    world.hubspot.store.reset_request_counts()
    for full in (False, True):  # not retried on later runs
        later = world.sync(full=full)
        assert later.write_calls == 0 and later.contact_changes == []
        assert [h.gleev_id for h in later.plan.held] == [101]
    assert world.hubspot.store.request_counts().get(UPSERT, 0) == 0
    # A new e-mail is a new person to reach: the channel is synced again.
    world.put(channel_item(101, email="new101@example.com"))
    renewed = world.sync()
    assert renewed.plan.held == [] and world.by_key(101)["email"] == "new101@example.com"


# -- whole-batch refusals --------------------------------------------------------------------


def test_a_batch_of_100_with_one_invalid_email_costs_few_calls(world: World) -> None:
    world.put(
        *(channel_item(1000 + n) for n in range(99)),
        channel_item(2000, email="creator2000@example.notatld"),
    )

    result = world.sync()

    assert result.failures == [] and result.created == 100
    calls = _upsert_calls(world)
    assert calls <= 1 + 2 * math.ceil(math.log2(100))
    print(f"\nupsert calls for 100 inputs with one bad e-mail: {calls}")
    assert sum(1 for c in world.contacts() if c["properties"].get("email")) == 99
    assert world.by_key(2000)["hubsync_flag"] == "invalid-email"


# -- answers lost after the write ------------------------------------------------------------


def _lose(world: World, endpoint: str, kind: str) -> None:
    world.hubspot.store.reset_request_counts()
    world.hubspot.config.lost_answer_calls = {endpoint: {1}}
    world.hubspot.config.lost_answer_kinds = (kind,)
    world.hubspot.config.lost_answer_timeout_s = 1.5


LOST_KINDS = ["bad-gateway", "drop", "timeout"]


@pytest.mark.parametrize("kind", LOST_KINDS)
def test_a_lost_answer_on_a_first_runs_first_batch_converges(world: World, kind: str) -> None:
    world.put(*(channel_item(1000 + n) for n in range(150)))
    _lose(world, UPSERT, kind)

    result = world.sync(hubspot_timeout_s=1.0)

    assert result.failures == [] and sum(result.retries.values()) >= 1
    assert result.created == 150 and result.updated == 0  # counted as what hubsync did
    assert len(world.contacts()) == 150
    world.assert_no_duplicates()
    assert world.sync(full=True).plan.writes == []


def test_a_lost_upsert_answer_in_a_later_run_converges(world: World) -> None:
    world.put(channel_item(100))
    world.sync()
    world.put(channel_item(101), channel_item(102))
    _lose(world, UPSERT, "drop")

    result = world.sync()

    assert result.failures == [] and result.created == 2 and result.updated == 0
    assert len(world.contacts()) == 3
    world.assert_no_duplicates()


def test_a_lost_update_answer_converges(world: World) -> None:
    world.put(channel_item(101), channel_item(102))
    world.sync()
    world.put(channel_item(101, title="New title"), channel_item(102, title="Other"))
    _lose(world, UPDATE, "bad-gateway")

    result = world.sync()

    assert result.failures == [] and result.updated == 2 and result.created == 0
    assert world.by_key(101)["channel_title"] == "New title"
    assert len(world.contacts()) == 2
    assert world.sync(full=True).plan.writes == []
