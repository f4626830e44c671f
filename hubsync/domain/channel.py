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
# More digits than any number in any range has.
_MAX_DIGITS = len(str(max(GLEEV_IDS.high, COUNTS.high)))
# The bounds as plain names for the usual case, checked millions of times per run.
_ID_LOW, _ID_HIGH = GLEEV_IDS.low, GLEEV_IDS.high
_COUNT_LOW, _COUNT_HIGH = COUNTS.low, COUNTS.high


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
    if type(value) is int and _ID_LOW <= value <= _ID_HIGH:  # the usual case first
        return value
    if value is None or value == "":
        raise _Invalid(f"{name} is missing")
    return _whole_number(value, name, GLEEV_IDS, "a Gleev id")


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
    if type(value) is int and _ID_LOW <= value <= _ID_HIGH and value != gleev_id:
        return value
    if value is None:  # the other usual case: most channels were not referred
        return None
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
    return (
        _count(value.get("subscriberCount"), "statistics.subscriberCount", flags),
        _count(value.get("videoCount"), "statistics.videoCount", flags),
    )


def _count(value: object, name: str, flags: list[FieldFlag]) -> int | None:
    if type(value) is int and _COUNT_LOW <= value <= _COUNT_HIGH:  # the usual case first
        return value
    return _number(value, name, COUNTS, "a count", flags)


def _number(
    value: object, name: str, valid: Range, what: str, flags: list[FieldFlag]
) -> int | None:
    if value is None or value == "":
        return None
    try:
        return _whole_number(value, name, valid, what)
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
    if isinstance(value, str) and (stored := datetime_value(value)):  # the usual case first
        return stored
    if value is None or value == "":
        return None
    if isinstance(value, str):
        reason = f"{name} is not a date between 1970 and 9999 ({value[:40]!r})"
    else:
        reason = f"{name} is not a string ({type(value).__name__})"
    flags.append(_bad_field(name, reason))
    return None


def _bad_field(name: str, reason: str) -> FieldFlag:
    return FieldFlag(f"bad-field:{name}", reason)


# -- numbers --------------------------------------------------------------------------------------


def _whole_number(value: object, name: str, valid: Range, what: str) -> int:
    """The whole number `value` holds, within `valid`; raises _Invalid saying what is wrong."""
    if isinstance(value, bool):  # a subclass of int, but never a count or an id
        raise _Invalid(f"{name} is not a number ({value!r})")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and (digits := value.strip()).isascii() and digits.isdigit():
        if len(digits) > _MAX_DIGITS:  # past every range; int() refuses thousands of digits
            raise _out_of_range(name, digits, valid, what)
        number = int(digits)
    else:
        raise _Invalid(f"{name} is not a whole number ({str(value)[:40]!r})")
    if number not in valid:
        shown = str(number) if abs(number) < 10**40 else "more than 40 digits"
        raise _out_of_range(name, shown, valid, what)
    return number


def _out_of_range(name: str, shown: str, valid: Range, what: str) -> _Invalid:
    shown = shown if len(shown) <= 40 else "more than 40 digits"
    return _Invalid(f"{name} is out of range ({shown}; {what} is {valid})")
