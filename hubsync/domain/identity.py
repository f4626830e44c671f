"""Which channels are synced, as what, and who keeps a shared e-mail."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter

from hubsync.domain.channel import Channel, Rejection
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
    """`--channel` named a channel the channels table does not have."""


def resolve_channels(refs: Sequence[str], channels: Sequence[Channel]) -> frozenset[int]:
    """The Gleev ids that `--channel` arguments name, by YouTube id or Gleev id."""
    by_youtube = {c.youtube_id: c.gleev_id for c in channels}
    known_gleev = {c.gleev_id for c in channels} | {
        c.referrer_gleev_id for c in channels if c.referrer_gleev_id is not None
    }
    ids: set[int] = set()
    unknown: list[str] = []
    for ref in refs:
        if ref in by_youtube:
            ids.add(by_youtube[ref])
        elif ref.isdigit() and int(ref) in known_gleev:
            ids.add(int(ref))
        else:
            unknown.append(ref)
    if unknown:
        raise UnknownChannelError(
            f"no channel with YouTube id or Gleev id {', '.join(unknown)} in the channels table"
        )
    return frozenset(ids)
