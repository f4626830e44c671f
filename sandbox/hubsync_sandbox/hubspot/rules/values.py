"""How HubSpot reads and writes property values: timestamps, numbers, e-mail addresses."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from functools import cache, lru_cache

from publicsuffixlist import PublicSuffixList

_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$"
)
# HubSpot refuses exponents ("1.4e-14 was not a valid number.").
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_EPOCH_MS = re.compile(r"^-?\d+$")
_MS_PER_DAY = 86_400_000
# HubSpot's limit for a string property value ("Property field types in HubSpot": 65,536
# characters), counted in UTF-16 code units as Java and JavaScript count a string's length.
MAX_STRING_LENGTH = 65_536


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def is_plausible_email(value: str) -> bool:
    """What HubSpot accepts as an e-mail: the address's shape, and a top-level domain that
    exists (x@y.comtttt is refused INVALID_EMAIL, as github.com/Atlas-Authority/
    marketing-automation/issues/174 shows HubSpot refusing addresses it cannot deliver to)."""
    if len(value) > 254 or _EMAIL.match(value) is None:
        return False
    return _top_level_domain_exists(value.rpartition(".")[2])


@lru_cache(maxsize=1024)
def _top_level_domain_exists(label: str) -> bool:
    return _public_suffixes().publicsuffix(label) is not None


@cache
def _public_suffixes() -> PublicSuffixList:
    """The public suffix list shipped with the package: no network, at import or later."""
    return PublicSuffixList(accept_unknown=False, only_icann=True)


def is_within_string_limit(value: str) -> bool:
    return len(value.encode("utf-16-le")) // 2 <= MAX_STRING_LENGTH


def is_number(value: str) -> bool:
    return _NUMBER.match(value) is not None


def parse_timestamp_ms(value: str) -> int | None:
    """Epoch milliseconds or ISO 8601 (a date alone is midnight UTC); None if neither."""
    text = value.strip()
    if _EPOCH_MS.match(text):
        return int(text)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def is_midnight_utc(ms: int) -> bool:
    return ms % _MS_PER_DAY == 0


def format_instant(ms: int) -> str:
    """Like Java's Instant.toString(): milliseconds shown only when not zero."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if ms % 1000:
        text += f".{ms % 1000:03d}"
    return text + "Z"


def format_date(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")
