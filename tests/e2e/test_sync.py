"""Sync runs end to end: moto's DynamoDB and the HubSpot sandbox, the real clients, over HTTP."""

from __future__ import annotations

from hubsync.app import build_engine, run_sync
from hubsync.aws import dynamodb_client
from hubsync.engine import RunOptions
from hubsync.result import RunResult
from hubsync.sources.dynamo import ChannelTable
from tests.conftest import record_requests
from tests.e2e.world import KEY, World
from tests.unit.factories import ABSENT, channel_item


def test_new_customer_gets_every_mapped_property(world: World) -> None:
    world.put(channel_item(101, email="  Creator@Example.COM ", referrerChannelId=ABSENT))

    result = world.sync()

    assert (result.created, result.updated, result.failures) == (1, 0, [])
    contact = world.by_key(101)
    assert contact["email"] == "creator@example.com"
    assert contact["lifecyclestage"] == "customer"
    assert contact["hs_lead_status"] == "CONNECTED"
    assert contact["channel_title"] == "Channel 101"
    assert contact["channel_url"] == "channel/UC0000000000000000000101"
    assert contact["total_subscribers"] == "1200"
    assert contact["videoscount"] == "34"
    assert contact["yppstatus"] == "Verified::Silver"
    assert contact["videocategoryid"] == "4209603-2"
    assert contact["synccategoryname"] == "Education"
    assert contact["date_signed_up_to_ypp"].startswith("2024-01-10T08:00:00")


def test_lead_is_converted_in_place_and_marketing_properties_kept(world: World) -> None:
    lead_id = world.add_lead("creator101@example.com", firstname="Ann", hs_lead_status="BAD_TIMING")
    world.put(channel_item(101, email="Creator101@example.com"))

    result = world.sync()

    assert (result.created, result.updated) == (0, 1)
    assert len(world.contacts()) == 1
    contact = world.hubspot.store.get(lead_id)
    assert contact is not None
    assert contact["properties"]["lifecyclestage"] == "customer"
    assert contact["properties"]["hs_lead_status"] == "CONNECTED"
    assert contact["properties"]["firstname"] == "Ann"
    assert contact["properties"][KEY] == "101"


def test_unrelated_leads_are_never_touched(world: World) -> None:
    lead_id = world.add_lead("someone@else.org")
    before = world.hubspot.store.get(lead_id)
    world.put(channel_item(101))

    world.sync(full=True)

    assert world.hubspot.store.get(lead_id) == before


def test_referrer_created_without_email_then_promoted_when_it_signs_up(world: World) -> None:
    world.put(channel_item(101, referrerChannelId=500))

    world.sync()
    referrer = world.by_key(500)
    assert referrer["lifecyclestage"] == "customer"
    assert referrer["hs_lead_status"] == "REFERRER"
    assert not referrer.get("email")

    world.put(channel_item(500, email="referrer@example.com"))
    result = world.sync()

    assert result.created == 0 and result.updated == 1
    promoted = world.by_key(500)
    assert promoted["email"] == "referrer@example.com"
    assert promoted["hs_lead_status"] == "CONNECTED"
    assert len(world.contacts()) == 2


def test_duplicate_emails_separate_policy_keeps_earliest_on_the_email(world: World) -> None:
    world.put(
        channel_item(102, email="shared@example.com", createdAt="2024-03-01T00:00:00Z"),
        channel_item(101, email="SHARED@example.com ", createdAt="2024-02-01T00:00:00Z"),
    )

    result = world.sync()

    assert world.by_key(101)["email"] == "shared@example.com"
    separated = world.by_key(102)
    assert not separated.get("email")
    assert separated["hubsync_flag"] == "duplicate-email-of:101"
    [conflict] = result.plan.conflicts
    assert conflict.kind.value == "duplicate-email" and conflict.gleev_ids == (101, 102)
    world.assert_no_duplicates()


def test_duplicate_emails_hold_policy_writes_only_the_primary(world: World) -> None:
    world.put(
        channel_item(101, email="shared@example.com", createdAt="2024-02-01T00:00:00Z"),
        channel_item(102, email="shared@example.com", createdAt="2024-03-01T00:00:00Z"),
    )

    result = world.sync(duplicate_email_policy="hold")

    assert [h.gleev_id for h in result.plan.held] == [102]
    [conflict] = result.plan.conflicts
    assert conflict.kind.value == "duplicate-email" and conflict.gleev_ids == (101, 102)
    assert len(world.contacts()) == 1
    assert world.by_email("shared@example.com")[KEY] == "101"


def test_email_on_another_channels_customer_is_a_conflict_not_an_overwrite(world: World) -> None:
    other = world.hubspot.store.add_contact(
        {"email": "taken@example.com", "lifecyclestage": "customer", KEY: "900"}
    )
    world.put(channel_item(101, email="taken@example.com"))

    result = world.sync()

    assert world.by_id(other)[KEY] == "900"
    mine = world.by_key(101)
    assert not mine.get("email")
    assert mine["hubsync_flag"] == f"email-on-contact:{other}"
    assert [c.kind.value for c in result.plan.conflicts] == ["email-taken"]


def test_invalid_and_missing_emails_are_synced_by_key_and_flagged(world: World) -> None:
    world.put(channel_item(101, email="not an email"), channel_item(102, email=ABSENT))

    result = world.sync()

    assert world.by_key(101)["hubsync_flag"] == "invalid-email"
    assert world.by_key(102)["hubsync_flag"] == "missing-email"
    assert {f.gleev_id for f in result.plan.flagged} == {101, 102}


def test_unverified_is_skipped_suspended_and_opted_out_are_customers(world: World) -> None:
    world.put(
        channel_item(101, yppStatus="Unverified"),
        channel_item(102, yppStatus="Suspended::CopyrightBreach"),
        channel_item(103, yppStatus="OptedOut"),
    )

    result = world.sync()

    assert result.plan.unverified == 1
    assert sorted(c["properties"][KEY] for c in world.contacts()) == ["102", "103"]
    assert world.by_key(102)["yppstatus"] == "Suspended::CopyrightBreach"


def test_bad_items_are_rejected_with_reasons_and_do_not_stop_the_run(world: World) -> None:
    world.put(
        channel_item(101), channel_item(102, joystreamChannelId="abc"), {"userId": "u", "id": "x"}
    )

    result = world.sync()

    reasons = sorted(r.reason for r in result.plan.rejected)
    assert reasons == [
        "joystreamChannelId is missing",
        "joystreamChannelId is not a whole number ('abc')",
    ]
    assert result.created == 1


def test_status_change_updates_only_what_changed(world: World) -> None:
    world.put(channel_item(101))
    world.sync()
    world.hubspot.store.reset_request_counts()

    world.put(channel_item(101, yppStatus="Verified::Gold"))
    result = world.sync()

    [write] = result.plan.writes
    assert write.properties == {"yppstatus": "Verified::Gold"}
    assert result.write_calls == 1
    assert world.by_key(101)["yppstatus"] == "Verified::Gold"


def test_nothing_changed_costs_the_preflight_read_and_the_count(world: World) -> None:
    world.put(*(channel_item(100 + n) for n in range(30)))
    world.sync()
    world.hubspot.store.reset_request_counts()

    result = world.sync()

    assert result.api_calls == {"properties.list": 1, "contacts.search": 1}
    assert world.hubspot.store.request_counts() == {
        "GET /crm/v3/properties/{objectType}": 1,
        "POST /crm/v3/objects/contacts/search": 1,
    }


def test_drift_is_repaired_on_full_run_only(world: World) -> None:
    world.put(channel_item(101))
    world.sync()
    contact_id = world.id_of("creator101@example.com")
    world.hubspot.store.set_properties(contact_id, {"channel_title": "edited by hand"})

    assert world.sync().plan.writes == []
    result = world.sync(full=True)

    [write] = result.plan.writes
    assert write.reason == "drift repaired: channel_title"
    assert world.by_key(101)["channel_title"] == "Channel 101"


def test_lifecycle_never_moves_back(world: World) -> None:
    evangelist = world.hubspot.store.add_contact(
        {"email": "creator101@example.com", "lifecyclestage": "evangelist"}
    )
    world.put(channel_item(101))

    world.sync(full=True)
    second = world.sync(full=True)

    contact = world.by_id(evangelist)
    assert contact["lifecyclestage"] == "evangelist"
    assert contact["hs_lead_status"] == "CONNECTED"
    # The sandbox, like HubSpot, would ignore a backward move: check none was even sent.
    sent = [
        i["properties"]
        for e in world.journal()
        if e.method == "POST" and "/batch/" in e.path and e.request_body
        for i in e.request_body.get("inputs", [])
        if "properties" in i
    ]
    assert sent and all("lifecyclestage" not in properties for properties in sent)
    assert second.plan.writes == []


def test_removed_channel_is_orphaned_never_deleted(world: World) -> None:
    item = channel_item(101)
    world.put(item)
    world.sync()
    world.delete(item)

    result = world.sync()

    assert [o.gleev_id for o in result.plan.orphaned] == [101]
    assert world.by_key(101)["lifecyclestage"] == "customer"


def test_dry_run_writes_nothing(world: World) -> None:
    world.put(channel_item(101))

    result = world.sync(dry_run=True)

    assert len(result.plan.creates) == 1
    assert world.contacts() == []
    assert result.write_calls == 0


def test_one_channel_resync_forces_a_comparison(world: World) -> None:
    world.put(channel_item(101), channel_item(102))
    world.sync()
    for gleev_id in (101, 102):
        contact_id = world.id_of(f"creator{gleev_id}@example.com")
        world.hubspot.store.set_properties(contact_id, {"channel_title": "edited"})

    result = world.sync(channels=("UC0000000000000000000102",))

    assert [w.target.gleev_id for w in result.plan.writes] == [102]
    assert world.by_key(102)["channel_title"] == "Channel 102"
    assert world.by_key(101)["channel_title"] == "edited"


def test_parallel_scan_segments_read_every_channel(world: World) -> None:
    world.put(*(channel_item(100 + n) for n in range(40)))

    result = world.sync(scan_segments=4)

    assert result.created == 40 and result.plan.rejected == []
    assert len(world.contacts()) == 40


def sync_reading_channels_observed(
    world: World, channels: tuple[str, ...]
) -> tuple[RunResult, list[str]]:
    """A run of named channels, and the DynamoDB operations it sent to the channels table."""
    settings = world.settings()
    client = dynamodb_client(settings.dynamo_endpoint_url)
    sent = record_requests(client)
    engine = build_engine(settings, channels=ChannelTable(client, settings.channels_table))
    result = run_sync(settings, RunOptions(channels=channels), engine)
    return result, [operation for operation, _ in sent]


def test_a_run_of_one_gleev_id_queries_its_items_instead_of_scanning(world: World) -> None:
    world.put(channel_item(101), *(channel_item(200 + n) for n in range(30)))
    world.sync()
    contact_id = world.id_of("creator101@example.com")
    world.hubspot.store.set_properties(contact_id, {"channel_title": "edited"})

    result, sent = sync_reading_channels_observed(world, ("101",))

    assert sent == ["Query", "Query"]
    assert world.by_key(101)["channel_title"] == "Channel 101"
    (outcome,) = result.channels
    assert (outcome.outcome, outcome.contact_id) == ("updated", contact_id)
    assert outcome.detail == "drift repaired: channel_title"


def test_one_channel_at_a_time_never_overwrites_the_email_contact_of_another(
    world: World,
) -> None:
    # 102 signed up first, but a run of 101 alone cannot see 102 (nothing indexes e-mails):
    # 101 gets the e-mail contact. A run of 102 then finds the e-mail on 101's contact and
    # keeps 102 apart, flagged, instead of taking that contact over.
    shared = "shared@example.com"
    world.put(
        channel_item(101, email=shared, createdAt="2024-03-01T00:00:00Z"),
        channel_item(102, email=shared, createdAt="2024-01-01T00:00:00Z"),
    )

    first = world.sync(channels=("101",))
    second = world.sync(channels=("102",))

    holder = world.by_email(shared)
    assert (holder[KEY], holder["channel_title"]) == ("101", "Channel 101")
    apart = world.by_key(102)
    assert apart.get("email") in (None, "")
    assert apart["hubsync_flag"] == f"email-on-contact:{first.channels[0].contact_id}"
    assert [c.kind.value for c in second.plan.conflicts] == ["email-taken"]
    world.assert_no_duplicates()

    full = world.sync(full=True)

    assert world.by_email(shared)[KEY] == "101"
    assert [c.kind.value for c in full.plan.conflicts] == ["duplicate-email"]
    world.assert_no_duplicates()


def test_a_referrer_outside_the_table_is_synced_by_its_gleev_id(world: World) -> None:
    world.put(channel_item(101, referrerChannelId=7), channel_item(102))

    result, sent = sync_reading_channels_observed(world, ("7",))

    assert sent == ["Query", "Query"]
    (outcome,) = result.channels
    assert (outcome.outcome, outcome.role) == ("created", "referrer")
    assert world.by_key(7)["hs_lead_status"] == "REFERRER"
    assert [c["properties"].get(KEY) for c in world.contacts()] == ["7"]
