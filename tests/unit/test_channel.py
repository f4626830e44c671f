"""parse_channel and normalize_email: messy DynamoDB items in, checked Channel values out."""

from __future__ import annotations

import pytest

from hubsync.domain.channel import (
    YPP_STATUSES,
    Channel,
    EmailIssue,
    FieldFlag,
    Rejection,
    normalize_email,
    parse_channel,
)
from hubsync.domain.plan import read_source
from hubsync.domain.ranges import MAX_TEXT_LENGTH
from tests.unit.factories import ABSENT, channel, channel_item, youtube_id

# -- e-mail normalization ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("creator@example.com", "creator@example.com"),
        ("  Creator@Example.COM ", "creator@example.com"),
        ("\tMIXED.Case+tag@Sub.Example.org\n", "mixed.case+tag@sub.example.org"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("a@b.co", "a@b.co"),
    ],
)
def test_valid_emails_are_trimmed_and_lower_cased(raw: str, expected: str) -> None:
    assert normalize_email(raw) == (expected, None)


@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n"])
def test_absent_or_blank_email_is_missing(raw: object) -> None:
    assert normalize_email(raw) == (None, EmailIssue.MISSING)


@pytest.mark.parametrize(
    "raw",
    [
        "not-an-email",
        "creator@example",  # no dot in the domain
        "creator@@example.com",
        "two words@example.com",
        "creator@exa mple.com",
        "<creator@example.com>",
        "creator@example..com",
        "creator@.example.com",
        "creator@example.com.",
        "@example.com",
        "creator@",
        "a" * 250 + "@example.com",  # longer than 254
        42,
        ["creator@example.com"],
    ],
)
def test_syntactically_invalid_email_is_invalid(raw: object) -> None:
    assert normalize_email(raw) == (None, EmailIssue.INVALID)


def test_email_issue_values_are_the_flag_texts() -> None:
    assert str(EmailIssue.MISSING) == "missing-email"
    assert str(EmailIssue.INVALID) == "invalid-email"


# -- a well-formed item ----------------------------------------------------------------------


def test_complete_item_is_parsed_into_every_field() -> None:
    parsed = parse_channel(channel_item(101, referrerChannelId=7))
    assert parsed == Channel(
        youtube_id=youtube_id(101),
        gleev_id=101,
        ypp_status="Verified::Silver",
        email="creator101@example.com",
        email_issue=None,
        referrer_gleev_id=7,
        title="Channel 101",
        subscribers=1200,
        videos=34,
        video_category_id="4209603-2",
        published_at="2020-02-03T04:05:06.000Z",
        created_at="2024-01-10T08:00:00.000Z",
        processed_at="2024-01-11T09:30:00.000Z",
    )


def test_secrets_and_unmapped_attributes_do_not_end_up_in_the_channel() -> None:
    item = channel_item(101, userAccessToken="ya29.secret", userRefreshToken="1//refresh")
    parsed = parse_channel(item)
    assert isinstance(parsed, Channel)
    assert "secret" not in repr(parsed)
    assert "refresh" not in repr(parsed)


def test_email_is_normalized_while_parsing() -> None:
    parsed = channel(101, email="  Creator101@Example.COM  ")
    assert parsed.email == "creator101@example.com"
    assert parsed.email_issue is None


@pytest.mark.parametrize(
    ("raw", "issue"),
    [(ABSENT, EmailIssue.MISSING), ("", EmailIssue.MISSING), ("nope", EmailIssue.INVALID)],
)
def test_channel_without_usable_email_is_still_a_channel(raw: object, issue: EmailIssue) -> None:
    parsed = channel(101, email=raw)
    assert parsed.email is None
    assert parsed.email_issue is issue


def test_numbers_stored_as_strings_are_read() -> None:
    parsed = channel(
        101,
        joystreamChannelId=" 101 ",
        referrerChannelId="7",
        statistics={"subscriberCount": "1500", "videoCount": "0"},
    )
    assert (parsed.gleev_id, parsed.referrer_gleev_id) == (101, 7)
    assert (parsed.subscribers, parsed.videos) == (1500, 0)


def test_whole_floats_are_read_as_integers() -> None:
    parsed = channel(101, joystreamChannelId=101.0, statistics={"subscriberCount": 10.0})
    assert parsed.gleev_id == 101
    assert parsed.subscribers == 10
    assert isinstance(parsed.subscribers, int)


def test_missing_statistics_leave_the_counts_unknown() -> None:
    parsed = channel(101, statistics=ABSENT)
    assert (parsed.subscribers, parsed.videos) == (None, None)


def test_partial_statistics_leave_only_the_missing_count_unknown() -> None:
    parsed = channel(101, statistics={"videoCount": 3})
    assert (parsed.subscribers, parsed.videos) == (None, 3)


def test_optional_attributes_may_be_absent_or_empty() -> None:
    parsed = channel(
        101,
        referrerChannelId=ABSENT,
        customUrl=ABSENT,
        processedAt="",
        title=ABSENT,
        videoCategoryId=ABSENT,
        publishedAt=ABSENT,
        createdAt=ABSENT,
    )
    assert parsed.referrer_gleev_id is None
    assert parsed.processed_at is None
    assert parsed.title is None
    assert parsed.video_category_id is None
    assert parsed.published_at is None
    assert parsed.created_at is None


# -- who is signed up --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [s for s in YPP_STATUSES if s != "Unverified"])
def test_every_status_but_unverified_has_signed_up(status: str) -> None:
    assert channel(101, yppStatus=status).signed_up is True


def test_unverified_has_not_signed_up() -> None:
    assert channel(101, yppStatus="Unverified").signed_up is False


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("UNVERIFIED", "Unverified"),
        ("unverified", "Unverified"),
        (" Unverified ", "Unverified"),
        ("verified::gold", "Verified::Gold"),
        ("  VERIFIED::DIAMOND\t", "Verified::Diamond"),
        ("suspended::copyrightbreach", "Suspended::CopyrightBreach"),
        ("optedOut", "OptedOut"),
    ],
)
def test_status_in_another_case_or_padded_is_read_as_the_handbook_spells_it(
    raw: str, status: str
) -> None:
    assert channel(101, yppStatus=raw).ypp_status == status


def test_upper_case_unverified_is_not_a_customer() -> None:
    assert channel(101, yppStatus="UNVERIFIED").signed_up is False


@pytest.mark.parametrize(
    "raw",
    [
        "SomethingNew::NobodyToldUs",
        "Pending",
        "verified",  # which tier?
        "Verified::Platinum",
        "Verified:Gold",
        "Verified :: Gold",
        "Opted Out",
        "   ",
    ],
)
def test_unknown_status_rejects_the_channel_with_its_reason(raw: str) -> None:
    assert parse_channel(channel_item(101, yppStatus=raw)) == Rejection(
        youtube_id(101), f"yppStatus is not a known YPP status ({raw!r})"
    )


def test_no_two_statuses_differ_only_in_case() -> None:
    assert len({status.casefold() for status in YPP_STATUSES}) == len(YPP_STATUSES)


def test_signup_order_is_created_at_then_gleev_id_with_missing_dates_last() -> None:
    early = channel(300, createdAt="2024-01-01T00:00:00.000Z")
    tie_low = channel(100, createdAt="2024-02-01T00:00:00.000Z")
    tie_high = channel(200, createdAt="2024-02-01T00:00:00.000Z")
    undated = channel(1, createdAt=ABSENT)
    ordered = sorted([undated, tie_high, tie_low, early], key=lambda c: c.signup_order)
    assert [c.gleev_id for c in ordered] == [300, 100, 200, 1]


# -- rejected items ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"joystreamChannelId": ABSENT}, "joystreamChannelId is missing"),
        ({"joystreamChannelId": ""}, "joystreamChannelId is missing"),
        ({"joystreamChannelId": "abc"}, "joystreamChannelId is not a whole number ('abc')"),
        ({"joystreamChannelId": 1.5}, "joystreamChannelId is not a whole number ('1.5')"),
        ({"joystreamChannelId": "-3"}, "joystreamChannelId is not a whole number ('-3')"),
        ({"joystreamChannelId": True}, "joystreamChannelId is not a number (True)"),
        ({"yppStatus": ABSENT}, "yppStatus is missing"),
        ({"yppStatus": 3}, "yppStatus is not a string (int)"),
    ],
)
def test_item_with_a_wrong_id_or_status_is_rejected_with_the_reason(
    overrides: dict[str, object], reason: str
) -> None:
    assert parse_channel(channel_item(101, **overrides)) == Rejection(youtube_id(101), reason)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (-5, "-5"),
        (0, "0"),
        (2**53, "9007199254740992"),
        (10**30, "1000000000000000000000000000000"),
        (1e30, "1000000000000000019884624838656"),
    ],
)
def test_gleev_id_out_of_range_rejects_the_channel(value: object, shown: str) -> None:
    assert parse_channel(channel_item(101, joystreamChannelId=value)) == Rejection(
        youtube_id(101),
        f"joystreamChannelId is out of range ({shown}; a Gleev id is 1 to 9007199254740991)",
    )


def test_gleev_id_of_many_digits_is_rejected_not_raised() -> None:
    result = parse_channel(channel_item(101, joystreamChannelId="9" * 5000))
    assert isinstance(result, Rejection)
    assert result.reason == (
        "joystreamChannelId is out of range (more than 40 digits; "
        "a Gleev id is 1 to 9007199254740991)"
    )


def test_largest_gleev_id_hubspot_holds_exactly_is_a_channel() -> None:
    assert channel(101, joystreamChannelId=2**53 - 1).gleev_id == 2**53 - 1


def test_item_without_id_is_rejected_under_a_placeholder_label() -> None:
    assert parse_channel(channel_item(101, id=ABSENT)) == Rejection("<no id>", "id is missing")
    assert parse_channel(channel_item(101, id="")) == Rejection("<no id>", "id is missing")


def test_item_with_a_non_string_id_is_rejected() -> None:
    assert parse_channel(channel_item(101, id=12345)) == Rejection(
        "<no id>", "id is not a string (int)"
    )


def test_item_that_is_not_a_channel_is_rejected() -> None:
    item = {"id": "settings#global", "kind": "config", "value": {"paused": False}}
    assert parse_channel(item) == Rejection("settings#global", "joystreamChannelId is missing")


@pytest.mark.parametrize(
    "value", ["²", "¹²", "٣x"], ids=["superscript-2", "superscript-12", "arabic-3-and-x"]
)
def test_odd_digit_strings_are_flagged_not_raised(value: str) -> None:
    """str.isdigit() is true for superscripts, which int() refuses: the field must be flagged,
    not crash the whole source read."""
    parsed = channel(101, statistics={"subscriberCount": value})
    assert parsed.subscribers is None
    [flag] = parsed.flags
    assert flag.flag == "bad-field:statistics.subscriberCount"
    assert flag.reason.startswith("statistics.subscriberCount is not a whole number")


def test_read_source_keeps_channels_and_counts_rejections_in_order() -> None:
    items = [
        channel_item(1),
        channel_item(2, joystreamChannelId=ABSENT),
        {"id": "not-a-channel"},
        channel_item(3, email="broken"),
        channel_item(4, id=ABSENT),
    ]
    snapshot = read_source(items)
    assert [c.gleev_id for c in snapshot.channels] == [1, 3]
    assert snapshot.rejected == [
        Rejection(youtube_id(2), "joystreamChannelId is missing"),
        Rejection("not-a-channel", "joystreamChannelId is missing"),
        Rejection("<no id>", "id is missing"),
    ]


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("2024-01-10T08:00:00.000Z", "2024-01-10T08:00:00.000Z"),
        ("2024-01-10T08:00:00Z", "2024-01-10T08:00:00.000Z"),
        ("2024-01-10T10:00:00+02:00", "2024-01-10T08:00:00.000Z"),
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"),
    ],
)
def test_timestamps_are_stored_as_hubspot_writes_them(raw: str, stored: str) -> None:
    parsed = channel(101, createdAt=raw)
    assert parsed.created_at == stored
    assert parsed.flags == ()


# -- anything else that is wrong: blank (or cut), flagged, and still a channel ---------------------


@pytest.mark.parametrize(
    ("overrides", "field", "flag", "reason"),
    [
        (
            {"statistics": {"subscriberCount": "12,000", "videoCount": 34}},
            "subscribers",
            "bad-field:statistics.subscriberCount",
            "statistics.subscriberCount is not a whole number ('12,000')",
        ),
        (
            {"statistics": {"subscriberCount": 1200, "videoCount": 1.5}},
            "videos",
            "bad-field:statistics.videoCount",
            "statistics.videoCount is not a whole number ('1.5')",
        ),
        (
            {"statistics": {"subscriberCount": True, "videoCount": 34}},
            "subscribers",
            "bad-field:statistics.subscriberCount",
            "statistics.subscriberCount is not a number (True)",
        ),
        (
            {"statistics": {"subscriberCount": "1.2k", "videoCount": 34}},
            "subscribers",
            "bad-field:statistics.subscriberCount",
            "statistics.subscriberCount is not a whole number ('1.2k')",
        ),
        (
            {"statistics": {"subscriberCount": 1200, "videoCount": False}},
            "videos",
            "bad-field:statistics.videoCount",
            "statistics.videoCount is not a number (False)",
        ),
        (
            {"statistics": {"subscriberCount": -1, "videoCount": 34}},
            "subscribers",
            "bad-field:statistics.subscriberCount",
            "statistics.subscriberCount is out of range (-1; a count is 0 to 9007199254740991)",
        ),
        (
            {"statistics": {"subscriberCount": 1200, "videoCount": 2**53}},
            "videos",
            "bad-field:statistics.videoCount",
            "statistics.videoCount is out of range (9007199254740992; "
            "a count is 0 to 9007199254740991)",
        ),
        ({"title": 12345}, "title", "bad-field:title", "title is not a string (int)"),
        ({"title": ["a", "b"]}, "title", "bad-field:title", "title is not a string (list)"),
        (
            {"videoCategoryId": 4209603},
            "video_category_id",
            "bad-field:videoCategoryId",
            "videoCategoryId is not a string (int)",
        ),
        (
            {"createdAt": 1704873600000},
            "created_at",
            "bad-field:createdAt",
            "createdAt is not a string (int)",
        ),
        (
            {"createdAt": "yesterday"},
            "created_at",
            "bad-field:createdAt",
            "createdAt is not a date between 1970 and 9999 ('yesterday')",
        ),
        (
            {"createdAt": "2024-02-30T10:00:00.000Z"},
            "created_at",
            "bad-field:createdAt",
            "createdAt is not a date between 1970 and 9999 ('2024-02-30T10:00:00.000Z')",
        ),
        (
            {"publishedAt": "0001-01-01T00:00:00Z"},
            "published_at",
            "bad-field:publishedAt",
            "publishedAt is not a date between 1970 and 9999 ('0001-01-01T00:00:00Z')",
        ),
        (
            {"publishedAt": "1969-12-31T23:59:59.999Z"},
            "published_at",
            "bad-field:publishedAt",
            "publishedAt is not a date between 1970 and 9999 ('1969-12-31T23:59:59.999Z')",
        ),
        (
            {"processedAt": "9999-12-31T23:00:00-05:00"},
            "processed_at",
            "bad-field:processedAt",
            "processedAt is not a date between 1970 and 9999 ('9999-12-31T23:00:00-05:00')",
        ),
        (
            {"processedAt": "99999999999999999999"},
            "processed_at",
            "bad-field:processedAt",
            "processedAt is not a date between 1970 and 9999 ('99999999999999999999')",
        ),
        (
            {"referrerChannelId": "abc"},
            "referrer_gleev_id",
            "bad-field:referrerChannelId",
            "referrerChannelId is not a whole number ('abc')",
        ),
        (
            {"referrerChannelId": -7},
            "referrer_gleev_id",
            "bad-field:referrerChannelId",
            "referrerChannelId is out of range (-7; a Gleev id is 1 to 9007199254740991)",
        ),
        (
            {"referrerChannelId": 1e30},
            "referrer_gleev_id",
            "bad-field:referrerChannelId",
            "referrerChannelId is out of range (1000000000000000019884624838656; "
            "a Gleev id is 1 to 9007199254740991)",
        ),
        (
            {"referrerChannelId": 101},
            "referrer_gleev_id",
            "bad-field:referrerChannelId",
            "referrerChannelId is the channel itself (101)",
        ),
        (
            {"statistics": "lots"},
            "subscribers",
            "bad-field:statistics",
            "statistics is not a map",
        ),
    ],
)
def test_bad_secondary_field_is_blanked_and_flagged_and_the_channel_kept(
    overrides: dict[str, object], field: str, flag: str, reason: str
) -> None:
    parsed = parse_channel(channel_item(101, **overrides))
    assert isinstance(parsed, Channel), parsed
    assert getattr(parsed, field) is None
    assert parsed.flags == (FieldFlag(flag, reason),)
    assert parsed.email == "creator101@example.com"
    assert parsed.ypp_status == "Verified::Silver"


def test_statistics_that_are_not_a_map_blank_both_counts() -> None:
    parsed = channel(101, statistics=[1, 2])
    assert (parsed.subscribers, parsed.videos) == (None, None)
    assert [f.flag for f in parsed.flags] == ["bad-field:statistics"]


def test_count_of_many_digits_is_flagged_not_raised() -> None:
    parsed = channel(101, statistics={"subscriberCount": "9" * 5000})
    assert parsed.subscribers is None
    assert [f.flag for f in parsed.flags] == ["bad-field:statistics.subscriberCount"]
    assert parsed.flags[0].reason == (
        "statistics.subscriberCount is out of range (more than 40 digits; "
        "a count is 0 to 9007199254740991)"
    )


def test_digits_past_the_range_are_shown_in_the_reason() -> None:
    parsed = channel(101, statistics={"subscriberCount": " 90071992547409920 "})
    assert parsed.flags[0].reason == (
        "statistics.subscriberCount is out of range (90071992547409920; "
        "a count is 0 to 9007199254740991)"
    )


def test_largest_count_hubspot_holds_exactly_is_kept() -> None:
    parsed = channel(101, statistics={"subscriberCount": 2**53 - 1, "videoCount": 0})
    assert (parsed.subscribers, parsed.videos, parsed.flags) == (2**53 - 1, 0, ())


def test_every_bad_field_is_flagged_in_the_order_of_the_fields() -> None:
    parsed = channel(
        101,
        email=ABSENT,
        processedAt="soon",
        statistics={"subscriberCount": "12,000", "videoCount": 1.5},
        title=12345,
        referrerChannelId="abc",
    )
    assert [f.flag for f in parsed.flags] == [
        "bad-field:referrerChannelId",
        "bad-field:title",
        "bad-field:statistics.subscriberCount",
        "bad-field:statistics.videoCount",
        "bad-field:processedAt",
    ]
    assert parsed.email_issue is EmailIssue.MISSING


def test_text_longer_than_hubspot_allows_is_cut_to_fit_and_flagged() -> None:
    parsed = channel(101, title="t" * (MAX_TEXT_LENGTH + 10))
    assert parsed.title == "t" * MAX_TEXT_LENGTH
    assert parsed.flags == (
        FieldFlag(
            "truncated:title", "title is longer than HubSpot's 65,536 characters; cut to fit"
        ),
    )


def test_text_of_exactly_the_limit_is_kept_whole() -> None:
    parsed = channel(101, title="t" * MAX_TEXT_LENGTH)
    assert parsed.title == "t" * MAX_TEXT_LENGTH
    assert parsed.flags == ()
