"""parse_channel and normalize_email: messy DynamoDB items in, checked Channel values out."""

from __future__ import annotations

import pytest

from hubsync.domain.channel import Channel, EmailIssue, Rejection, normalize_email, parse_channel
from hubsync.domain.plan import read_source
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
    assert EmailIssue.MISSING == "missing-email"
    assert EmailIssue.INVALID == "invalid-email"


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


@pytest.mark.parametrize(
    "status",
    [
        "Verified::Bronze",
        "Verified::Silver",
        "Verified::Gold",
        "Verified::Diamond",
        "Suspended::CopyrightBreach",
        "Suspended::MisleadingContent",
        "Suspended::ProgramTermsExploit",
        "Suspended::UnsupportedTopic",
        "OptedOut",
        "SomethingNew::NobodyToldUs",
    ],
)
def test_anything_but_unverified_has_signed_up(status: str) -> None:
    assert channel(101, yppStatus=status).signed_up is True


def test_unverified_has_not_signed_up() -> None:
    assert channel(101, yppStatus="Unverified").signed_up is False


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
        ({"title": ["a", "b"]}, "title is not a string (list)"),
        ({"referrerChannelId": "someone"}, "referrerChannelId is not a whole number ('someone')"),
        ({"statistics": "lots"}, "statistics is not a map"),
        ({"statistics": [1, 2]}, "statistics is not a map"),
        (
            {"statistics": {"subscriberCount": "1.2k"}},
            "statistics.subscriberCount is not a whole number ('1.2k')",
        ),
        ({"statistics": {"videoCount": False}}, "statistics.videoCount is not a number (False)"),
    ],
)
def test_item_with_a_wrong_attribute_is_rejected_with_the_reason(
    overrides: dict[str, object], reason: str
) -> None:
    assert parse_channel(channel_item(101, **overrides)) == Rejection(youtube_id(101), reason)


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
def test_odd_digit_strings_are_rejected_not_raised(value: str) -> None:
    """str.isdigit() is true for superscripts, which int() refuses: the item must be rejected,
    not crash the whole source read."""
    result = parse_channel(channel_item(101, statistics={"subscriberCount": value}))
    assert isinstance(result, Rejection)
    assert result.item_id == youtube_id(101)
    assert result.reason.startswith("statistics.subscriberCount is not a whole number")


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
        ("2024-02-30T10:00:00.000Z", None),
        ("yesterday", None),
    ],
)
def test_timestamps_are_stored_as_hubspot_writes_them(raw: str, stored: str | None) -> None:
    parsed = parse_channel(channel_item(101, createdAt=raw))
    assert isinstance(parsed, Channel)
    assert parsed.created_at == stored
