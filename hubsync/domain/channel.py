"""YPP channel records: parsing the messy DynamoDB items into checked Channel values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from hubsync.domain.values import datetime_value

UNVERIFIED = "Unverified"

# Deliberately plain: one @, no spaces, a dot in the domain. HubSpot rejects worse than this.
_EMAIL_RE = re.compile(r"^[^@\s\"(),:;<>\[\]\\]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+$")


class EmailIssue(StrEnum):
    MISSING = "missing-email"
    INVALID = "invalid-email"


@dataclass(frozen=True, slots=True)
class Channel:
    youtube_id: str
    gleev_id: int
    ypp_status: str
    email: str | None  # trimmed and lower-cased; None when missing or invalid
    email_issue: EmailIssue | None
    referrer_gleev_id: int | None
    title: str | None
    subscribers: int | None
    videos: int | None
    video_category_id: str | None
    # Timestamps as HubSpot stores them (UTC, milliseconds, Z); None if absent or unreadable.
    published_at: str | None
    created_at: str | None
    processed_at: str | None

    @property
    def signed_up(self) -> bool:
        """Anything but Unverified has finished sign-up and is a customer."""
        return self.ypp_status != UNVERIFIED

    @property
    def signup_order(self) -> tuple[str, int]:
        """Earliest sign-up first (normalized timestamps sort as instants); a missing or
        unreadable createdAt sorts last; then the lowest Gleev id."""
        return (self.created_at or "\uffff", self.gleev_id)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A source item that is not a usable channel, and why."""

    item_id: str
    reason: str


class _Invalid(Exception):
    pass


def normalize_email(raw: object) -> tuple[str | None, EmailIssue | None]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, EmailIssue.MISSING
    if not isinstance(raw, str):
        return None, EmailIssue.INVALID
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL_RE.match(email):
        return None, EmailIssue.INVALID
    return email, None


def parse_channel(item: Mapping[str, object]) -> Channel | Rejection:
    item_id = item.get("id")
    label = item_id if isinstance(item_id, str) and item_id else "<no id>"
    try:
        return _parse(item)
    except _Invalid as exc:
        return Rejection(item_id=label, reason=str(exc))


def _parse(item: Mapping[str, object]) -> Channel:
    youtube_id = _text(item, "id", required=True)
    gleev_id = _integer(item, "joystreamChannelId", required=True)
    status = _text(item, "yppStatus", required=True)
    assert youtube_id is not None and gleev_id is not None and status is not None
    email, issue = normalize_email(item.get("email"))
    stats = item.get("statistics")
    if stats is not None and not isinstance(stats, Mapping):
        raise _Invalid("statistics is not a map")
    stats = stats or {}
    return Channel(
        youtube_id=youtube_id,
        gleev_id=gleev_id,
        ypp_status=status,
        email=email,
        email_issue=issue,
        referrer_gleev_id=_integer(item, "referrerChannelId"),
        title=_text(item, "title"),
        subscribers=_integer(stats, "subscriberCount", prefix="statistics."),
        videos=_integer(stats, "videoCount", prefix="statistics."),
        video_category_id=_text(item, "videoCategoryId"),
        published_at=_timestamp(item, "publishedAt"),
        created_at=_timestamp(item, "createdAt"),
        processed_at=_timestamp(item, "processedAt"),
    )


def _text(item: Mapping[str, object], name: str, required: bool = False) -> str | None:
    value = item.get(name)
    if type(value) is str and value:  # the usual case first: a million items per run
        return value
    if value is None or value == "":
        if required:
            raise _Invalid(f"{name} is missing")
        return None
    if not isinstance(value, str):
        raise _Invalid(f"{name} is not a string ({type(value).__name__})")
    return value


def _timestamp(item: Mapping[str, object], name: str) -> str | None:
    return datetime_value(_text(item, name)) or None


def _integer(
    item: Mapping[str, object], name: str, required: bool = False, prefix: str = ""
) -> int | None:
    value = item.get(name)
    if type(value) is int:  # the usual case first (bool, a subclass of int, is refused below)
        return value
    if value is None or value == "":
        if required:
            raise _Invalid(f"{prefix}{name} is missing")
        return None
    if isinstance(value, bool):
        raise _Invalid(f"{prefix}{name} is not a number ({value!r})")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    raise _Invalid(f"{prefix}{name} is not a whole number ({str(value)[:40]!r})")
