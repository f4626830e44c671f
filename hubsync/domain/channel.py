"""YPP channel records: parsing the messy DynamoDB items into checked Channel values.

Only what identifies or classifies a channel makes an item unusable: its YouTube id, its Gleev
id and its YPP status. Any other attribute that is wrong is left blank (text that is too long
is cut to fit) and flagged, and the channel is still synced: a customer whose subscriber count
is malformed must not drop out of HubSpot, since its payouts depend on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from hubsync.domain.ranges import COUNTS, GLEEV_IDS, MAX_TEXT_LENGTH, Range
from hubsync.domain.values import SHORT_TEXT, datetime_value, fit_text

UNVERIFIED = "Unverified"

# Spelled as the YPP handbook spells them.
YPP_STATUSES: tuple[str, ...] = (
    UNVERIFIED,
    "Verified::Bronze",
    "Verified::Silver",
    "Verified::Gold",
    "Verified::Diamond",
    "Suspended::CopyrightBreach",
    "Suspended::MisleadingContent",
    "Suspended::ProgramTermsExploit",
    "Suspended::UnsupportedTopic",
    "OptedOut",
)
_KNOWN_STATUSES = frozenset(YPP_STATUSES)
# No two statuses differ only in case, so a status read case-insensitively is still exactly one.
_STATUS_BY_FOLDED = {status.casefold(): status for status in YPP_STATUSES}

# Deliberately plain: one @, no spaces, a dot in the domain. HubSpot rejects worse than this.
_EMAIL_RE = re.compile(r"^[^@\s\"(),:;<>\[\]\\]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+$")
# More digits than any number in range has: refused before int() is asked to read them.
_MAX_DIGITS = len(str(max(GLEEV_IDS.high, COUNTS.high)))


class EmailIssue(StrEnum):
    MISSING = "missing-email"
    INVALID = "invalid-email"


@dataclass(frozen=True, slots=True)
class FieldFlag:
    """An attribute hubsync could not take as it is: left blank (`bad-field:<name>`) or cut
    to HubSpot's length limit (`truncated:<name>`), and why."""

    flag: str
    reason: str


@dataclass(frozen=True, slots=True)
class Channel:
    youtube_id: str
    gleev_id: int
    ypp_status: str  # one of YPP_STATUSES
    email: str | None  # trimmed and lower-cased; None when missing or invalid
    email_issue: EmailIssue | None
    referrer_gleev_id: int | None
    title: str | None
    subscribers: int | None
    videos: int | None
    video_category_id: str | None
    # Timestamps as HubSpot stores them (UTC, milliseconds, Z); None if absent or unusable.
    published_at: str | None
    created_at: str | None
    processed_at: str | None
    flags: tuple[FieldFlag, ...] = ()  # in the order of the fields above

    @property
    def signed_up(self) -> bool:
        """Anything but Unverified has finished sign-up and is a customer."""
        return self.ypp_status != UNVERIFIED

    @property
    def signup_order(self) -> tuple[str, int]:
        """Earliest sign-up first (normalized timestamps sort as instants); a missing or
        unusable createdAt sorts last; then the lowest Gleev id."""
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
    youtube_id = _youtube_id(item.get("id"))
    gleev_id = _gleev_id(item.get("joystreamChannelId"))
    status = _ypp_status(item.get("yppStatus"))
    email, issue = normalize_email(item.get("email"))
    flags: list[FieldFlag] = []
    referrer = _referrer(item.get("referrerChannelId"), gleev_id, flags)
    title = _text(item.get("title"), "title", flags)
    subscribers, videos = _statistics(item.get("statistics"), flags)
    category = _text(item.get("videoCategoryId"), "videoCategoryId", flags)
    return Channel(
        youtube_id=youtube_id,
        gleev_id=gleev_id,
        ypp_status=status,
        email=email,
        email_issue=issue,
        referrer_gleev_id=referrer,
        title=title,
        subscribers=subscribers,
        videos=videos,
        video_category_id=category,
        published_at=_timestamp(item.get("publishedAt"), "publishedAt", flags),
        created_at=_timestamp(item.get("createdAt"), "createdAt", flags),
        processed_at=_timestamp(item.get("processedAt"), "processedAt", flags),
        flags=tuple(flags),
    )


# -- what identifies or classifies the channel: wrong means rejected ---------------------------


def _youtube_id(value: object) -> str:
    if type(value) is str and value:
        return value
    if value is None or value == "":
        raise _Invalid("id is missing")
    if not isinstance(value, str):
        raise _Invalid(f"id is not a string ({type(value).__name__})")
    return value


def _gleev_id(value: object) -> int:
    name = "joystreamChannelId"
    if type(value) is int and value in GLEEV_IDS:  # the usual case first: a million per run
        return value
    if value is None or value == "":
        raise _Invalid(f"{name} is missing")
    return _in_range(_whole_number(value, name), name, GLEEV_IDS, "a Gleev id")


def _ypp_status(value: object) -> str:
    if type(value) is str and value in _KNOWN_STATUSES:
        return value
    if value is None or value == "":
        raise _Invalid("yppStatus is missing")
    if not isinstance(value, str):
        raise _Invalid(f"yppStatus is not a string ({type(value).__name__})")
    status = _STATUS_BY_FOLDED.get(value.strip().casefold())
    if status is None:
        raise _Invalid(f"yppStatus is not a known YPP status ({value[:40]!r})")
    return status


# -- anything else: wrong means blank (or cut) and flagged ---------------------------------------


def _referrer(value: object, gleev_id: int, flags: list[FieldFlag]) -> int | None:
    name = "referrerChannelId"
    referrer = _number(value, name, GLEEV_IDS, "a Gleev id", flags)
    if referrer == gleev_id:
        flags.append(_bad_field(name, f"{name} is the channel itself ({gleev_id})"))
        return None
    return referrer


def _statistics(value: object, flags: list[FieldFlag]) -> tuple[int | None, int | None]:
    if value is None:
        return None, None
    if not isinstance(value, Mapping):
        flags.append(_bad_field("statistics", "statistics is not a map"))
        return None, None
    subscribers = value.get("subscriberCount")
    videos = value.get("videoCount")
    return (
        _number(subscribers, "statistics.subscriberCount", COUNTS, "a count", flags),
        _number(videos, "statistics.videoCount", COUNTS, "a count", flags),
    )


def _number(
    value: object, name: str, valid: Range, what: str, flags: list[FieldFlag]
) -> int | None:
    if type(value) is int and value in valid:  # the usual case first
        return value
    if value is None or value == "":
        return None
    try:
        return _in_range(_whole_number(value, name), name, valid, what)
    except _Invalid as exc:
        flags.append(_bad_field(name, str(exc)))
        return None


def _text(value: object, name: str, flags: list[FieldFlag]) -> str | None:
    if type(value) is str and 0 < len(value) <= SHORT_TEXT:  # the usual case first
        return value
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        flags.append(_bad_field(name, f"{name} is not a string ({type(value).__name__})"))
        return None
    fitted = fit_text(value)
    if len(fitted) < len(value):
        reason = f"{name} is longer than HubSpot's {MAX_TEXT_LENGTH:,} characters; cut to fit"
        flags.append(FieldFlag(f"truncated:{name}", reason))
    return fitted


def _timestamp(value: object, name: str, flags: list[FieldFlag]) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        flags.append(_bad_field(name, f"{name} is not a string ({type(value).__name__})"))
        return None
    stored = datetime_value(value)
    if not stored:
        reason = f"{name} is not a date between 1970 and 9999 ({value[:40]!r})"
        flags.append(_bad_field(name, reason))
        return None
    return stored


def _bad_field(name: str, reason: str) -> FieldFlag:
    return FieldFlag(f"bad-field:{name}", reason)


# -- numbers --------------------------------------------------------------------------------------


def _whole_number(value: object, name: str) -> int:
    if isinstance(value, bool):  # a subclass of int, but never a count or an id
        raise _Invalid(f"{name} is not a number ({value!r})")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            if len(text) > _MAX_DIGITS:
                raise _Invalid(f"{name} is out of range ({text[:40]}...)")
            return int(text)
    raise _Invalid(f"{name} is not a whole number ({str(value)[:40]!r})")


def _in_range(number: int, name: str, valid: Range, what: str) -> int:
    if number in valid:
        return number
    shown = str(number) if abs(number) < 10**40 else f"{str(number)[:40]}..."
    raise _Invalid(f"{name} is out of range ({shown}; {what} is {valid})")
