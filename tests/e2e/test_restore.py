"""Restoring after a lost state table: a full run rebuilds every link from HubSpot, by e-mail
and by Gleev id, with no duplicate contact and no write for what HubSpot already holds."""

from __future__ import annotations

from hubsync.state.store import StateStore
from tests.e2e.world import World
from tests.unit.factories import ABSENT, channel_item


def lose_the_state_table(world: World) -> None:
    client = world.tables.client
    client.delete_table(TableName=world.tables.state)
    client.get_waiter("table_not_exists").wait(TableName=world.tables.state)
    StateStore(client, world.tables.state).ensure_table(create=True)


def test_a_full_run_rebuilds_the_links_with_no_duplicate_and_no_write(world: World) -> None:
    world.add_lead("lead-only@example.org")
    world.add_lead("creator103@example.com", firstname="Converted")
    world.put(
        channel_item(101),
        channel_item(102, email=ABSENT),  # keyed by its Gleev id alone
        channel_item(103),  # a lead converted in place
        channel_item(104, referrerChannelId=900),  # 900 is a referrer: a contact without e-mail
        channel_item(105, email="not-an-email"),  # flagged, keyed by its Gleev id
    )
    first = world.sync()
    assert first.verdict.ok and first.created == 5 and first.updated == 1
    contacts_before = {c["id"]: c["properties"] for c in world.contacts()}
    links_before = StateStore(world.tables.client, world.tables.state).load_links()

    lose_the_state_table(world)
    world.hubspot.store.reset_request_counts()
    rebuilt = world.sync()

    assert rebuilt.verdict.ok
    assert (rebuilt.created, rebuilt.updated, rebuilt.plan.unchanged) == (0, 0, 6)
    # The portal's properties, one page of contacts and the marketing-contact count; no write.
    assert rebuilt.api_calls == {"properties.list": 1, "contacts.list": 1, "contacts.search": 1}
    assert {c["id"]: c["properties"] for c in world.contacts()} == contacts_before
    world.assert_no_duplicates()
    links_after = StateStore(world.tables.client, world.tables.state).load_links()
    assert {n: (link.contact_id, link.role) for n, link in links_after.items()} == {
        n: (link.contact_id, link.role) for n, link in links_before.items()
    }

    again = world.sync()
    # The links are whole again: the preflight and the count only.
    assert again.api_calls == {"properties.list": 1, "contacts.search": 1}
