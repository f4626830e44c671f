"""The valid range of every value hubsync takes from a channel item, and why it is that range.

Outside its range a value is never guessed at. A Gleev id identifies the channel, so an item
whose own id is out of range is rejected; any other value is left blank (or, for text, cut to
fit) and the channel is flagged, so that it is still synced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Range:
    low: int
    high: int

    def __contains__(self, number: int) -> bool:
        return self.low <= number <= self.high

    def __str__(self) -> str:
        return f"{self.low} to {self.high}"


# The largest integer a double-precision float holds exactly, as JavaScript (HubSpot's app)
# and most readers of HubSpot's data represent a number. A larger one may come back from a
# number property different from what was written, and be rewritten on every full run.
_EXACT_MAX = 2**53 - 1

GLEEV_IDS = Range(1, _EXACT_MAX)
"""Gleev (Joystream) channel ids are on-chain counters that start at 1; a bigger one than
HubSpot holds exactly is not a real channel (two such ids could read back as one)."""

COUNTS = Range(0, _EXACT_MAX)
"""Subscriber and video counts: never negative, and exact in a HubSpot number property."""

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC)
"""Timestamps HubSpot's datetime properties store and give back unchanged. HubSpot keeps an
instant as milliseconds since 1970: before that the number is negative, and a date that early
in the channels table is a placeholder such as 0001-01-01 (a date never set), not a sign-up
or a YouTube channel's creation. After year 9999 an ISO 8601 timestamp needs more than four
year digits."""

MAX_TEXT_LENGTH = 65_536
"""HubSpot's limit for a string property value written through the API ("Property field types
in HubSpot": 65,536 characters). Counted in UTF-16 code units, as JavaScript and Java count a
string's length (an emoji counts twice): the stricter reading, so a value cut to it always
fits."""
