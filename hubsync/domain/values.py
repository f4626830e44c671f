"""How hubsync writes property values, and when a value in HubSpot counts as the same."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from hubsync.domain.ranges import EARLIEST, LATEST, MAX_TEXT_LENGTH

_HUBSPOT_SHAPE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
_SECONDS_SHAPE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_EPOCH_MS_SHAPE = re.compile(r"-?\d{1,20}")
# A four-digit year sorts as text in time order: the fast paths compare the text itself.
_EARLIEST_TEXT = "1970-01-01T00:00:00"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
# No text this short is over HubSpot's limit, however it is counted (a code point is at most
# two UTF-16 units): the usual case is decided by len() alone.
SHORT_TEXT = MAX_TEXT_LENGTH // 2


def datetime_value(iso: str | None) -> str:
    """An ISO timestamp as HubSpot stores it (UTC, milliseconds, Z); "" if absent, unreadable
    or outside the range HubSpot gives back unchanged (ranges.EARLIEST to ranges.LATEST)."""
    if not iso:
        return ""
    # Fast paths, checked but not reformatted: the shapes of JavaScript's toISOString (YPP's
    # createdAt) and of YouTube's publishedAt, which are nearly all of a million channels.
    if _HUBSPOT_SHAPE.fullmatch(iso):
        return iso if iso >= _EARLIEST_TEXT and _readable(iso) else ""
    if _SECONDS_SHAPE.fullmatch(iso):
        return f"{iso[:19]}.000Z" if iso >= _EARLIEST_TEXT and _readable(iso) else ""
    moment = _parse_datetime(iso)
    if moment is None or not EARLIEST <= moment <= LATEST:
        return ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _readable(iso: str) -> bool:
    try:
        datetime.fromisoformat(iso)
    except ValueError:
        return False
    return True


def fit_text(value: str) -> str:
    """`value` cut to HubSpot's length limit for a string property (unchanged if it fits)."""
    if len(value) <= SHORT_TEXT:
        return value
    units = value.encode("utf-16-le")
    if len(units) <= 2 * MAX_TEXT_LENGTH:
        return value
    # "ignore" drops the first half of a surrogate pair the cut would split.
    return units[: 2 * MAX_TEXT_LENGTH].decode("utf-16-le", errors="ignore")


def same_value(kind: str, wanted: str, actual: str | None) -> bool:
    """Whether HubSpot's `actual` already says what hubsync wants, for a property of this type."""
    actual = actual or ""
    if wanted == actual:
        return True
    if not wanted or not actual:
        return False
    if kind == "number":
        number = _decimal(wanted)
        return number is not None and number == _decimal(actual)
    if kind == "datetime":
        moment = epoch_ms(wanted)
        return moment is not None and moment == epoch_ms(actual)
    if kind == "email":
        return wanted.strip().lower() == actual.strip().lower()
    return False


def _parse_datetime(value: str | None) -> datetime | None:
    """The instant in UTC; None if absent, unreadable or beyond what Python's datetime holds."""
    if not value:
        return None
    text = value.strip()
    try:
        if text.isascii() and text.isdigit() and len(text) >= 10:  # epoch milliseconds
            return _EPOCH + int(text) * _MS
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def epoch_ms(value: str | None) -> int | None:
    """The instant as whole milliseconds since the epoch, computed exactly (no float in
    between, which can be a millisecond off); None if absent or unreadable."""
    text = (value or "").strip()
    if _EPOCH_MS_SHAPE.fullmatch(text):
        return int(text)
    moment = _parse_datetime(text)
    return None if moment is None else (moment - _EPOCH) // _MS


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except InvalidOperation:
        return None
