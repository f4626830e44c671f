"""Which channels are synced, as what, and who keeps a shared e-mail."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter

from hubsync.domain.channel import Channel, Rejection, parse_channel
from hubsync.domain.contact import Contact
from hubsync.domain.view import ContactView


class DuplicateEmailPolicy(StrEnum):
    """What happens to the channels of a duplicate-e-mail group that do not keep the e-mail."""

    SEPARATE = "separate"  # written as contacts without e-mail, keyed by Gleev id, flagged
    HOLD = "hold"  # not written at all


@dataclass(frozen=True, slots=True)
class DuplicateEmailGroup:
    """Channels that signed up with one normalized e-mail; `primary` keeps the e-mail contact."""

    email: str
    primary: Channel
    others: tuple[Channel, ...]


def unique_gleev_ids(channels: Iterable[Channel]) -> tuple[list[Channel], list[Rejection]]:
    """One channel per Gleev id: the earliest sign-up; later items claiming it are rejected."""
    kept: dict[int, Channel] = {}
    rejected: list[Rejection] = []
    for channel in channels:
        first = kept.setdefault(channel.gleev_id, channel)
        if first is channel:
            continue
        earlier, later = sorted((first, channel), key=lambda c: c.signup_order)
        kept[channel.gleev_id] = earlier
        reason = f"joystreamChannelId {channel.gleev_id} is already used by {earlier.youtube_id}"
        rejected.append(Rejection(later.youtube_id, reason))
    return sorted(kept.values(), key=attrgetter("gleev_id")), rejected


def referrer_ids(synced: Iterable[Channel], synced_ids: set[int]) -> list[int]:
    """Gleev ids that referred a synced channel but are not synced channels themselves."""
    referrers = {c.referrer_gleev_id for c in synced if c.referrer_gleev_id is not None}
    return sorted(referrers - synced_ids)


def duplicate_email_groups(
    synced: Iterable[Channel], view: ContactView, owner_of: Callable[[Contact], int | None]
) -> list[DuplicateEmailGroup]:
    by_email: dict[str, list[Channel]] = defaultdict(list)
    for channel in synced:
        if channel.email:
            by_email[channel.email].append(channel)
    groups = []
    for email, members in by_email.items():
        if len(members) < 2:
            continue
        primary = _primary(email, members, view, owner_of)
        others = tuple(c for c in sorted(members, key=lambda c: c.signup_order) if c is not primary)
        groups.append(DuplicateEmailGroup(email, primary, others))
    return sorted(groups, key=lambda g: g.email)


def _primary(
    email: str,
    members: list[Channel],
    view: ContactView,
    owner_of: Callable[[Contact], int | None],
) -> Channel:
    """The channel that already owns the e-mail contact stays there (contacts never swap
    owners); otherwise the earliest sign-up, then the lowest Gleev id."""
    holder = view.by_email.get(email)
    if holder is not None:
        owner = owner_of(holder)
        for channel in members:
            if owner == channel.gleev_id:
                return channel
    return min(members, key=lambda c: c.signup_order)


class UnknownChannelError(Exception):
    """`--channel` named a channel that cannot be synced: no item in the channels table has
    it, or its item is rejected (the message says why)."""


def channel_ref(text: str) -> str:
    """A `--channel` argument, trimmed: a Gleev id (all digits) or a YouTube id (UC...)."""
    ref = text.strip()
    if not ref:
        raise UnknownChannelError("give a YouTube id (UC...) or a Gleev id, not an empty value")
    return ref


def gleev_id_of(ref: str) -> int | None:
    """The Gleev id a `--channel` argument names; None for a YouTube id (never all digits)."""
    return int(ref) if ref.isascii() and ref.isdigit() else None


def resolve_channels(refs: Sequence[str], items: Sequence[Mapping[str, object]]) -> dict[str, int]:
    """The Gleev id each `--channel` argument names, found among the items read for them: a
    channel by YouTube id or Gleev id, or a referrer by its Gleev id. A name whose items are
    all rejected is refused with the reasons, like one that matches no item."""
    parsed = [(item, parse_channel(item)) for item in items]
    channels = [c for _, c in parsed if isinstance(c, Channel)]
    _, losers = unique_gleev_ids(c for c in channels if c.signed_up)
    rejected = [(item, r) for item, r in parsed if isinstance(r, Rejection)]
    rejected += [({"id": r.item_id}, r) for r in losers]
    by_youtube = {c.youtube_id: c.gleev_id for c in channels}
    known_gleev = {c.gleev_id for c in channels} | {
        c.referrer_gleev_id for c in channels if c.referrer_gleev_id is not None
    }
    named: dict[str, int] = {}
    problems: list[str] = []
    for ref in refs:
        gleev_id = gleev_id_of(ref)
        reasons = [
            r.reason
            for item, r in rejected
            if item.get("id") == ref or (gleev_id is not None and _gleev_id(item) == gleev_id)
        ]
        if gleev_id is None:  # a rejected item (even a valid one's later duplicate) is refused
            found = None if reasons else by_youtube.get(ref)
        else:  # a Gleev id with one valid item is synced, whatever its other items say
            found = gleev_id if gleev_id in known_gleev else None
        if found is not None:
            named[ref] = found
        elif reasons:
            problems.append(f"channel {ref} is rejected: {'; '.join(reasons)}")
        else:
            kind = "YouTube id" if gleev_id is None else "Gleev id"
            problems.append(f"no channel with {kind} {ref} in the channels table")
    if problems:
        raise UnknownChannelError(
            "; ".join(problems) + " (--channel takes a YouTube id or a Gleev id of a channel "
            "whose item is valid; `hubsync plan --json` lists rejected items and why)"
        )
    return named


def _gleev_id(item: Mapping[str, object]) -> object:
    return item.get("joystreamChannelId")
