"""plan() with bad input: what identifies a channel rejects it, anything else is flagged."""

from __future__ import annotations

import pytest

from hubsync.domain.channel import Rejection
from hubsync.domain.links import Role
from hubsync.domain.plan import Flagged, Plan
from tests.unit.factories import (
    ABSENT,
    KEY,
    FakeHubSpot,
    contact,
    email_of,
    full_run,
    full_view,
    link_to,
    links_of,
    run,
    write_for,
    writes_for,
    youtube_id,
)
from tests.unit.factories import channel_item as item

# -- a bad secondary field: the channel is synced, the property blank, the channel flagged ---------


@pytest.mark.parametrize(
    ("overrides", "blank", "flag", "reason"),
    [
        (
            {"statistics": {"subscriberCount": "12,000", "videoCount": 34}},
            "total_subscribers",
            "bad-field:statistics.subscriberCount",
            "statistics.subscriberCount is not a whole number ('12,000')",
        ),
        (
            {"statistics": {"subscriberCount": 1200, "videoCount": 1.5}},
            "videoscount",
            "bad-field:statistics.videoCount",
            "statistics.videoCount is not a whole number ('1.5')",
        ),
        (
            {"statistics": {"subscriberCount": True, "videoCount": 34}},
            "total_subscribers",
            "bad-field:statistics.subscriberCount",
            "statistics.subscriberCount is not a number (True)",
        ),
        ({"title": 12345}, "channel_title", "bad-field:title", "title is not a string (int)"),
        (
            {"createdAt": 1704873600000},
            "date_signed_up_to_ypp",
            "bad-field:createdAt",
            "createdAt is not a string (int)",
        ),
        (
            {"referrerChannelId": "abc"},
            "referredby",
            "bad-field:referrerChannelId",
            "referrerChannelId is not a whole number ('abc')",
        ),
        (
            {"createdAt": "yesterday"},
            "date_signed_up_to_ypp",
            "bad-field:createdAt",
            "createdAt is not a date between 1970 and 9999 ('yesterday')",
        ),
        (
            {"publishedAt": "0001-01-01T00:00:00Z"},
            "dateytchannelcreated",
            "bad-field:publishedAt",
            "publishedAt is not a date between 1970 and 9999 ('0001-01-01T00:00:00Z')",
        ),
    ],
)
def test_customer_with_a_bad_field_is_synced_with_it_blank_and_flagged(
    overrides: dict[str, object], blank: str, flag: str, reason: str
) -> None:
    result = full_run([item(101, **{"referrerChannelId": 7, **overrides})])

    write = write_for(result, 101)
    assert write.id_property == "email"
    assert write.properties["email"] == email_of(101)
    assert write.properties["lifecyclestage"] == "customer"
    assert blank not in write.properties  # a new contact: empty values are left out
    assert write.properties["hubsync_flag"] == flag
    assert result.flagged == [Flagged(101, youtube_id(101), flag, reason)]
    assert result.rejected == []


def test_bad_field_clears_the_value_hubspot_had() -> None:
    """Never guess: "12,000" might be 12000 or 12; the contact must not keep a stale count."""
    old = contact("C1", email=email_of(101), total_subscribers="11000", **{KEY: "101"})
    bad = item(101, statistics={"subscriberCount": "12,000", "videoCount": 34})

    write = write_for(full_run([bad], full_view(old)), 101)

    assert write.properties["total_subscribers"] == ""
    assert write.properties["hubsync_flag"] == "bad-field:statistics.subscriberCount"


def test_fixed_field_clears_the_flag() -> None:
    bad = item(101, title=12345)
    hubspot = FakeHubSpot()
    links = hubspot.apply(full_run([bad], hubspot.full_view()))

    fixed = full_run([item(101)], hubspot.full_view(), links)

    assert write_for(fixed, 101).properties == {"channel_title": "Channel 101", "hubsync_flag": ""}
    assert fixed.flagged == []


def test_several_flags_are_one_value_in_a_stable_order() -> None:
    messy = item(
        101,
        email=ABSENT,
        title=12345,
        statistics={"subscriberCount": "12,000", "videoCount": 34},
        referrerChannelId="abc",
    )

    result = full_run([messy])

    flag = "missing-email;bad-field:referrerChannelId;bad-field:title;"
    flag += "bad-field:statistics.subscriberCount"
    assert write_for(result, 101).properties["hubsync_flag"] == flag
    assert result.flagged == [
        Flagged(
            101,
            youtube_id(101),
            flag,
            "no e-mail; referrerChannelId is not a whole number ('abc'); "
            "title is not a string (int); "
            "statistics.subscriberCount is not a whole number ('12,000')",
        )
    ]


def test_several_flags_keep_the_hash_from_run_to_run() -> None:
    messy = item(101, email=ABSENT, title=12345, createdAt="yesterday")
    hubspot = FakeHubSpot()
    links = hubspot.apply(full_run([messy], hubspot.full_view()))

    incremental = run([messy], full_view(), links)

    assert incremental.writes == [] and incremental.unchanged == 1
    assert incremental.unchanged_by_hash == {101}
    assert [f.flag for f in incremental.flagged] == [
        "missing-email;bad-field:title;bad-field:createdAt"
    ]


def test_duplicate_with_a_bad_field_carries_both_flags() -> None:
    first = item(101, email="shared@example.com", createdAt="2024-01-01T00:00:00Z")
    second = item(102, email="shared@example.com", createdAt="2024-02-01T00:00:00Z", title=[1])

    result = full_run([first, second])

    write = write_for(result, 102)
    assert write.target.role is Role.DUPLICATE
    assert write.properties["hubsync_flag"] == "duplicate-email-of:101;bad-field:title"
    assert [(f.gleev_id, f.reason) for f in result.flagged] == [
        (102, "channel 101 keeps the shared e-mail; title is not a string (list)")
    ]


def test_email_taken_with_a_bad_field_is_flagged_once_with_both() -> None:
    theirs = contact("C5", email=email_of(101), lifecyclestage="customer", **{KEY: "555"})

    result = full_run([item(101, title=12345)], full_view(theirs))

    write = write_for(result, 101)
    assert write.properties["hubsync_flag"] == "email-on-contact:C5;bad-field:title"
    assert result.flagged == [
        Flagged(
            101,
            youtube_id(101),
            "email-on-contact:C5;bad-field:title",
            "its e-mail is on contact C5; title is not a string (int)",
        )
    ]


def test_text_past_hubspots_limit_is_cut_and_flagged() -> None:
    result = full_run([item(101, title="t" * 70_000)])

    write = write_for(result, 101)
    assert write.properties["channel_title"] == "t" * 65_536
    assert write.properties["hubsync_flag"] == "truncated:title"
    assert result.flagged[0].reason == (
        "title is longer than HubSpot's 65,536 characters; cut to fit"
    )


# -- what identifies the channel: rejected -----------------------------------------------------


@pytest.mark.parametrize("gleev_id", [-5, 0, 10**30, 1e30, 2**53])
def test_gleev_id_out_of_range_is_rejected_and_nothing_written(gleev_id: object) -> None:
    result = full_run([item(101, joystreamChannelId=gleev_id), item(102)])

    [rejection] = result.rejected
    assert rejection.item_id == youtube_id(101)
    assert rejection.reason.startswith("joystreamChannelId is out of range (")
    assert [w.target.gleev_id for w in result.writes] == [102]


def test_unknown_status_is_rejected_with_its_reason() -> None:
    result = full_run([item(101, yppStatus="Verified::Platinum")])
    assert result.rejected == [
        Rejection(youtube_id(101), "yppStatus is not a known YPP status ('Verified::Platinum')")
    ]
    assert result.writes == []


# -- referrals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("referrer", [-7, 0, 10**30, 1e30, "abc"])
def test_referrer_out_of_range_is_blank_flagged_and_never_a_contact(referrer: object) -> None:
    result = full_run([item(101, referrerChannelId=referrer)])

    write = write_for(result, 101)
    assert "referredby" not in write.properties
    assert write.properties["hubsync_flag"] == "bad-field:referrerChannelId"
    assert [w.target.gleev_id for w in result.writes] == [101]


def test_self_referral_blanks_referredby_with_a_flag() -> None:
    result = full_run([item(101, referrerChannelId=101)])

    write = write_for(result, 101)
    assert "referredby" not in write.properties
    assert write.properties["hubsync_flag"] == "bad-field:referrerChannelId"
    assert result.flagged[0].reason == "referrerChannelId is the channel itself (101)"
    assert len(result.writes) == 1


def cycle_flags(result: Plan) -> dict[int, tuple[str, str]]:
    return {f.gleev_id: (f.flag, f.reason) for f in result.flagged}


def test_referral_cycle_is_flagged_on_every_member_and_referredby_kept() -> None:
    items = [item(101, referrerChannelId=102), item(102, referrerChannelId=101)]

    result = full_run(items)

    assert cycle_flags(result) == {
        101: ("referral-cycle", "referral cycle 101 -> 102 -> 101"),
        102: ("referral-cycle", "referral cycle 101 -> 102 -> 101"),
    }
    assert write_for(result, 101).properties["referredby"] == "102"
    assert write_for(result, 102).properties["hubsync_flag"] == "referral-cycle"
    assert len(result.writes) == 2  # members are customers; no referrer contacts


def test_longer_referral_cycle_and_a_chain_leading_into_it() -> None:
    items = [
        item(100, referrerChannelId=101),  # refers into the cycle, is not on it
        item(101, referrerChannelId=102),
        item(102, referrerChannelId=103),
        item(103, referrerChannelId=101),
        item(104, referrerChannelId=105),  # an ordinary chain ending at a referrer
        item(105, referrerChannelId=7),
    ]

    result = full_run(items)

    reason = "referral cycle 101 -> 102 -> 103 -> 101"
    assert cycle_flags(result) == {n: ("referral-cycle", reason) for n in (101, 102, 103)}
    assert [w.target.role for w in writes_for(result, 7)] == [Role.REFERRER]


def test_cycle_through_an_unverified_channel_is_no_cycle() -> None:
    items = [
        item(101, referrerChannelId=102),
        item(102, referrerChannelId=101, yppStatus="Unverified"),
    ]
    result = full_run(items)
    assert result.flagged == []


def test_referral_cycle_flag_follows_the_other_flags() -> None:
    items = [item(101, referrerChannelId=102, email=ABSENT), item(102, referrerChannelId=101)]
    result = full_run(items)
    assert cycle_flags(result)[101][0] == "missing-email;referral-cycle"


# -- a second plan after HubSpot refused writes ------------------------------------------------


def test_flags_from_a_second_plan_replace_those_of_the_first() -> None:
    first = Plan(flagged=[Flagged(101, "UCa", "bad-field:title", "t"), Flagged(102, "UCb", "x")])
    second = Plan(flagged=[Flagged(101, "UCa", "invalid-email;bad-field:title", "e; t")])

    first.absorb(second)

    assert first.flagged == [
        Flagged(102, "UCb", "x"),
        Flagged(101, "UCa", "invalid-email;bad-field:title", "e; t"),
    ]


def test_linked_contact_with_flags_is_unchanged_when_nothing_changed() -> None:
    messy = item(101, title=12345)
    hubspot = FakeHubSpot()
    links = hubspot.apply(full_run([messy], hubspot.full_view()))
    assert links == links_of(link_to(messy, links[101].contact_id, flag="bad-field:title"))

    again = full_run([messy], hubspot.full_view(), links)

    assert again.writes == [] and again.unchanged == 1


# -- bad values in HubSpot ---------------------------------------------------------------------


@pytest.mark.parametrize("key", ["²", "9" * 5000, "-5", "12a"])
def test_contact_whose_key_names_no_gleev_id_is_planned_around_not_raised(key: str) -> None:
    typed_by_hand = contact("C1", email="someone@example.com", **{KEY: key})
    twin = contact("C2", email="other@example.com", **{KEY: key})

    result = full_run([item(101)], full_view(typed_by_hand, twin))

    assert [w.target.gleev_id for w in result.writes] == [101]
    assert result.orphaned == []
    [conflict] = result.conflicts  # two contacts claim one key value: still reported
    assert conflict.gleev_ids == () and conflict.contact_ids == ("C1", "C2")
