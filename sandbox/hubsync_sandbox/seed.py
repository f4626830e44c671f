"""Deterministic, realistic sandbox data: YPP channels as messy as production's, items that
are not channels at all, and HubSpot leads, some of which belong to channels."""

from __future__ import annotations

import random
import re
import string
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.table import BatchWriter
from boto3.dynamodb.types import TypeSerializer
from botocore.client import BaseClient

# videoCategoryId values of the YPP sync categories (Art, Animation and Film, ... Video Games).
# The sandbox imports nothing of hubsync: a hubsync test keeps this list equal to its own.
CATEGORY_IDS: tuple[str, ...] = (
    "4209396-2", "4209546-2", "4209572-2", "4209583-2", "4209591-2", "4209595-2", "4209603-2",
    "4209609-2", "4209637-2", "4209643-2", "4209650-2", "4209658-2", "4209664-2", "4209674-2",
    "4209679-2", "4209685-2", "4209691-2", "4209700-2", "4209707-2", "4209721-2",
)  # fmt: skip

# yppStatus values and their weights; the last three are unknown to hubsync on purpose.
_STATUS_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("Verified::Bronze", 33),
    ("Verified::Silver", 21),
    ("Verified::Gold", 12),
    ("Verified::Diamond", 5),
    ("Unverified", 15),
    ("Suspended::CopyrightBreach", 2.5),
    ("Suspended::MisleadingContent", 1.5),
    ("Suspended::ProgramTermsExploit", 1.5),
    ("Suspended::UnsupportedTopic", 1.5),
    ("OptedOut", 4),
    ("Pending", 1),
    ("Verified::Platinum", 0.5),
    ("verified", 0.5),
)
_LEAD_STATUS_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("NEW", 40),
    ("OPEN", 10),
    ("IN_PROGRESS", 10),
    ("ATTEMPTED_TO_CONTACT", 20),
    ("BAD_TIMING", 10),
    ("UNQUALIFIED", 10),
)

REFERRED_SHARE = 0.30
OUTSIDE_REFERRER_SHARE = 0.20  # of referred channels: referrer never signed up to YPP
DUPLICATE_EMAIL_SHARE = 0.05  # of channels: in a group of 2-3 sharing one e-mail
MISSING_EMAIL_SHARE = 0.03
INVALID_EMAIL_SHARE = 0.01
MISSING_STATISTICS_SHARE = 0.03
STRING_NUMBERS_SHARE = 0.10  # of statistics: counts stored as strings, as YouTube returns them
LEADS_MATCHING_SHARE = 0.10

_SIGNUPS_START = datetime(2023, 1, 1, tzinfo=UTC)
_SIGNUPS_SPAN = timedelta(days=730)
_BAD_ITEM_GLEEV_IDS = 9_000_000  # far above any seeded channel's id
_YOUTUBE_ID_CHARS = string.ascii_letters + string.digits + "-_"
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_FIRST_NAMES = (
    "anna", "ben", "carlos", "chloe", "daniel", "elena", "fatima", "george", "hana", "ivan",
    "jakub", "julia", "kofi", "lena", "liam", "maria", "mateo", "mei", "nina", "olu", "omar",
    "priya", "rafael", "sara", "sofia", "tariq", "tom", "yuki", "zeynep", "ahmed",
)  # fmt: skip
_LAST_NAMES = (
    "adeyemi", "almeida", "brown", "chen", "costa", "dubois", "garcia", "haddad", "ivanova",
    "kim", "kowalski", "kumar", "lopez", "martin", "mensah", "muller", "nguyen", "novak",
    "okafor", "patel", "rossi", "santos", "schmidt", "silva", "smith", "tanaka", "wong", "yilmaz",
)  # fmt: skip
_MAIL_DOMAINS = (
    "gmail.com", "gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com",
    "hotmail.com", "icloud.com", "proton.me", "gmx.de", "mail.ru", "yandex.ru",
)  # fmt: skip
_COMPANY_DOMAINS = (
    "brightmedia.io", "northstudio.co", "pixelfoundry.com", "tubeworks.agency",
    "creatorhub.net", "loudcast.fm", "framebyframe.tv", "bluefox.digital",
)  # fmt: skip
_TITLE_WORDS = (
    "Crypto", "Kitchen", "Gaming", "Daily", "Travel", "Tech", "Beats", "Garage", "Studio",
    "Nature", "Pixel", "Retro", "Family", "Fitness", "Art", "Comedy", "News", "Lab", "Vlogs",
    "Academy", "Pets", "Football", "Unboxed", "Anime", "DIY", "Money", "Wild", "Lo-Fi",
)  # fmt: skip
_LANGUAGES = ("en", "en", "en", "es", "pt", "de", "fr", "ru", "tr", "hi", "id", "ja")


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """What a seed contains, counted from the data itself."""

    channels: int
    by_status: dict[str, int]
    duplicate_email_groups: int
    channels_in_duplicate_groups: int
    missing_emails: int
    invalid_emails: int
    referred_channels: int
    referrers_outside_table: int  # distinct referrer ids no channel in the table has
    bad_items: int
    leads: int
    leads_matching_channels: int

    @classmethod
    def of(
        cls,
        channels: Sequence[Mapping[str, Any]],
        bad_items: Sequence[Mapping[str, Any]] = (),
        leads: Sequence[Mapping[str, str]] = (),
    ) -> SeedSummary:
        emails = [channel.get("email") for channel in channels]
        normalized = [address for address in map(normalized_email, emails) if address]
        groups = [count for count in Counter(normalized).values() if count > 1]
        gleev_ids = {channel.get("joystreamChannelId") for channel in channels}
        referrers = [c["referrerChannelId"] for c in channels if "referrerChannelId" in c]
        channel_addresses = set(normalized)
        return cls(
            channels=len(channels),
            by_status=dict(Counter(str(c.get("yppStatus")) for c in channels).most_common()),
            duplicate_email_groups=len(groups),
            channels_in_duplicate_groups=sum(groups),
            missing_emails=sum(1 for email in emails if not (email or "").strip()),
            invalid_emails=sum(
                1 for email in emails if (email or "").strip() and not normalized_email(email)
            ),
            referred_channels=len(referrers),
            referrers_outside_table=len(set(referrers) - gleev_ids),
            bad_items=len(bad_items),
            leads=len(leads),
            leads_matching_channels=sum(
                1 for lead in leads if normalized_email(lead.get("email")) in channel_addresses
            ),
        )

    def lines(self) -> list[str]:
        statuses = ", ".join(f"{status} {count}" for status, count in self.by_status.items())
        return [
            f"channels: {self.channels} ({statuses})",
            f"duplicate e-mail groups: {self.duplicate_email_groups} "
            f"({self.channels_in_duplicate_groups} channels)",
            f"missing e-mails: {self.missing_emails}, invalid e-mails: {self.invalid_emails}",
            f"referred channels: {self.referred_channels}, "
            f"referrers outside the table: {self.referrers_outside_table}",
            f"items that are not channels: {self.bad_items}",
            f"leads: {self.leads} ({self.leads_matching_channels} with a channel's e-mail)",
        ]


def normalized_email(value: object) -> str | None:
    """The trimmed, lower-cased address if it looks like one, else None (seed accounting only)."""
    if not isinstance(value, str):
        return None
    address = value.strip().lower()
    return address if _EMAIL_SHAPE.match(address) else None


def generate_channels(
    count: int, seed: int = 7, start_gleev_id: int = 1000
) -> list[dict[str, Any]]:
    """`count` channel items, sign-ups in time order; Gleev ids ascend from `start_gleev_id`
    with gaps (Gleev channels that never joined YPP, some of which referred a sign-up)."""
    rng = random.Random(seed)
    gleev_ids, never_joined_ids = _gleev_ids(rng, count, start_gleev_id)
    signups = sorted(_SIGNUPS_START + _SIGNUPS_SPAN * rng.random() for _ in range(count))
    emails = _channel_emails(rng, count)
    channels = [
        _channel(rng, gleev_id, created, _weighted(rng, _STATUS_WEIGHTS), email)
        for gleev_id, created, email in zip(gleev_ids, signups, emails, strict=True)
    ]
    _add_referrers(rng, channels, never_joined_ids)
    return channels


def generate_bad_items(seed: int = 7) -> list[dict[str, Any]]:
    """Items in the channels table that are not valid channels; each has the table's keys."""
    rng = random.Random(f"bad-items:{seed}")

    def damaged(number: int) -> dict[str, Any]:
        created = _SIGNUPS_START + _SIGNUPS_SPAN * rng.random()
        address = f"broken.item{number}@example.net"
        return _channel(rng, _BAD_ITEM_GLEEV_IDS + number, created, "Verified::Bronze", address)

    no_gleev_id = damaged(1)
    del no_gleev_id["joystreamChannelId"]
    # Real DynamoDB refuses this write (the index on joystreamChannelId types it N); moto
    # accepts it, which lets tests check that hubsync rejects such an item if one ever exists.
    text_gleev_id = {**damaged(2), "joystreamChannelId": "abc"}
    no_status = damaged(3)
    del no_status["yppStatus"]
    whitelist_record = {"userId": _user_id(rng), "id": _youtube_channel_id(rng)}
    return [no_gleev_id, text_gleev_id, no_status, whitelist_record]


def generate_leads(
    channels: Sequence[Mapping[str, Any]], count: int, seed: int = 7
) -> list[dict[str, str]]:
    """HubSpot lead properties; about 10% use a channel's e-mail, cased differently."""
    rng = random.Random(f"leads:{seed}")
    raw_forms: dict[str, set[str]] = {}
    for channel in channels:
        address = normalized_email(channel.get("email"))
        if address:
            raw_forms.setdefault(address, set()).add(channel["email"].strip())
    matching = rng.sample(
        sorted(raw_forms), min(round(count * LEADS_MATCHING_SHARE), len(raw_forms))
    )
    addresses = [_recased(rng, address, raw_forms[address]) for address in matching]
    taken = set(raw_forms)
    while len(addresses) < count:
        address = _company_address(rng)
        if address not in taken:
            taken.add(address)
            addresses.append(address)
    rng.shuffle(addresses)
    return [_lead(rng, address) for address in addresses]


def write_channels(client: BaseClient, table: str, items: Iterable[Mapping[str, Any]]) -> None:
    """Put `items` (plain Python, ints for numbers) into `table`, 25 per BatchWriteItem.

    boto3's batch writer resends unprocessed items; given a plain client, it sends the items
    as they are, so they are serialized here."""
    serializer = TypeSerializer()
    with BatchWriter(table, client) as writer:
        for item in items:
            writer.put_item(Item={k: serializer.serialize(v) for k, v in item.items()})


def _gleev_ids(rng: random.Random, count: int, start: int) -> tuple[list[int], list[int]]:
    ids: list[int] = []
    gaps: list[int] = []
    next_id = start
    for _ in range(count):
        if ids and rng.random() < 0.08:
            skipped = rng.randint(1, 3)
            gaps.extend(range(next_id, next_id + skipped))
            next_id += skipped
        ids.append(next_id)
        next_id += 1
    return ids, gaps


def _channel(
    rng: random.Random, gleev_id: int, created: datetime, status: str, email: str | None
) -> dict[str, Any]:
    channel_id = _youtube_channel_id(rng)
    title = _title(rng)
    updated = created + timedelta(days=90) * rng.random()
    item: dict[str, Any] = {
        "userId": _user_id(rng),
        "id": channel_id,
        "joystreamChannelId": gleev_id,
        "title": title,
        "yppStatus": status,
        "videoCategoryId": rng.choice(CATEGORY_IDS),
        "publishedAt": _youtube_time(created - timedelta(days=rng.uniform(30, 4400))),
        "createdAt": _js_time(created),
        "phantomKey": "phantomData",
        "language": rng.choice(_LANGUAGES),
        "description": _description(rng, title),
        "thumbnails": _thumbnails(rng),
        "uploadsPlaylistId": "UU" + channel_id[2:],
        "historicalVideoSyncedSize": rng.randint(0, 50_000_000_000),
        "shouldBeIngested": rng.random() < 0.9,
        "allowOperatorIngestion": True,
        "performUnauthorizedSync": False,
        "userAccessToken": "ya29.SECRET-" + _token(rng, 60),
        "userRefreshToken": "1//SECRET-" + _token(rng, 80),
    }
    if email is not None:
        item["email"] = email
    if rng.random() < 0.7:
        item["customUrl"] = "@" + re.sub(r"[^a-z0-9]", "", title.lower()) + str(rng.randint(1, 99))
    if rng.random() >= MISSING_STATISTICS_SHARE:
        item["statistics"] = _statistics(rng)
    if status.startswith(("Verified::", "Suspended::")):
        processed = created + timedelta(hours=rng.uniform(1, 24 * 14))
        item["processedAt"] = _js_time(processed)
        updated = max(updated, processed)
    item["updatedAt"] = _js_time(updated)
    return item


def _add_referrers(
    rng: random.Random, channels: list[dict[str, Any]], never_joined_ids: list[int]
) -> None:
    if len(channels) < 2:
        return
    # Referrals cluster: a tenth of the channels bring in almost all referred sign-ups.
    active_referrers = rng.sample(channels, max(1, len(channels) // 10))
    outside = rng.sample(never_joined_ids, min(len(never_joined_ids), max(1, len(channels) // 50)))
    for channel in channels:
        if rng.random() >= REFERRED_SHARE:
            continue
        if outside and rng.random() < OUTSIDE_REFERRER_SHARE:
            channel["referrerChannelId"] = rng.choice(outside)
            continue
        referrer = rng.choice(active_referrers)
        if referrer is not channel:
            channel["referrerChannelId"] = referrer["joystreamChannelId"]


def _channel_emails(rng: random.Random, count: int) -> list[str | None]:
    """One e-mail (or None: missing) per channel, with the production mess in set shares."""
    order = list(range(count))
    rng.shuffle(order)
    missing = round(count * MISSING_EMAIL_SHARE)
    invalid = round(count * INVALID_EMAIL_SHARE)
    duplicated = round(count * DUPLICATE_EMAIL_SHARE)
    invalid_slots = order[missing : missing + invalid]
    duplicate_slots = order[missing + invalid : missing + invalid + duplicated]
    unique_slots = order[missing + invalid + duplicated :]

    emails: list[str | None] = [None] * count
    taken: set[str] = set()
    for slot in invalid_slots:
        emails[slot] = _invalid_email(rng)
    for group in _duplicate_groups(rng, duplicate_slots):
        address = _new_personal_address(rng, taken)
        for slot in group:
            emails[slot] = _messy(rng, address)
    if len(duplicate_slots) == 1:  # too few channels for a group
        unique_slots.append(duplicate_slots[0])
    for slot in unique_slots:
        emails[slot] = _messy(rng, _new_personal_address(rng, taken))
    return emails


def _duplicate_groups(rng: random.Random, slots: list[int]) -> list[list[int]]:
    groups: list[list[int]] = []
    remaining = list(slots)
    while len(remaining) >= 2:
        size = rng.choice((2, 3)) if len(remaining) >= 5 else 3 if len(remaining) == 3 else 2
        groups.append(remaining[:size])
        remaining = remaining[size:]
    return groups


def _new_personal_address(rng: random.Random, taken: set[str]) -> str:
    while True:
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        local = rng.choice(
            (
                f"{first}.{last}",
                f"{first}{last}{rng.randint(1, 999)}",
                f"{first}_{rng.randint(1, 99)}",
            )
        )
        address = f"{local}@{rng.choice(_MAIL_DOMAINS)}"
        if address not in taken:
            taken.add(address)
            return address


def _company_address(rng: random.Random) -> str:
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    return f"{first}.{last}{rng.randint(1, 9999)}@{rng.choice(_COMPANY_DOMAINS)}"


def _messy(rng: random.Random, address: str) -> str:
    """The address as creators type it: sometimes capitalized, sometimes with stray spaces."""
    roll = rng.random()
    if roll < 0.15:
        address = address.capitalize()
    elif roll < 0.22:
        address = address.title()
    elif roll < 0.25:
        address = address.upper()
    roll = rng.random()
    if roll < 0.04:
        return f" {address}"
    if roll < 0.08:
        return f"{address}  "
    return address


def _invalid_email(rng: random.Random) -> str:
    name = f"{rng.choice(_FIRST_NAMES)}.{rng.choice(_LAST_NAMES)}"
    template = rng.choice(("{}@", "{}.gmail.com", "{}@@gmail.com", "{} at gmail dot com", "@{}"))
    return template.format(name)


def _recased(rng: random.Random, address: str, raw_forms: set[str]) -> str:
    casings = [address.upper(), address.title(), address.capitalize(), address]
    rng.shuffle(casings)
    return next(casing for casing in casings if casing not in raw_forms)


def _lead(rng: random.Random, address: str) -> dict[str, str]:
    local = address.split("@")[0].lower()
    first, _, last = local.partition(".")
    return {
        "email": address,
        "firstname": re.split(r"[_\d]", first)[0].capitalize(),
        "lastname": (last.rstrip(string.digits) or rng.choice(_LAST_NAMES)).capitalize(),
        "lifecyclestage": "lead",
        "hs_lead_status": _weighted(rng, _LEAD_STATUS_WEIGHTS),
    }


def _statistics(rng: random.Random) -> dict[str, int | str]:
    subscribers = int(rng.lognormvariate(8, 2))
    views = subscribers * rng.randint(20, 300)
    counts: dict[str, int | str] = {
        "subscriberCount": subscribers,
        "videoCount": max(1, int(rng.lognormvariate(4, 1.3))),
        "viewCount": views,
        "commentCount": views // rng.randint(200, 2000),
    }
    if rng.random() < STRING_NUMBERS_SHARE:
        return {name: str(value) for name, value in counts.items()}
    return counts


def _thumbnails(rng: random.Random) -> dict[str, str]:
    image = _token(rng, 40)
    return {
        size: f"https://yt3.ggpht.com/{image}=s{pixels}-c-k-c0x00ffffff-no-rj"
        for size, pixels in (("default", 88), ("medium", 240), ("high", 800))
    }


def _description(rng: random.Random, title: str) -> str:
    words = [rng.choice(_TITLE_WORDS).lower() for _ in range(rng.randint(5, 80))]
    return f"Welcome to {title}! " + " ".join(words)


def _title(rng: random.Random) -> str:
    words = rng.sample(_TITLE_WORDS, rng.randint(1, 3))
    if rng.random() < 0.3:
        words.insert(0, rng.choice(_FIRST_NAMES).capitalize())
    return " ".join(words)


def _youtube_channel_id(rng: random.Random) -> str:
    # 16 random bytes in base64url: the 22nd character carries only two bits.
    return "UC" + "".join(rng.choices(_YOUTUBE_ID_CHARS, k=21)) + rng.choice("AQgw")


def _user_id(rng: random.Random) -> str:
    return "1" + "".join(rng.choices(string.digits, k=20))


def _token(rng: random.Random, length: int) -> str:
    return "".join(rng.choices(_YOUTUBE_ID_CHARS, k=length))


def _weighted(rng: random.Random, weights: Sequence[tuple[str, float]]) -> str:
    values, shares = zip(*weights, strict=True)
    return rng.choices(values, weights=shares)[0]


def _js_time(moment: datetime) -> str:
    """As the backend stores it (JavaScript's toISOString): milliseconds and Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _youtube_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
