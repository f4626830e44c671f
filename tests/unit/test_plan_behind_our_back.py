"""make_plan() when people changed HubSpot behind hubsync's back: secondary e-mails, merged
contacts, archived and GDPR-deleted ones."""

from __future__ import annotations

from dataclasses import replace

from hubsync.domain.changes import ChangeKind, gdpr_deleted, merged
from hubsync.domain.contact import Contact
from hubsync.domain.links import Role
from hubsync.domain.plan import Action, ConflictKind, Held, Learned, PlanOptions, make_plan
from hubsync.domain.plan import read_source as source_of
from tests.unit.factories import (
    KEY,
    FakeHubSpot,
    conflicts_of,
    contact,
    email_of,
    full_run,
    full_view,
    link_to,
    links_of,
    partial_view,
    run,
    stale_link,
    write_for,
    writes_for,
)
from tests.unit.factories import channel_item as item

SECONDARY = "hs_additional_emails"
MERGED_IDS = "hs_merged_object_ids"


def _synced(contact_id: str, gleev_id: int = 101, /, **extra: str) -> Contact:
    """What hubsync wrote for channel `gleev_id`, as HubSpot holds it."""
    portal = FakeHubSpot()
    plan = full_run([item(gleev_id)])
    portal.apply(plan)
    (stored,) = portal.contacts.values()
    return contact(contact_id, **{**stored, **extra})


# -- secondary e-mails -----------------------------------------------------------------------


def test_a_leads_secondary_email_converts_the_lead_without_touching_its_primary_email() -> None:
    lead = contact(
        "L1", email="person@example.com", lifecyclestage="lead", **{SECONDARY: email_of(101)}
    )
    result = full_run([item(101)], full_view(lead))
    write = write_for(result, 101)
    assert (write.action, write.contact_id) == (Action.UPDATE, "L1")
    assert "email" not in write.properties and write.properties[KEY] == "101"
    assert result.conflicts == []


def test_after_a_409_naming_a_lead_with_the_secondary_email_it_is_linked() -> None:
    """An incremental run cannot see secondary e-mails (batch reads by e-mail do not find
    them): the 409's contact is read by id, and the second plan sees the e-mail on it."""
    lead = contact(
        "L1", email="person@example.com", lifecyclestage="lead", **{SECONDARY: email_of(101)}
    )
    view = partial_view(lead)
    view.record_lookups(keys=["101"], emails=[email_of(101)])
    result = run([item(101)], view, full=True, scope=frozenset({101}))
    assert write_for(result, 101).contact_id == "L1"


def test_a_secondary_email_on_another_channels_contact_is_email_taken() -> None:
    owner = _synced("C1", 101, **{SECONDARY: "shared@example.com"})
    result = full_run(
        [item(101), item(102, email="shared@example.com")],
        full_view(owner),
        links_of(link_to(item(101), "C1")),
    )
    (conflict,) = result.conflicts
    assert (conflict.kind, conflict.gleev_ids) == (ConflictKind.EMAIL_TAKEN, (101, 102))
    apart = write_for(result, 102)
    assert apart.action is Action.CREATE and apart.id_property == KEY
    assert "email" not in apart.properties
    assert apart.properties["hubsync_flag"] == "email-on-contact:C1"


def test_the_contact_a_flag_says_holds_the_email_is_read_again_by_id() -> None:
    apart = contact("C2", **{KEY: "102", "hubsync_flag": "email-on-contact:C1"})
    view = partial_view(apart)
    view.record_lookups(ids=["C2"])
    links = links_of(stale_link(102, "C2", Role.DUPLICATE))
    result = run([item(102, email="shared@example.com")], view, links)
    assert result.lookups.emails == {"shared@example.com"}  # a primary e-mail is found so
    assert result.lookups.contact_ids == set()
    view.record_lookups(emails=["shared@example.com"])  # no contact has it as primary
    again = run([item(102, email="shared@example.com")], view, links)
    assert again.lookups.contact_ids == {"C1"} and again.lookups.emails == set()


# -- merges ----------------------------------------------------------------------------------


def test_a_linked_contact_merged_into_a_lead_is_followed_and_its_email_left_alone() -> None:
    survivor = _synced(
        "S9",
        email="person@example.com",
        lifecyclestage="customer",
        **{SECONDARY: email_of(101), MERGED_IDS: "C1"},
    )
    links = links_of(link_to(item(101), "C1"))
    result = full_run([item(101)], full_view(survivor), links)
    assert result.contact_changes == [merged(101, "C1", "S9")]
    assert result.writes == []  # nothing differs but the primary e-mail, which people chose
    (relinked,) = result.confirmed
    assert (relinked.gleev_id, relinked.contact_id) == (101, "S9")
    assert result.conflicts == []


def test_an_incremental_run_reads_the_old_id_and_follows_the_merge() -> None:
    survivor = _synced("S9", channel_title="Old", **{MERGED_IDS: "C1"})
    view = partial_view(survivor)
    view.record_lookups(ids=["C1"])  # the read of C1 answered S9
    result = run([item(101)], view, links_of(stale_link(101, "C1")))
    assert result.contact_changes == [merged(101, "C1", "S9")]
    assert write_for(result, 101).contact_id == "S9"
    assert result.lookups.contact_ids == set()


def test_two_channels_contacts_merged_into_one_are_one_conflict_and_nothing_written() -> None:
    survivor = _synced("S9", **{MERGED_IDS: "C1;C2", SECONDARY: email_of(102)})
    links = links_of(link_to(item(101), "C1"), link_to(item(102), "C2"))
    result = full_run([item(101), item(102)], full_view(survivor), links)
    (conflict,) = result.conflicts
    assert (conflict.kind, conflict.gleev_ids) == (ConflictKind.CONTACT_CLAIMED, (101, 102))
    assert conflict.detail == (
        "channels 101 and 102 are both linked to contact S9 (its contact C2 merged into it); "
        "101 keeps it"
    )
    assert result.held == [
        Held(102, "its contact C2 was merged into contact S9, channel 101's contact")
    ]
    assert result.writes == []
    assert result.contact_changes == [merged(101, "C1", "S9")]


def test_the_channel_whose_gleev_id_the_merged_contact_carries_keeps_it() -> None:
    survivor = _synced("S9", 102, **{MERGED_IDS: "C1;C2", SECONDARY: email_of(101)})
    links = links_of(link_to(item(101), "C1"), link_to(item(102), "C2"))
    result = full_run([item(101), item(102)], full_view(survivor), links)
    (conflict,) = conflicts_of(result, ConflictKind.CONTACT_CLAIMED)
    assert conflict.gleev_ids == (102, 101)
    assert [h.gleev_id for h in result.held] == [101]
    assert writes_for(result, 102) == []


def test_merge_chains_are_followed_and_a_cycle_does_not_hang() -> None:
    view = full_view(contact("S2", **{MERGED_IDS: "S1"}), contact("S1", **{MERGED_IDS: "C1"}))
    assert view.current_id("C1") == "S2" and view.current_id("X") == "X"
    looped = full_view()
    looped.merged_into.update({"A": "B", "B": "A"})
    assert looped.current_id("A") in ("A", "B")


# -- deletions -------------------------------------------------------------------------------


def test_a_linked_contact_gone_from_hubspot_is_created_again_and_says_which_it_replaces() -> None:
    result = full_run([item(101)], full_view(), links_of(link_to(item(101), "C1")))
    write = write_for(result, 101)
    assert (write.action, write.replaces, write.id_property) == (Action.CREATE, "C1", "email")
    assert write.reason == "its contact C1 was deleted in HubSpot: new customer"


def test_a_contact_of_another_channel_is_not_taken_for_a_deleted_one() -> None:
    result = full_run([item(101)], full_view(), {})
    assert write_for(result, 101).replaces is None


def test_an_email_refused_when_recreating_is_a_gdpr_deletion_remembered_in_the_link() -> None:
    links = links_of(link_to(item(101), "C1"))
    learned = Learned(gdpr_refused={101: email_of(101)})
    options = PlanOptions(full=True, scope=frozenset({101}))
    result = make_plan(source_of([item(101)]), full_view(), links, options, learned)
    assert result.writes == []
    assert [h.gleev_id for h in result.held] == [101]
    assert result.held[0].reason.startswith("gdpr-deleted: its contact C1")
    assert result.contact_changes == [gdpr_deleted(101, "C1", email_of(101))]
    (remembered,) = result.confirmed
    assert (remembered.contact_id, remembered.gdpr_email) == ("C1", email_of(101))
    assert remembered.pushed_hash == ""
    assert result.contact_changes[0].kind is ChangeKind.GDPR_DELETED


def test_a_remembered_gdpr_deletion_is_held_without_asking_hubspot() -> None:
    links = links_of(replace(stale_link(101, "C1"), gdpr_email=email_of(101)))
    result = run([item(101)], partial_view(), links)
    assert result.writes == [] and result.contact_changes == []
    assert not result.lookups and [h.gleev_id for h in result.held] == [101]


def test_a_gdpr_deleted_channel_with_a_new_email_is_synced_again() -> None:
    links = links_of(replace(stale_link(101, "C1"), gdpr_email="old@example.com"))
    result = full_run([item(101)], full_view(), links)
    assert result.held == []
    assert write_for(result, 101).replaces == "C1"


def test_a_primary_email_is_found_before_a_secondary_one() -> None:
    primary = contact("C1", email="a@example.com")
    other = contact("C2", email="b@example.com", **{SECONDARY: "A@example.com; "})
    view = full_view(other, primary)
    assert view.email_holder("a@example.com") is primary
    assert view.email_holder("b@example.com") is other
    assert other.has_email("a@example.com") and not primary.has_email("b@example.com")
