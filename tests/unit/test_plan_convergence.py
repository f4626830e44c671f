"""Whatever the channels table holds, a full run after a full run writes nothing.

Generated channel items, messy ones included, are planned against a fake portal that stores
values the way HubSpot does; the writes are applied, and a second full run must find every
contact already right. A value that does not survive HubSpot's storage (a date before 1970, a
count past what a double holds, a string past the length limit) would be "drift repaired" on
every full run forever.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubsync.domain.channel import YPP_STATUSES
from hubsync.domain.ranges import MAX_TEXT_LENGTH
from tests.unit.factories import HOLD, KEY, SEPARATE, FakeHubSpot, contact, full_run

GLEEV_IDS = st.integers(1, 12)  # few, so that items collide, refer to each other and loop
EMAILS = st.sampled_from(
    [
        "a@example.com",
        " A@Example.COM ",
        "b@example.com",
        "c@example.org",
        "not an email",
        "",
        "   ",
    ]
)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)  # DynamoDB holds UTF-8
LONG_TEXT = st.sampled_from(
    ["t" * (MAX_TEXT_LENGTH + 1), "\U0001f600" * (MAX_TEXT_LENGTH // 2 + 1), "t" * MAX_TEXT_LENGTH]
)


def whole_numbers(good: st.SearchStrategy[int]) -> st.SearchStrategy[object]:
    """Numbers as DynamoDB items hold them, right and wrong."""
    return st.one_of(
        good,
        good.map(str),
        good.map(float),
        st.integers(-(10**3), 0),
        st.integers(2**53 - 2, 2**53 + 2),
        st.sampled_from([10**30, 1e30, 1.5, True, "12,000", "1.2k", "-3", "abc", "²", "9" * 30]),
        st.none(),
    )


def _iso(moment: datetime, style: int) -> str:
    if style == 0:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z"
    if style == 1:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat()


OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))])
MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 30), timezones=OFFSETS
)
TIMESTAMPS = st.one_of(
    st.builds(_iso, MOMENTS, st.integers(0, 2)),
    st.sampled_from(
        [
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00.000Z",
            "1969-12-31T23:59:59.999Z",
            "1970-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
            "9999-12-31T23:00:00-05:00",
            "2024-02-30T10:00:00.000Z",
            "1704873600123",
            "99999999999999999999",
            "yesterday",
            "",
        ]
    ),
    st.integers(0, 2 * 10**12),
    st.none(),
)
STATUSES = st.one_of(
    st.sampled_from(YPP_STATUSES),
    st.sampled_from(YPP_STATUSES).map(str.upper),
    st.sampled_from(YPP_STATUSES).map(lambda s: f" {s.lower()} "),
    st.sampled_from(["Pending", "Verified::Platinum", "verified", 3, None]),
)
STATISTICS = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "subscriberCount": whole_numbers(st.integers(0, 10**6)),
            "videoCount": whole_numbers(st.integers(0, 10**4)),
        },
    ),
    st.sampled_from(["lots", [1, 2]]),
    st.none(),
)


@st.composite
def channel_items(draw: st.DrawFn) -> dict[str, Any]:
    gleev_id = draw(st.one_of(GLEEV_IDS, GLEEV_IDS.map(str), st.sampled_from([-5, 0, 10**30])))
    item: dict[str, Any] = {
        "id": draw(st.sampled_from(["UCa", "UCb", "UCc", "UCd", "UCe", "UCf", "UCg", "UCh"])),
        "userId": "u",
        "joystreamChannelId": gleev_id,
        "yppStatus": draw(STATUSES),
        "email": draw(EMAILS),
        "referrerChannelId": draw(whole_numbers(GLEEV_IDS)),
        "title": draw(st.one_of(TEXT, LONG_TEXT, st.integers(), st.none())),
        "statistics": draw(STATISTICS),
        "videoCategoryId": draw(st.sampled_from(["4209603-2", "9999999-2", "", 4209603, None])),
        "publishedAt": draw(TIMESTAMPS),
        "createdAt": draw(TIMESTAMPS),
        "processedAt": draw(TIMESTAMPS),
    }
    return {name: value for name, value in item.items() if value is not None}


# What people may have typed into the properties hubsync manages, as HubSpot stores it.
HAND_EDITS = st.fixed_dictionaries(
    {},
    optional={
        "total_subscribers": st.sampled_from(["12", "1.5", "-3"]),
        "dateytchannelcreated": st.sampled_from(["-62135596800000", "0", "1704873600123"]),
        "channel_title": TEXT,
        "hubsync_flag": st.sampled_from(["missing-email", "x"]),
        "lifecyclestage": st.sampled_from(["subscriber", "evangelist", "other"]),
        # Never a generated channel's id: a contact keyed to a channel whose e-mail changed
        # frees its old e-mail for another channel only once HubSpot confirmed the change,
        # on the next run (taking it earlier could land on that contact if the change fails).
        KEY: st.sampled_from(["999", "²", "-5"]),
    },
)


@st.composite
def leads(draw: st.DrawFn) -> list[Any]:
    emails = draw(st.lists(st.sampled_from(["a@example.com", "b@example.com"]), unique=True))
    return [
        contact(f"L{n}", **{"email": email, "lifecyclestage": "lead", **draw(HAND_EDITS)})
        for n, email in enumerate(emails)
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(channel_items(), max_size=10),
    leads=leads(),
    policy=st.sampled_from([SEPARATE, HOLD]),
)
def test_a_full_run_after_a_full_run_writes_nothing(
    items: list[dict[str, Any]], leads: list[Any], policy: object
) -> None:
    hubspot = FakeHubSpot(*leads)
    first = full_run(items, hubspot.full_view(), duplicate_policy=policy)
    links = hubspot.apply(first)

    again = full_run(items, hubspot.full_view(), links, duplicate_policy=policy)

    assert [(w.target.gleev_id, w.reason) for w in again.writes] == []
    assert again.confirmed == []
    assert again.rejected == first.rejected
    assert again.flagged == first.flagged
