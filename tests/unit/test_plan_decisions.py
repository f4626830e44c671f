"""The planner's decisions as values: how a contact was matched, and what a lookup needs."""

from __future__ import annotations

from hubsync.domain.plan import Lookups, Matched, MatchedBy, NeedsLookup
from tests.unit.factories import contact


def test_how_a_contact_was_matched_is_said_as_the_reason_of_its_update() -> None:
    lead = contact("L1", lifecyclestage="lead")
    opportunity = contact("O1", lifecyclestage="opportunity")
    assert Matched(lead, MatchedBy.LINKED).reason == "linked"
    assert Matched(lead, MatchedBy.SAME_GLEEV_ID).reason == "same Gleev id"
    assert Matched(lead, MatchedBy.LEAD_CONVERTED).reason == "lead converted"
    assert Matched(opportunity, MatchedBy.ADOPTED).reason == "adopted (opportunity)"
    assert Matched(contact("X1"), MatchedBy.ADOPTED).reason == "adopted (no stage)"


def test_lookups_gather_what_each_channel_needs() -> None:
    lookups = Lookups()
    assert not lookups
    lookups.add(NeedsLookup(contact_id="C1"))
    lookups.add(NeedsLookup(key="101", email="a@example.com"))
    lookups.add(NeedsLookup(key="102"))
    assert lookups
    assert (lookups.contact_ids, lookups.keys, lookups.emails) == (
        {"C1"},
        {"101", "102"},
        {"a@example.com"},
    )
