"""make_plan() on full runs: who becomes which contact, what is written, what is reported."""

from __future__ import annotations

from typing import Any

import pytest

from hubsync.domain.channel import Rejection
from hubsync.domain.contact import Contact
from hubsync.domain.links import Link, Role
from hubsync.domain.plan import (
    Action,
    Conflict,
    ConflictKind,
    Flagged,
    Held,
    Learned,
    Orphan,
    Plan,
    PlanOptions,
    make_plan,
    read_source,
)
from hubsync.domain.view import ContactView
from tests.unit import factories
from tests.unit.factories import (
    ABSENT,
    HOLD,
    KEY,
    SEPARATE,
    FakeHubSpot,
    conflicts_of,
    contact,
    email_of,
    full_run,
    full_view,
    link_to,
    links_of,
    referrer_link,
    stale_link,
    target_of,
    write_for,
    writes_for,
    youtube_id,
)
from tests.unit.factories import channel_item as item

# Every property a complete default channel (see factories.channel_item) is created with.
CUSTOMER_101 = {
    "email": "creator101@example.com",
    "lifecyclestage": "customer",
    "hs_lead_status": "CONNECTED",
    KEY: "101",
    "channel_title": "Channel 101",
    "channel_url": f"channel/{youtube_id(101)}",
    "total_subscribers": "1200",
    "videoscount": "34",
    "date_signed_up_to_ypp": "2024-01-10T08:00:00.000Z",
    "dateytchannelcreated": "2020-02-03T04:05:06.000Z",
    "processed_at": "2024-01-11T09:30:00.000Z",
    "yppstatus": "Verified::Silver",
    "videocategoryid": "4209603-2",
    "synccategoryname": "Education",
}
WITHOUT_EMAIL_101 = {k: v for k, v in CUSTOMER_101.items() if k != "email"}

# Any: unpacked into customer_contact's overrides, which sit beside its int gleev_id.
MARKETING: dict[str, Any] = {
    "firstname": "Ann",
    "latest_action_comment": "called, call back in May",
    "utm_source": "newsletter",
    "hs_email_bounce": "0",
    "latest_ypp_reward": "120",
}


def customer_contact(contact_id: str, gleev_id: int = 101, **overrides: object) -> Contact:
    """A contact exactly as hubsync would have written channel `gleev_id` (default item)."""
    properties: dict[str, object] = {
        k: v.replace("101", str(gleev_id)) if k in ("email", KEY, "channel_title") else v
        for k, v in CUSTOMER_101.items()
    }
    properties["channel_url"] = f"channel/{youtube_id(gleev_id)}"
    properties.update(overrides)
    return contact(contact_id, **properties)


# -- customers -------------------------------------------------------------------------------


def test_new_signed_up_channel_is_created_by_email_with_every_mapped_property() -> None:
    result = full_run([item(101)])
    write = write_for(result, 101)
    assert write.action is Action.CREATE
    assert write.id_property == "email"
    assert write.id_value == "creator101@example.com"
    assert write.properties == CUSTOMER_101
    assert write.target.role is Role.CUSTOMER
    assert write.reason == "new customer"
    assert write.contact_id is None
    assert result.creates == [write]
    assert result.updates == []
    assert (result.conflicts, result.flagged, result.held, result.rejected) == ([], [], [], [])


def test_target_carries_empty_values_that_a_create_leaves_out() -> None:
    write = write_for(full_run([item(101)]), 101)
    assert write.target.properties["referredby"] == ""
    assert write.target.properties["hubsync_flag"] == ""
    assert "referredby" not in write.properties
    assert "hubsync_flag" not in write.properties


@pytest.mark.parametrize(
    "status",
    [
        "Verified::Bronze",
        "Verified::Diamond",
        "Suspended::CopyrightBreach",
        "Suspended::UnsupportedTopic",
        "OptedOut",
    ],
)
def test_every_status_but_unverified_is_a_connected_customer(status: str) -> None:
    result = full_run([item(101, yppStatus=status)])
    props = write_for(result, 101).properties
    assert props["lifecyclestage"] == "customer"
    assert props["hs_lead_status"] == "CONNECTED"
    assert props["yppstatus"] == status
    assert result.unverified == 0


def test_unknown_status_is_rejected_never_a_customer() -> None:
    result = full_run([item(101, yppStatus="Pending::SomethingNew"), item(102)])
    assert result.rejected == [
        Rejection(youtube_id(101), "yppStatus is not a known YPP status ('Pending::SomethingNew')")
    ]
    assert [w.target.gleev_id for w in result.writes] == [102]


@pytest.mark.parametrize("status", ["UNVERIFIED", " unverified "])
def test_unverified_in_another_case_is_not_a_customer(status: str) -> None:
    result = full_run([item(101, yppStatus=status)])
    assert result.unverified == 1
    assert result.writes == []


def test_status_in_another_case_is_written_as_the_handbook_spells_it() -> None:
    props = write_for(full_run([item(101, yppStatus="VERIFIED::GOLD")]), 101).properties
    assert props["yppstatus"] == "Verified::Gold"


def test_unverified_channel_is_counted_and_not_written() -> None:
    result = full_run([item(101, yppStatus="Unverified"), item(102)])
    assert result.unverified == 1
    assert [w.target.gleev_id for w in result.writes] == [102]


def test_unverified_channel_leaves_the_lead_with_its_email_alone() -> None:
    lead = contact("L1", email=email_of(101), lifecyclestage="lead", hs_lead_status="NEW")
    result = full_run([item(101, yppStatus="Unverified")], full_view(lead))
    assert result.writes == []
    assert result.unverified == 1


def test_leads_that_did_not_sign_up_are_never_touched() -> None:
    leads = [
        contact("L1", email="someone@example.com", lifecyclestage="lead", hs_lead_status="NEW"),
        contact("L2", email="other@example.com", lifecyclestage="lead", **MARKETING),
    ]
    result = full_run([item(101)], full_view(*leads))
    assert [w.action for w in result.writes] == [Action.CREATE]
    assert all(w.contact_id not in ("L1", "L2") for w in result.writes)
    assert result.orphaned == []


def test_numbers_as_strings_missing_statistics_and_unknown_category() -> None:
    result = full_run(
        [
            item(101, joystreamChannelId="101", statistics={"subscriberCount": "1500"}),
            item(102, statistics=ABSENT, videoCategoryId="9999999-2"),
        ]
    )
    first = write_for(result, 101).properties
    assert first[KEY] == "101"
    assert first["total_subscribers"] == "1500"
    assert "videoscount" not in first
    second = write_for(result, 102).properties
    assert "total_subscribers" not in second
    assert "videoscount" not in second
    assert second["videocategoryid"] == "9999999-2"
    assert "synccategoryname" not in second


@pytest.mark.parametrize(
    ("category", "name"),
    [("4209396-2", "Art"), ("4209591-2", "Crypto"), ("4209721-2", "Video Games")],
)
def test_sync_category_name_comes_from_the_category_id(category: str, name: str) -> None:
    props = write_for(full_run([item(101, videoCategoryId=category)]), 101).properties
    assert (props["videocategoryid"], props["synccategoryname"]) == (category, name)


def test_datetimes_are_written_as_utc_with_milliseconds() -> None:
    result = full_run(
        [
            item(
                101,
                createdAt="2024-01-10T10:00:00+02:00",
                publishedAt="1577836800000",
                processedAt="2024-01-11T09:30:00.987654Z",
            )
        ]
    )
    props = write_for(result, 101).properties
    assert props["date_signed_up_to_ypp"] == "2024-01-10T08:00:00.000Z"
    assert props["dateytchannelcreated"] == "2020-01-01T00:00:00.000Z"
    assert props["processed_at"] == "2024-01-11T09:30:00.987Z"


@pytest.mark.parametrize("unreadable", ["last tuesday", "2024-02-30T10:00:00.000Z"])
def test_unreadable_date_is_left_out_rather_than_written_raw(unreadable: str) -> None:
    props = write_for(full_run([item(101, processedAt=unreadable)]), 101).properties
    assert "processed_at" not in props


def test_another_key_property_name_is_used_everywhere() -> None:
    result = full_run([item(101, email=ABSENT, referrerChannelId=7)], key_property="ypp_gleev_id")
    customer = write_for(result, 101)
    assert customer.id_property == "ypp_gleev_id"
    assert customer.properties["ypp_gleev_id"] == "101"
    assert KEY not in customer.properties
    referrer = write_for(result, 7)
    assert referrer.properties == {
        "lifecyclestage": "customer",
        "hs_lead_status": "REFERRER",
        "ypp_gleev_id": "7",
    }


# -- referrers -------------------------------------------------------------------------------


def test_referrer_that_did_not_sign_up_is_created_by_key_without_email() -> None:
    result = full_run([item(101, referrerChannelId=7)])
    assert write_for(result, 101).properties["referredby"] == "7"
    referrer = write_for(result, 7)
    assert referrer.action is Action.CREATE
    assert referrer.id_property == KEY
    assert referrer.id_value == "7"
    assert referrer.properties == {
        "lifecyclestage": "customer",
        "hs_lead_status": "REFERRER",
        KEY: "7",
    }
    assert referrer.target.role is Role.REFERRER
    assert referrer.target.email is None
    assert referrer.reason == "new referrer"


def test_referrer_of_several_channels_is_one_contact() -> None:
    result = full_run([item(101, referrerChannelId=7), item(102, referrerChannelId=7)])
    assert len(writes_for(result, 7)) == 1


def test_referrer_that_signed_up_itself_is_only_a_customer() -> None:
    result = full_run([item(101, referrerChannelId=102), item(102)])
    assert write_for(result, 102).properties["hs_lead_status"] == "CONNECTED"
    assert write_for(result, 102).target.role is Role.CUSTOMER


def test_referrer_whose_own_channel_is_unverified_is_still_a_referrer() -> None:
    result = full_run([item(101, referrerChannelId=7), item(7, yppStatus="Unverified")])
    referrer = write_for(result, 7)
    assert referrer.target.role is Role.REFERRER
    assert "email" not in referrer.properties  # the unverified channel's e-mail is not used


def test_only_synced_channels_make_referrers() -> None:
    result = full_run(
        [
            item(101, yppStatus="Unverified", referrerChannelId=7),
            item(102, yppStatus=ABSENT, referrerChannelId=8),  # rejected
        ]
    )
    assert result.writes == []


def test_connected_contact_is_never_demoted_to_referrer() -> None:
    former = contact(
        "C7", **{KEY: "7", "lifecyclestage": "customer", "hs_lead_status": "CONNECTED"}
    )
    result = full_run([item(101, referrerChannelId=7)], full_view(former))
    assert writes_for(result, 7) == []
    assert result.confirmed == [referrer_link(7, "C7")]


def test_referrer_contact_with_a_marketing_lead_status_becomes_referrer() -> None:
    existing = contact("C7", **{KEY: "7", "lifecyclestage": "lead", "hs_lead_status": "NEW"})
    result = full_run([item(101, referrerChannelId=7)], full_view(existing))
    write = write_for(result, 7)
    assert write.action is Action.UPDATE
    assert write.contact_id == "C7"
    assert write.properties == {"lifecyclestage": "customer", "hs_lead_status": "REFERRER"}


# -- channels without a usable e-mail --------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "flag", "reason"),
    [
        (ABSENT, "missing-email", "no e-mail"),
        ("   ", "missing-email", "no e-mail"),
        ("creator101@", "invalid-email", "the e-mail is not a valid address"),
    ],
)
def test_channel_without_usable_email_is_keyed_by_gleev_id_and_flagged(
    email: object, flag: str, reason: str
) -> None:
    result = full_run([item(101, email=email)])
    write = write_for(result, 101)
    assert write.action is Action.CREATE
    assert write.id_property == KEY
    assert write.id_value == "101"
    assert write.properties == WITHOUT_EMAIL_101 | {"hubsync_flag": flag}
    assert write.target.role is Role.CUSTOMER
    assert write.reason == f"new customer ({flag})"
    assert result.flagged == [Flagged(101, youtube_id(101), flag, reason)]


def test_padded_mixed_case_email_is_written_normalized() -> None:
    result = full_run([item(101, email="  Creator101@EXAMPLE.com ")])
    write = write_for(result, 101)
    assert write.id_value == "creator101@example.com"
    assert write.properties["email"] == "creator101@example.com"
    assert result.flagged == []


def test_flag_is_cleared_once_the_channel_has_an_email() -> None:
    old = customer_contact("C1", email=None, hubsync_flag="missing-email")
    link = link_to(item(101, email=ABSENT), "C1", flag="missing-email")
    result = full_run([item(101)], full_view(old), links_of(link))
    write = write_for(result, 101)
    assert write.properties == {"email": "creator101@example.com", "hubsync_flag": ""}


def test_contact_email_is_never_cleared_when_the_channel_loses_it() -> None:
    linked = customer_contact("C1")
    link = link_to(item(101), "C1")
    result = full_run([item(101, email=ABSENT)], full_view(linked), links_of(link))
    write = write_for(result, 101)
    assert write.contact_id == "C1"
    assert write.properties == {"hubsync_flag": "missing-email"}


# -- matching a channel to a contact ---------------------------------------------------------


def test_linked_contact_comes_first() -> None:
    linked = contact("C1", email="old-address@example.com", lifecyclestage="customer")
    lead = contact("L1", email=email_of(101), lifecyclestage="lead")
    view = full_view(linked, lead)
    result = full_run([item(101)], view, links_of(stale_link(101, "C1")))
    write = write_for(result, 101)
    assert write.action is Action.UPDATE
    assert write.contact_id == "C1"
    # the e-mail is on the lead: it is not moved onto the linked contact
    assert "email" not in write.properties
    assert conflicts_of(result, ConflictKind.EMAIL_TAKEN)[0].contact_ids == ("L1", "C1")


def test_link_wins_over_a_contact_carrying_the_gleev_id() -> None:
    linked = contact("C1", email=email_of(101), lifecyclestage="customer")
    keyed = contact("C2", **{KEY: "101", "lifecyclestage": "customer"})
    result = full_run([item(101)], full_view(linked, keyed), links_of(stale_link(101, "C1")))
    write = write_for(result, 101)
    assert write.contact_id == "C1"
    assert write.reason.startswith("linked: ")


def test_referrer_who_signs_up_is_promoted_in_place_with_email_filled_in() -> None:
    referrer = contact(
        "R7", **{KEY: "101", "lifecyclestage": "customer", "hs_lead_status": "REFERRER"}
    )
    result = full_run([item(101)], full_view(referrer), links_of(referrer_link(101, "R7")))
    write = write_for(result, 101)
    assert write.action is Action.UPDATE
    assert write.contact_id == "R7"
    expected = {k: v for k, v in CUSTOMER_101.items() if k not in ("lifecyclestage", KEY)}
    assert write.properties == expected
    assert write.properties["email"] == "creator101@example.com"
    assert write.properties["hs_lead_status"] == "CONNECTED"
    assert write.target.role is Role.CUSTOMER


def test_referrer_found_by_gleev_id_without_link_is_promoted() -> None:
    referrer = contact(
        "R7", **{KEY: "101", "lifecyclestage": "customer", "hs_lead_status": "REFERRER"}
    )
    result = full_run([item(101)], full_view(referrer))
    write = write_for(result, 101)
    assert write.contact_id == "R7"
    assert write.reason.startswith("same Gleev id: ")
    assert "email" in write.properties


def test_lead_with_the_email_is_converted_in_place_and_marketing_properties_kept() -> None:
    lead = contact(
        "L1",
        email="Creator101@Example.com",
        lifecyclestage="lead",
        hs_lead_status="ATTEMPTED_TO_CONTACT",
        **MARKETING,
    )
    result = full_run([item(101)], full_view(lead))
    write = write_for(result, 101)
    assert write.action is Action.UPDATE
    assert write.contact_id == "L1"
    assert write.reason.startswith("lead converted: ")
    # only managed properties, and the e-mail only differs in case: not rewritten
    assert write.properties == WITHOUT_EMAIL_101
    assert not set(write.properties) & set(MARKETING)
    assert result.creates == []
    assert result.conflicts == []


def test_contact_with_the_email_at_a_later_stage_is_adopted_without_moving_back() -> None:
    fan = contact("E1", email=email_of(101), lifecyclestage="evangelist", hs_lead_status="NEW")
    result = full_run([item(101)], full_view(fan))
    write = write_for(result, 101)
    assert write.contact_id == "E1"
    assert write.reason.startswith("adopted (evangelist): ")
    assert "lifecyclestage" not in write.properties
    assert write.properties["hs_lead_status"] == "CONNECTED"


@pytest.mark.parametrize("stage", ["evangelist", "other", "1234567"])
def test_lifecycle_past_customer_or_custom_is_left_alone(stage: str) -> None:
    linked = customer_contact("C1", lifecyclestage=stage)
    result = full_run([item(101)], full_view(linked), links_of(link_to(item(101), "C1")))
    assert result.writes == []
    assert result.unchanged == 1


@pytest.mark.parametrize("stage", ["subscriber", "lead", "opportunity", ""])
def test_lifecycle_before_customer_moves_forward(stage: str) -> None:
    linked = customer_contact("C1", lifecyclestage=stage)
    result = full_run([item(101)], full_view(linked), links_of(link_to(item(101), "C1")))
    assert write_for(result, 101).properties == {"lifecyclestage": "customer"}


def test_contact_without_any_match_gets_a_new_contact() -> None:
    unrelated = contact("X1", email="someone@example.com", **{KEY: "555"})
    result = full_run([item(101)], full_view(unrelated), links_of(link_to(item(555), "X1")))
    assert write_for(result, 101).action is Action.CREATE


# -- duplicate e-mails -----------------------------------------------------------------------


def trio(**overrides: object) -> list[dict[str, object]]:
    """Three channels signing up with one e-mail, written differently each time."""
    return [
        item(103, email="SHARED@example.com", createdAt="2024-03-03T00:00:00.000Z", **overrides),
        item(101, email="  shared@example.com", createdAt="2024-03-01T00:00:00.000Z", **overrides),
        item(102, email="Shared@Example.Com ", createdAt="2024-03-02T00:00:00.000Z", **overrides),
    ]


DUPLICATE_OF_101 = "channel 101 keeps the shared e-mail"


def test_duplicate_group_keeps_the_earliest_on_the_email_and_separates_the_others() -> None:
    result = full_run(trio())
    primary = write_for(result, 101)
    assert primary.id_property == "email"
    assert primary.id_value == "shared@example.com"
    assert primary.target.role is Role.CUSTOMER
    for gleev_id in (102, 103):
        write = write_for(result, gleev_id)
        assert write.action is Action.CREATE
        assert write.id_property == KEY
        assert write.id_value == str(gleev_id)
        assert "email" not in write.properties
        assert write.properties["hubsync_flag"] == "duplicate-email-of:101"
        assert write.target.role is Role.DUPLICATE
        assert write.reason == "new duplicate (duplicate-email-of:101)"
    assert result.conflicts == [
        Conflict(
            ConflictKind.DUPLICATE_EMAIL,
            (101, 102, 103),
            "3 channels signed up with this e-mail; 101 keeps the e-mail contact, "
            "102, 103: separate",
            email="shared@example.com",
        )
    ]
    assert sorted(result.flagged, key=lambda f: f.gleev_id) == [
        Flagged(102, youtube_id(102), "duplicate-email-of:101", DUPLICATE_OF_101),
        Flagged(103, youtube_id(103), "duplicate-email-of:101", DUPLICATE_OF_101),
    ]
    assert result.held == []


def test_duplicate_group_with_hold_writes_only_the_primary() -> None:
    result = full_run(trio(), duplicate_policy=HOLD)
    assert [w.target.gleev_id for w in result.writes] == [101]
    assert result.held == [
        Held(102, "shares its e-mail with channel 101 (policy hold)"),
        Held(103, "shares its e-mail with channel 101 (policy hold)"),
    ]
    assert [(c.kind, c.gleev_ids) for c in result.conflicts] == [
        (ConflictKind.DUPLICATE_EMAIL, (101, 102, 103))
    ]
    assert result.conflicts[0].detail.endswith("102, 103: hold")
    assert result.flagged == []


def test_equal_signup_times_are_broken_by_the_lowest_gleev_id() -> None:
    same_time = "2024-03-01T00:00:00.000Z"
    items = [
        item(205, email="shared@example.com", createdAt=same_time),
        item(204, email="shared@example.com", createdAt=same_time),
    ]
    result = full_run(items)
    assert write_for(result, 204).id_property == "email"
    assert write_for(result, 205).properties["hubsync_flag"] == "duplicate-email-of:204"


def test_channel_without_signup_time_is_not_the_primary() -> None:
    items = [
        item(1, email="shared@example.com", createdAt=ABSENT),
        item(2, email="shared@example.com", createdAt="2024-03-01T00:00:00.000Z"),
    ]
    result = full_run(items)
    assert write_for(result, 2).id_property == "email"
    assert write_for(result, 1).properties["hubsync_flag"] == "duplicate-email-of:2"


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("2024-03-01T10:00:00+02:00", "2024-03-01T09:00:00Z"),  # 08:00 UTC before 09:00 UTC
        ("2024-03-01T09:00:00Z", "2024-03-01T09:00:00.500Z"),  # whole second before +0.5 s
    ],
    ids=["offset", "fraction"],
)
def test_earliest_signup_is_decided_by_the_instant_not_the_text(earlier: str, later: str) -> None:
    items = [
        item(1, email="shared@example.com", createdAt=later),
        item(2, email="shared@example.com", createdAt=earlier),
    ]
    result = full_run(items)
    assert write_for(result, 2).id_property == "email"
    assert write_for(result, 1).properties["hubsync_flag"] == "duplicate-email-of:2"


def test_later_item_with_the_same_gleev_id_is_decided_by_the_instant() -> None:
    """The first item signed up at 08:00 UTC, written with a +02:00 offset."""
    items = [
        item(101, id="UClater", createdAt="2024-03-01T09:00:00Z"),
        item(101, id="UCfirst", createdAt="2024-03-01T10:00:00+02:00"),
    ]
    assert full_run(items).rejected == [
        Rejection("UClater", "joystreamChannelId 101 is already used by UCfirst")
    ]


def test_member_already_on_the_email_contact_keeps_it_though_it_signed_up_later() -> None:
    items = trio()
    holder = contact("C2", email="shared@example.com", lifecyclestage="customer", **{KEY: "102"})
    result = full_run(items, full_view(holder))
    on_contact = write_for(result, 102)
    assert on_contact.action is Action.UPDATE
    assert on_contact.contact_id == "C2"
    for gleev_id in (101, 103):
        write = write_for(result, gleev_id)
        assert write.action is Action.CREATE
        assert write.id_property == KEY
        assert write.properties["hubsync_flag"] == "duplicate-email-of:102"
    (conflict,) = result.conflicts
    assert conflict.kind is ConflictKind.DUPLICATE_EMAIL
    assert conflict.gleev_ids == (102, 101, 103)
    assert conflict.detail.startswith("3 channels signed up with this e-mail; 102 keeps")


@pytest.mark.parametrize("policy", [SEPARATE, HOLD])
def test_member_linked_to_the_email_contact_keeps_it_even_without_the_key(policy: object) -> None:
    """C2 is 102's contact by hubsync's link (its gleev_channel_id was cleared by hand). 102
    holds the e-mail contact, so it stays there; 101 is the one separated or held."""
    items = trio()[1:]  # 101 (earlier) and 102, one e-mail
    holder = contact("C2", email="shared@example.com", lifecyclestage="customer")
    links = links_of(link_to(items[1], "C2"))
    result = full_run(items, full_view(holder), links, duplicate_policy=policy)
    (conflict,) = result.conflicts
    assert (conflict.kind, conflict.gleev_ids) == (ConflictKind.DUPLICATE_EMAIL, (102, 101))
    on_contact = write_for(result, 102)
    assert on_contact.contact_id == "C2"
    assert on_contact.target.role is Role.CUSTOMER
    assert on_contact.properties.get("hubsync_flag", "") == ""
    if policy is HOLD:
        assert [h.gleev_id for h in result.held] == [101]
    else:
        assert write_for(result, 101).properties["hubsync_flag"] == "duplicate-email-of:102"


def test_lead_with_the_shared_email_is_converted_for_the_primary_only() -> None:
    lead = contact("L1", email="shared@example.com", lifecyclestage="lead", **MARKETING)
    result = full_run(trio(), full_view(lead))
    assert write_for(result, 101).contact_id == "L1"
    assert write_for(result, 102).action is Action.CREATE
    assert write_for(result, 103).action is Action.CREATE
    assert [w.contact_id for w in result.updates] == ["L1"]


def test_distinct_emails_are_not_a_group() -> None:
    result = full_run([item(101), item(102)])
    assert result.conflicts == []
    assert {w.id_value for w in result.writes} == {email_of(101), email_of(102)}


def test_channels_without_email_never_form_a_group() -> None:
    result = full_run([item(101, email=ABSENT), item(102, email="bad"), item(103, email="")])
    assert result.conflicts == []
    assert [w.id_property for w in result.writes] == [KEY, KEY, KEY]


# -- e-mail already on someone else's contact ------------------------------------------------


def others_contact() -> Contact:
    """Channel 555's contact (by its key), carrying the e-mail channel 101 signs up with."""
    return contact("C5", email=email_of(101), lifecyclestage="customer", **{KEY: "555"})


def test_email_on_another_channels_contact_is_taken_and_the_channel_separated() -> None:
    result = full_run([item(101)], full_view(others_contact()))
    write = write_for(result, 101)
    assert write.action is Action.CREATE
    assert write.id_property == KEY
    assert "email" not in write.properties
    assert write.properties["hubsync_flag"] == "email-on-contact:C5"
    assert write.target.role is Role.DUPLICATE
    assert all(w.contact_id != "C5" for w in result.writes)
    assert result.conflicts == [
        Conflict(
            ConflictKind.EMAIL_TAKEN,
            (555, 101),
            "e-mail is already on channel 555's contact C5",
            email=email_of(101),
            contact_ids=("C5",),
        )
    ]
    assert result.flagged == [
        Flagged(101, youtube_id(101), "email-on-contact:C5", "its e-mail is on contact C5")
    ]


def test_email_on_a_contact_linked_to_another_channel_is_taken() -> None:
    theirs = contact("C5", email=email_of(101), lifecyclestage="customer")
    links = links_of(link_to(item(555), "C5"))
    result = full_run([item(101), item(555, email="x555@example.com")], full_view(theirs), links)
    assert conflicts_of(result, ConflictKind.EMAIL_TAKEN)[0].gleev_ids == (555, 101)
    assert write_for(result, 101).action is Action.CREATE
    assert write_for(result, 555).contact_id == "C5"


def test_email_taken_with_hold_is_not_written() -> None:
    result = full_run([item(101)], full_view(others_contact()), duplicate_policy=HOLD)
    assert result.writes == []
    assert result.held == [Held(101, "e-mail is on contact C5")]
    assert [c.kind for c in result.conflicts] == [ConflictKind.EMAIL_TAKEN]
    assert result.flagged == []


def test_promoted_referrer_whose_email_is_on_a_lead_is_not_merged_into_the_lead() -> None:
    referrer = contact(
        "R7", **{KEY: "101", "lifecyclestage": "customer", "hs_lead_status": "REFERRER"}
    )
    lead = contact("L1", email=email_of(101), lifecyclestage="lead", **MARKETING)
    result = full_run([item(101)], full_view(referrer, lead))
    (write,) = result.writes
    assert write.action is Action.UPDATE
    assert write.contact_id == "R7"
    assert "email" not in write.properties
    assert write.properties["hubsync_flag"] == "email-on-contact:L1"
    assert write.properties["hs_lead_status"] == "CONNECTED"
    assert result.conflicts == [
        Conflict(
            ConflictKind.EMAIL_TAKEN,
            (101,),
            "e-mail is already on an unlinked contact L1; merge the contacts in HubSpot to resolve",
            email=email_of(101),
            contact_ids=("L1", "R7"),
        )
    ]


def test_email_taken_on_a_contact_of_the_same_channel_is_no_conflict() -> None:
    mine = contact("C1", email=email_of(101), lifecyclestage="customer", **{KEY: "101"})
    result = full_run([item(101)], full_view(mine))
    assert result.conflicts == []
    assert write_for(result, 101).contact_id == "C1"


# -- drift and values that mean the same -----------------------------------------------------


def test_contact_matching_the_channel_is_unchanged_and_its_link_confirmed() -> None:
    exact = customer_contact("C1")
    result = full_run([item(101)], full_view(exact))
    assert result.writes == []
    assert result.unchanged == 1
    assert result.confirmed == [link_to(item(101), "C1")]


def test_link_already_right_is_not_confirmed_again() -> None:
    exact = customer_contact("C1")
    result = full_run([item(101)], full_view(exact), links_of(link_to(item(101), "C1")))
    assert (result.writes, result.confirmed, result.unchanged) == ([], [], 1)


def test_values_equal_in_meaning_are_not_drift() -> None:
    same_meaning = customer_contact(
        "C1",
        email="CREATOR101@example.com",
        total_subscribers="1200.0",
        videoscount="34.00",
        date_signed_up_to_ypp="2024-01-10T08:00:00Z",
        dateytchannelcreated="1580702706000",
        processed_at="2024-01-11T10:30:00+01:00",
        referredby="",
        hubsync_flag=None,
    )
    result = full_run([item(101)], full_view(same_meaning), links_of(link_to(item(101), "C1")))
    assert result.writes == []
    assert result.unchanged == 1


def test_drift_of_managed_properties_is_repaired_on_a_full_run() -> None:
    drifted = customer_contact(
        "C1",
        channel_title="Renamed by hand",
        total_subscribers="5",
        referredby="42",
        hs_lead_status="BAD_TIMING",
        **MARKETING,
    )
    result = full_run([item(101)], full_view(drifted), links_of(link_to(item(101), "C1")))
    write = write_for(result, 101)
    assert write.action is Action.UPDATE
    assert write.contact_id == "C1"
    assert write.properties == {
        "channel_title": "Channel 101",
        "total_subscribers": "1200",
        "referredby": "",
        "hs_lead_status": "CONNECTED",
    }
    assert write.reason == (
        "drift repaired: channel_title, hs_lead_status, referredby, total_subscribers"
    )


def test_changed_channel_is_an_update_not_a_drift_repair() -> None:
    old = customer_contact("C1")
    link = link_to(item(101), "C1")
    result = full_run([item(101, title="New title")], full_view(old), links_of(link))
    write = write_for(result, 101)
    assert write.properties == {"channel_title": "New title"}
    assert write.reason == "linked: channel_title"


def test_missing_statistics_clear_the_counts_on_the_contact() -> None:
    old = customer_contact("C1")
    result = full_run([item(101, statistics=ABSENT)], full_view(old))
    assert write_for(result, 101).properties == {"total_subscribers": "", "videoscount": ""}


# -- rejected items ---------------------------------------------------------------------------


def test_bad_items_are_rejected_with_reasons_and_the_rest_planned() -> None:
    items = [
        item(101),
        item(102, id=ABSENT),
        item(103, joystreamChannelId=ABSENT),
        item(104, joystreamChannelId="x104"),
        item(105, yppStatus="Verified::Platinum"),
        {"id": "meta#version", "version": 3},
        item(106),
    ]
    result = full_run(items)
    assert result.rejected == [
        Rejection("<no id>", "id is missing"),
        Rejection(youtube_id(103), "joystreamChannelId is missing"),
        Rejection(youtube_id(104), "joystreamChannelId is not a whole number ('x104')"),
        Rejection(youtube_id(105), "yppStatus is not a known YPP status ('Verified::Platinum')"),
        Rejection("meta#version", "joystreamChannelId is missing"),
    ]
    assert sorted(w.target.gleev_id for w in result.writes) == [101, 106]


def test_second_item_with_the_same_gleev_id_is_rejected_as_the_later_signup() -> None:
    first = item(101, id="UCfirst", createdAt="2024-01-01T00:00:00.000Z")
    later = item(101, id="UClater", createdAt="2024-02-01T00:00:00.000Z", email="b@example.com")
    result = full_run([later, first])
    assert result.rejected == [
        Rejection("UClater", "joystreamChannelId 101 is already used by UCfirst")
    ]
    write = write_for(result, 101)
    assert write.properties["channel_url"] == "channel/UCfirst"
    assert write.properties["email"] == email_of(101)


def test_unverified_item_does_not_take_a_gleev_id_from_a_signed_up_one() -> None:
    unverified = item(101, id="UCold", yppStatus="Unverified", createdAt="2023-01-01T00:00:00Z")
    result = full_run([unverified, item(101)])
    assert result.rejected == []
    assert write_for(result, 101).properties["channel_url"] == f"channel/{youtube_id(101)}"


# -- orphans and contacts claimed twice ------------------------------------------------------


def test_linked_channel_gone_from_the_source_is_orphaned_not_deleted() -> None:
    gone = customer_contact("C9", gleev_id=999)
    links = links_of(link_to(item(999), "C9"), link_to(item(101), "C1"))
    result = full_run([item(101)], full_view(gone, customer_contact("C1")), links)
    assert result.orphaned == [Orphan(999, "C9", "no longer a synced channel or referrer")]
    assert all(w.contact_id != "C9" for w in result.writes)
    assert all(w.target.gleev_id != 999 for w in result.writes)


def test_linked_channel_back_to_unverified_is_orphaned() -> None:
    links = links_of(link_to(item(101), "C1"))
    view = full_view(customer_contact("C1"))
    result = full_run([item(101, yppStatus="Unverified")], view, links)
    assert result.orphaned == [Orphan(101, "C1", "no longer a synced channel or referrer")]
    assert result.writes == []


def test_full_run_reports_contacts_carrying_an_unknown_gleev_id() -> None:
    stray = contact("C8", email="stray@example.com", **{KEY: "888"})
    not_a_number = contact("C0", **{KEY: "n/a"})
    result = full_run([item(101)], full_view(stray, not_a_number))
    assert result.orphaned == [Orphan(888, "C8", "contact carries a Gleev id with no channel")]


def test_referrer_contact_is_not_an_orphan() -> None:
    referrer = contact(
        "R7", **{KEY: "7", "lifecyclestage": "customer", "hs_lead_status": "REFERRER"}
    )
    result = full_run([item(101, referrerChannelId=7)], full_view(referrer))
    assert result.orphaned == []
    assert writes_for(result, 7) == []


def test_held_channel_with_a_link_is_not_an_orphan() -> None:
    items = trio()
    links = links_of(link_to(items[2], "C2", Role.DUPLICATE, "duplicate-email-of:101"))
    result = full_run(items, full_view(), links, duplicate_policy=HOLD)
    assert result.orphaned == []
    assert [h.gleev_id for h in result.held] == [102, 103]


def test_two_contacts_with_one_gleev_id_are_a_conflict() -> None:
    first = contact("C1", email=email_of(101), **{KEY: "101"})
    second = contact("C2", email="second@example.com", **{KEY: "101"})
    result = full_run([item(101)], full_view(first, second))
    assert conflicts_of(result, ConflictKind.DUPLICATE_CONTACTS) == [
        Conflict(
            ConflictKind.DUPLICATE_CONTACTS,
            (101,),
            f"2 contacts carry {KEY}=101",
            contact_ids=("C1", "C2"),
        )
    ]
    assert all(w.contact_id != "C2" for w in result.writes)


def test_two_links_to_one_contact_are_a_conflict_and_the_lower_id_keeps_it() -> None:
    shared = customer_contact("C1")
    links = links_of(link_to(item(101), "C1"), link_to(item(102), "C1"))
    result = full_run([item(101), item(102)], full_view(shared), links)
    assert conflicts_of(result, ConflictKind.CONTACT_CLAIMED) == [
        Conflict(
            ConflictKind.CONTACT_CLAIMED,
            (101, 102),
            "channels 101 and 102 are both linked to contact C1; 101 keeps it",
            contact_ids=("C1",),
        )
    ]
    assert writes_for(result, 101) == []  # C1 already says what 101 wants
    other = write_for(result, 102)
    assert other.action is Action.CREATE
    assert other.id_value == email_of(102)


def test_upsert_by_gleev_id_never_lands_on_a_contact_claimed_by_another_channel() -> None:
    """C1 is linked to channel 555 (gone from the source) but carries 101's Gleev id, e.g.
    edited by hand. A create keyed by gleev_channel_id=101 is an upsert that HubSpot would
    apply to C1: 101's data on 555's contact. 101 must not be written that way."""
    claimed = contact("C1", email="old555@example.com", lifecyclestage="customer", **{KEY: "101"})
    links = links_of(link_to(item(555), "C1"))
    result = full_run([item(101, email=ABSENT)], full_view(claimed), links)
    for write in writes_for(result, 101):
        assert write.contact_id != "C1"
        assert (write.id_property, write.id_value) != (KEY, "101"), write
    assert any(101 in c.gleev_ids for c in result.conflicts), result.conflicts


# -- plan sanity ------------------------------------------------------------------------------


def test_empty_source_plans_nothing() -> None:
    result = full_run([])
    assert result == Plan()


def test_plan_does_not_modify_its_inputs() -> None:
    lead = contact("L1", email=email_of(101), lifecyclestage="lead")
    view = full_view(lead)
    links = links_of(stale_link(999, "C9"))
    source = read_source([item(101), *trio()])
    before = (dict(lead.properties), dict(view.by_id), dict(links), list(source.channels))
    make_plan(source, view, links, PlanOptions(full=True))
    assert before == (dict(lead.properties), dict(view.by_id), dict(links), list(source.channels))


def test_planning_twice_gives_the_same_plan() -> None:
    items = [*trio(), item(201, referrerChannelId=7), item(300, email=ABSENT)]
    view = full_view(contact("L1", email="shared@example.com", lifecyclestage="lead"))
    assert full_run(items, view) == full_run(items, view)


def test_applying_a_full_plan_converges_in_one_run() -> None:
    lead = contact("L1", email="shared@example.com", lifecyclestage="lead", **MARKETING)
    referrer = contact("R7", **{KEY: "7", "lifecyclestage": "customer", "hs_lead_status": "NEW"})
    hubspot = FakeHubSpot(lead, referrer)
    items = [*trio(referrerChannelId=7), item(400, email=ABSENT, referrerChannelId=8)]
    for policy in (SEPARATE, HOLD):
        links = hubspot.apply(full_run(items, hubspot.full_view(), duplicate_policy=policy))
        again = full_run(items, hubspot.full_view(), links, duplicate_policy=policy)
        assert again.writes == []
        assert again.confirmed == []
    assert {k: v for k, v in hubspot.contacts["L1"].items() if k in MARKETING} == MARKETING


def test_target_fingerprint_follows_role_and_properties() -> None:
    base = target_of(item(101))
    assert base.fingerprint == target_of(item(101)).fingerprint
    assert base.fingerprint != target_of(item(101), Role.DUPLICATE).fingerprint
    assert base.fingerprint != target_of(item(101, title="Other")).fingerprint


def test_email_hubspot_refused_is_left_out_and_flagged() -> None:
    source = read_source([factories.channel_item(101, email="a..b@example.com")])
    options = PlanOptions(key_property=KEY, full=True)
    learned = Learned(refused_emails=frozenset({"a..b@example.com"}))

    result = make_plan(source, full_view(), {}, options, learned)

    [write] = result.writes
    assert write.id_property == KEY
    assert "email" not in write.properties
    assert write.properties["hubsync_flag"] == "invalid-email"
    assert [(f.gleev_id, f.flag) for f in result.flagged] == [(101, "invalid-email")]


def test_refusal_remembered_in_the_link_keeps_the_email_out_until_it_changes() -> None:
    first = make_plan(
        read_source([factories.channel_item(101, email="a..b@example.com")]),
        full_view(),
        {},
        PlanOptions(key_property=KEY, full=True),
        Learned(refused_emails=frozenset({"a..b@example.com"})),
    )
    [write] = first.writes
    link = Link(101, "C1", write.target.fingerprint, Role.CUSTOMER, "a..b@example.com")
    incremental = PlanOptions(key_property=KEY)

    same = make_plan(
        read_source([factories.channel_item(101, email="a..b@example.com")]),
        ContactView(KEY),
        {101: link},
        incremental,
    )
    changed = make_plan(
        read_source([factories.channel_item(101, email="fixed@example.com")]),
        ContactView(KEY),
        {101: link},
        incremental,
    )

    assert same.unchanged == 1 and not same.lookups and same.writes == []
    assert changed.unchanged == 0 and changed.lookups.contact_ids == {"C1"}
