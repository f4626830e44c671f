"""How values are written to HubSpot, and when HubSpot's value already means the same."""

from __future__ import annotations

import pytest

from hubsync.domain.ranges import MAX_TEXT_LENGTH
from hubsync.domain.values import datetime_value, epoch_ms, fit_text, same_value


@pytest.mark.parametrize(
    ("iso", "expected"),
    [
        ("2024-01-10T08:00:00.000Z", "2024-01-10T08:00:00.000Z"),
        ("2024-01-10T08:00:00Z", "2024-01-10T08:00:00.000Z"),
        ("2024-01-10T08:00:00+00:00", "2024-01-10T08:00:00.000Z"),
        ("2024-01-10T10:00:00+02:00", "2024-01-10T08:00:00.000Z"),
        ("2024-01-09T23:30:00-08:30", "2024-01-10T08:00:00.000Z"),
        ("2024-01-10T08:00:00.123456Z", "2024-01-10T08:00:00.123Z"),  # truncated to ms
        ("2024-01-10T08:00:00.5Z", "2024-01-10T08:00:00.500Z"),
        ("2024-01-10T08:00:00", "2024-01-10T08:00:00.000Z"),  # naive means UTC
        ("2024-01-10", "2024-01-10T00:00:00.000Z"),
        ("1704873600000", "2024-01-10T08:00:00.000Z"),  # epoch milliseconds
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"),  # the earliest HubSpot keeps
        ("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"),  # the latest
        ("1970-01-01T01:00:00+01:00", "1970-01-01T00:00:00.000Z"),
        (" 2024-01-10T08:00:00Z ", "2024-01-10T08:00:00.000Z"),
    ],
)
def test_datetimes_are_written_as_utc_iso_with_milliseconds_and_z(iso: str, expected: str) -> None:
    assert datetime_value(iso) == expected


@pytest.mark.parametrize(
    "iso",
    [
        None,
        "",
        "yesterday",
        "2024-13-45T99:00:00Z",  # the shape of a UTC timestamp, not a real moment
        "2024-02-30T10:00:00.000Z",
        "2024-01-10T25:61:00.000Z",
        "0000-00-00T00:00:00Z",
        "2024-01-10Txx:yy:zz.abcZ",
    ],
)
def test_absent_or_unreadable_datetime_is_written_empty(iso: str | None) -> None:
    assert datetime_value(iso) == ""


@pytest.mark.parametrize(
    "iso",
    [
        "0001-01-01T00:00:00Z",  # a date never set: would not survive HubSpot's epoch ms
        "0001-01-01T00:00:00.000Z",
        "1969-12-31T23:59:59.999Z",
        "1969-12-31T23:59:59Z",
        "1970-01-01T00:59:59+01:00",
        "0999-05-05T00:00:00+00:00",
        "9999-12-31T23:00:00-05:00",  # past year 9999 in UTC
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "99999999999999999999",  # epoch milliseconds past year 9999
    ],
)
def test_datetime_outside_what_hubspot_keeps_is_written_empty(iso: str) -> None:
    assert datetime_value(iso) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2004-10-28T23:41:18.916Z", 1099006878916),  # a float in between gives ...915
        ("2024-01-10T08:00:00.123Z", 1704873600123),
        ("1099006878916", 1099006878916),
        ("-62135596800000", -62135596800000),
        ("2024-01-10T08:00:00Z", 1704873600000),
    ],
)
def test_epoch_ms_is_exact(value: str, expected: int) -> None:
    assert epoch_ms(value) == expected


def test_text_that_fits_is_unchanged() -> None:
    text = "x" * MAX_TEXT_LENGTH
    assert fit_text(text) is text
    assert fit_text("Channel 1") == "Channel 1"


def test_text_is_cut_to_hubspots_limit_in_utf16_units() -> None:
    assert fit_text("x" * (MAX_TEXT_LENGTH + 1)) == "x" * MAX_TEXT_LENGTH
    emoji = "\U0001f600"  # two UTF-16 units
    assert fit_text(emoji * MAX_TEXT_LENGTH) == emoji * (MAX_TEXT_LENGTH // 2)


def test_cut_never_splits_a_character() -> None:
    emoji = "\U0001f600"
    fitted = fit_text("x" + emoji * (MAX_TEXT_LENGTH // 2))
    assert fitted == "x" + emoji * (MAX_TEXT_LENGTH // 2 - 1)
    assert len(fitted.encode("utf-16-le")) // 2 <= MAX_TEXT_LENGTH


@pytest.mark.parametrize(
    ("kind", "wanted", "actual"),
    [
        ("string", "Channel 1", "Channel 1"),
        ("string", "", None),
        ("string", "", ""),
        ("number", "10", "10.0"),
        ("number", "10", "10.00"),
        ("number", "1000", "1e3"),
        ("number", "0", "0.0"),
        ("datetime", "2024-01-10T08:00:00.000Z", "2024-01-10T08:00:00Z"),
        ("datetime", "2024-01-10T08:00:00.000Z", "2024-01-10T10:00:00+02:00"),
        ("datetime", "2024-01-10T08:00:00.000Z", "1704873600000"),
        ("datetime", "2024-01-10T08:00:00.123Z", "2024-01-10T08:00:00.123456Z"),
        ("datetime", "2004-10-28T23:41:18.916Z", "1099006878916"),  # HubSpot's epoch ms
        ("email", "creator@example.com", "Creator@Example.COM"),
        ("email", "creator@example.com", " creator@example.com "),
    ],
)
def test_values_equal_in_meaning_are_the_same(kind: str, wanted: str, actual: str | None) -> None:
    assert same_value(kind, wanted, actual) is True


@pytest.mark.parametrize(
    ("kind", "wanted", "actual"),
    [
        ("string", "Channel 1", "channel 1"),  # strings are compared exactly
        ("string", "Channel 1", None),
        ("string", "", "left over"),  # empty means "should be empty"
        ("number", "10", "11"),
        ("number", "10", "ten"),
        ("number", "10", None),
        ("number", "", "10"),
        ("datetime", "2024-01-10T08:00:00.000Z", "2024-01-10T08:00:01Z"),
        ("datetime", "2024-01-10T08:00:00.000Z", "2024-01-10T08:00:00+02:00"),
        ("datetime", "2024-01-10T08:00:00.000Z", "not a date"),
        ("email", "creator@example.com", "other@example.com"),
        ("", "10", "10.0"),  # an unknown kind compares as text
        ("string", "10", "10.0"),
    ],
)
def test_values_that_differ_in_meaning_are_not_the_same(
    kind: str, wanted: str, actual: str | None
) -> None:
    assert same_value(kind, wanted, actual) is False
