"""How hubsync writes property values, and when a value in HubSpot counts as the same."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation


def datetime_value(iso: str | None) -> str:
    """An ISO timestamp as HubSpot stores it (UTC, milliseconds, Z); "" if absent or unreadable."""
    # Fast paths for the two shapes the YPP backend writes (JavaScript's toISOString and
    # YouTube's), which are most of a million channels.
    if iso and len(iso) == 24 and iso[10] == "T" and iso[19] == "." and iso[23] == "Z":
        return iso
    if iso and len(iso) == 20 and iso[10] == "T" and iso[19] == "Z":
        return f"{iso[:19]}.000Z"
    moment = _parse_datetime(iso)
    if moment is None:
        return ""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


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
        moment = _epoch_ms(wanted)
        return moment is not None and moment == _epoch_ms(actual)
    if kind == "email":
        return wanted.strip().lower() == actual.strip().lower()
    return False


def _parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _epoch_ms(value: str) -> int | None:
    moment = _parse_datetime(value)
    return None if moment is None else int(moment.timestamp() * 1000)


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except InvalidOperation:
        return None
