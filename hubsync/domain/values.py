"""How hubsync writes property values, and when a value in HubSpot counts as the same."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

_HUBSPOT_SHAPE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
_SECONDS_SHAPE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def datetime_value(iso: str | None) -> str:
    """An ISO timestamp as HubSpot stores it (UTC, milliseconds, Z); "" if absent or unreadable."""
    if not iso:
        return ""
    # Fast paths, checked but not reformatted: the shapes of JavaScript's toISOString (YPP's
    # createdAt) and of YouTube's publishedAt, which are nearly all of a million channels.
    if _HUBSPOT_SHAPE.fullmatch(iso):
        return iso if _readable(iso) else ""
    if _SECONDS_SHAPE.fullmatch(iso):
        return f"{iso[:19]}.000Z" if _readable(iso) else ""
    moment = _parse_datetime(iso)
    if moment is None:
        return ""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _readable(iso: str) -> bool:
    try:
        datetime.fromisoformat(iso)
    except ValueError:
        return False
    return True


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
    if not value:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit() and len(text) >= 10:  # epoch milliseconds
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def epoch_ms(value: str | None) -> int | None:
    """The instant as milliseconds since the epoch; None if absent or unreadable."""
    moment = _parse_datetime(value)
    return None if moment is None else int(moment.timestamp() * 1000)


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except InvalidOperation:
        return None
