"""A state table written by an earlier version, which kept each link as `pk=link#<Gleev id>`:
the first run that may write moves the links to their partitions, nothing is lost, and
HubSpot sees no write for it."""

from __future__ import annotations

from hubsync.state.store import StateStore
from tests.e2e.world import World
from tests.old_state_layout import old_layout_items, put_old_layout_links
from tests.unit.factories import ABSENT, channel_item


def test_links_an_earlier_version_kept_are_moved_once_and_nothing_is_written(
    world: World,
) -> None:
    world.put(
        channel_item(101),
        channel_item(102, email=ABSENT),
        channel_item(104, referrerChannelId=900),
        channel_item(105, email="not-an-email"),
    )
    assert world.sync().verdict.ok
    client, table = world.tables.client, world.tables.state
    links = StateStore(client, table).load_links()
    put_old_layout_links(client, table, links.values())
    world.put(channel_item(101, title="Renamed"))

    dry = world.sync(dry_run=True)
    # The old links were read: an incremental run that reads one contact, lists none.
    assert dry.verdict.ok and dry.mode == "incremental" and len(dry.plan.updates) == 1
    assert "contacts.list" not in dry.api_calls
    assert len(old_layout_items(client, table)) == len(links)  # and left where they were

    world.hubspot.store.reset_request_counts()
    moved = world.sync()

    assert moved.verdict.ok and (moved.created, moved.updated) == (0, 1)
    assert moved.mode == "incremental" and "contacts.list" not in moved.api_calls
    assert old_layout_items(client, table) == []
    assert StateStore(client, table).load_links().keys() == links.keys()
    again = world.sync()
    assert again.api_calls == {"properties.list": 1, "contacts.search": 1}
    world.assert_no_duplicates()
