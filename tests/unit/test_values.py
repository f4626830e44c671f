"""How values are written to HubSpot, and when HubSpot's value already means the same."""

from __future__ import annotations

import pytest

from hubsync.domain.values import datetime_value, same_value


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
