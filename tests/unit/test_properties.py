"""The table of managed properties: the one place a property is declared, and what is derived
from it (a contact's names and values, the portal schema, the DynamoDB projection, IAM)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hubsync.domain.categories import SYNC_CATEGORY_IDS, SYNC_CATEGORY_NAMES
from hubsync.domain.links import Role
from hubsync.domain.portal_schema import FindingKind, compare_schema, property_create_body
from hubsync.domain.properties import (
    CONTACT_PROPERTIES,
    CUSTOM_GROUP,
    FLAG,
    PropertySpec,
    PropertyTable,
    managed_property_names,
)
from hubsync.domain.target import customer_target, referrer_target
from hubsync.sources.dynamo import READ_ATTRIBUTES
from hubsync_sandbox.seed import CATEGORY_IDS
from tests.unit.factories import KEY, channel
from tests.unit.test_portal_schema import complete_portal

TIER = PropertySpec(
    "ypp_tier",
    "YPP tier",
    "string",
    "text",
    ("yppTier",),
    lambda c: c.ypp_status.rpartition("::")[2],
)


def with_tier() -> PropertyTable:
    """The product's table with one more property, placed before hubsync_flag."""
    rows = list(CONTACT_PROPERTIES.properties)
    rows.insert(len(rows) - 1, TIER)
    return replace(CONTACT_PROPERTIES, properties=tuple(rows))


# The hashes contacts were written with before the table existed: a link remembered then must
# still match, or the first run after an upgrade would read every contact again.
@pytest.mark.parametrize(
    ("role", "flag", "fingerprint"),
    [
        (Role.CUSTOMER, "", "58c1a5b6f1ade2145860b8b7"),
        (Role.DUPLICATE, "duplicate-email-of:5", "fa14a87b8e8f3b4807512f6e"),
        (Role.CUSTOMER, "missing-email", "62c49826598dc0ed11bada53"),
    ],
)
def test_a_contact_hashes_as_it_always_did(role: Role, flag: str, fingerprint: str) -> None:
    target = customer_target(channel(101, referrerChannelId=77), KEY, role, flag)
    assert target.fingerprint == fingerprint


def test_a_contact_with_blank_fields_and_another_key_hashes_as_it_always_did() -> None:
    parsed = channel(102, email=None, statistics=None, videoCategoryId="nope", processedAt=None)
    target = customer_target(parsed, "my_key", Role.CUSTOMER, "missing-email")
    assert target.fingerprint == "e3a471af9414c5b9a13e45ec"
    assert referrer_target(77, KEY).fingerprint == "517cadf09c05124c93caab48"
    assert referrer_target(77, "my_key").fingerprint == "3c266f4afd7058e34b42e7d1"


def test_each_value_sits_under_its_own_name() -> None:
    parsed = channel(101, referrerChannelId=77, statistics={"subscriberCount": 5, "videoCount": 0})
    properties = customer_target(parsed, KEY, Role.CUSTOMER, "missing-email").properties
    assert properties == {
        "email": "creator101@example.com",
        "lifecyclestage": "customer",
        "hs_lead_status": "CONNECTED",
        KEY: "101",
        "channel_title": "Channel 101",
        "channel_url": "channel/UC0000000000000000000101",
        "total_subscribers": "5",
        "videoscount": "0",
        "date_signed_up_to_ypp": "2024-01-10T08:00:00.000Z",
        "dateytchannelcreated": "2020-02-03T04:05:06.000Z",
        "processed_at": "2024-01-11T09:30:00.000Z",
        "yppstatus": "Verified::Silver",
        "referredby": "77",
        "videocategoryid": "4209603-2",
        "synccategoryname": "Education",
        FLAG: "missing-email",
    }
    assert referrer_target(77, "my_key").properties == {
        "lifecyclestage": "customer",
        "hs_lead_status": "REFERRER",
        "my_key": "77",
    }


def test_the_key_property_takes_the_name_the_settings_give_it() -> None:
    names = managed_property_names("my_key")
    assert "my_key" in names and KEY not in names
    spec = next(s for s in CONTACT_PROPERTIES.specs("my_key") if s.name == "my_key")
    assert spec.unique and spec.reads == ("joystreamChannelId",)


def test_a_property_added_to_the_table_reaches_every_contact() -> None:
    table = with_tier()
    parsed = channel(101)

    customer = customer_target(parsed, KEY, Role.CUSTOMER, "missing-email", table=table)
    duplicate = customer_target(parsed, KEY, Role.DUPLICATE, table=table)

    assert customer.properties["ypp_tier"] == "Silver"
    assert customer.properties[FLAG] == "missing-email"  # the flag did not shift
    assert customer.names[-2:] == ("ypp_tier", FLAG)
    assert duplicate.properties["ypp_tier"] == "Silver"
    assert "email" not in duplicate.properties
    assert "ypp_tier" not in referrer_target(77, KEY, table=table).properties
    plain = customer_target(parsed, KEY, Role.CUSTOMER, "missing-email")
    assert customer.fingerprint != plain.fingerprint


def test_a_property_added_to_the_table_is_checked_and_created_in_the_portal() -> None:
    findings = compare_schema(complete_portal(), KEY, table=with_tier())

    missing = [f for f in findings if not f.ok]
    assert [(f.name, f.kind, f.fixable) for f in missing] == [
        ("ypp_tier", FindingKind.MISSING, True)
    ]
    assert missing[0].spec is not None
    assert property_create_body(missing[0].spec) == {
        "name": "ypp_tier",
        "label": "YPP tier",
        "type": "string",
        "fieldType": "text",
        "groupName": CUSTOM_GROUP,
        "hasUniqueValue": False,
    }


def test_a_property_added_to_the_table_is_read_from_dynamodb_and_allowed_by_iam() -> None:
    table = with_tier()
    assert table.read_attributes() == (*CONTACT_PROPERTIES.read_attributes(), "yppTier")
    assert table.iam_attributes() == sorted([*READ_ATTRIBUTES, "yppTier"])


def test_the_projection_is_the_tables_each_attribute_once() -> None:
    assert CONTACT_PROPERTIES.read_attributes() == READ_ATTRIBUTES
    assert len(set(READ_ATTRIBUTES)) == len(READ_ATTRIBUTES) == 14
    read_by_properties = {a for s in CONTACT_PROPERTIES.properties for a in s.reads}
    assert read_by_properties <= set(READ_ATTRIBUTES)
    assert CONTACT_PROPERTIES.iam_attributes() == sorted(READ_ATTRIBUTES)
    assert not {"userAccessToken", "userRefreshToken", "description"} & set(READ_ATTRIBUTES)


def test_the_sync_category_ids_are_the_named_ones() -> None:
    assert set(SYNC_CATEGORY_IDS) == set(SYNC_CATEGORY_NAMES)
    assert len(SYNC_CATEGORY_IDS) == 20


def test_the_seed_uses_exactly_the_sync_categories_hubsync_names() -> None:
    # The sandbox imports nothing of hubsync, so its copy of the ids is checked here.
    assert set(CATEGORY_IDS) == set(SYNC_CATEGORY_IDS)
