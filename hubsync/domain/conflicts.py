"""The conflict register's rules: which conflict is which across runs, and how its state moves.

A run reports conflicts (several channels on one e-mail, an e-mail on another's contact, ...)
and forgets them; the register remembers them so that each is alerted once when it appears,
once when it goes away, and once if it comes back. Pure: no I/O. A conflict's id is a
fingerprint of what it is about (the e-mail, the contact, the channel), not of its current
members, so a group that grows keeps its id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

T = TypeVar("T")


class ConflictState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # a later run saw its channels no longer conflict
    ACKNOWLEDGED = "acknowledged"  # ops said they are handling it


class Change(StrEnum):
    """A change of state, each alerted once."""

    OPENED = "opened"
    RESOLVED = "resolved"
    REOPENED = "reopened"


# What a run can report. The first four are the planner's conflicts, the next two its e-mail
# flags; the last ones are events HubSpot users cause (a merge, a GDPR delete).
DUPLICATE_EMAIL = "duplicate-email"
EMAIL_TAKEN = "email-taken"
CONTACT_CLAIMED = "contact-claimed"
DUPLICATE_CONTACTS = "duplicate-contacts"
INVALID_EMAIL = "invalid-email"
MISSING_EMAIL = "missing-email"
GDPR_DELETED = "gdpr-deleted"
MERGED = "merged"

# Found only by comparing with every HubSpot contact: only a full run can tell they are gone.
NEEDS_COMPLETE_VIEW = frozenset({DUPLICATE_CONTACTS})
# Things that happened once: no later run can see them "go away", so only ops close them.
EVENT_KINDS = frozenset({GDPR_DELETED, MERGED})


LAST_SEEN_RESOLUTION = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Observed:
    """One conflict as a run reported it."""

    kind: str
    gleev_ids: tuple[int, ...]
    detail: str
    email: str | None = None
    contact_ids: tuple[str, ...] = ()

    @property
    def kept(self) -> int | None:
        """The channel hubsync kept on the contact: the planner names it first."""
        return self.gleev_ids[0] if len(self.gleev_ids) > 1 else None


@dataclass(frozen=True, slots=True)
class ChannelCard:
    """What a person needs to recognise a channel."""

    gleev_id: int
    youtube_id: str | None = None
    title: str | None = None
    signed_up_at: str | None = None  # the channel's createdAt
    contact_id: str | None = None  # its HubSpot contact, if hubsync has one

    @property
    def youtube_url(self) -> str | None:
        return f"https://www.youtube.com/channel/{self.youtube_id}" if self.youtube_id else None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: str  # ISO 8601, UTC
    event: str  # a Change, "acknowledged" or "changed"
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ConflictRecord:
    id: str
    kind: str
    state: ConflictState
    gleev_ids: tuple[int, ...]
    detail: str  # what hubsync did, as the run said it
    first_seen: str
    last_seen: str
    email: str | None = None
    contact_ids: tuple[str, ...] = ()
    kept: int | None = None
    channels: tuple[ChannelCard, ...] = ()
    note: str | None = None  # ops' note when acknowledged
    acknowledged_by: str | None = None
    history: tuple[HistoryEntry, ...] = field(default=())

    def alert_key(self, change: Change) -> str:
        """One idempotency key per change of state: the same however often it is retried."""
        return f"conflict-{self.id}-{change}-{len(self.history)}"


@dataclass(frozen=True, slots=True)
class Update:
    """A record to store, and the change of state to alert, if any."""

    record: ConflictRecord
    change: Change | None


@dataclass(frozen=True, slots=True)
class RunScope:
    """What a run looked at, so it resolves only what it could have seen again."""

    channels: frozenset[int] | None  # None: every channel of the table (no --channel)
    complete_view: bool  # every HubSpot contact was listed (a full run)

    def may_resolve(self, record: ConflictRecord) -> bool:
        if record.kind in EVENT_KINDS:
            return False
        if record.kind in NEEDS_COMPLETE_VIEW and not self.complete_view:
            return False
        if self.channels is None:
            return True
        return bool(record.gleev_ids) and set(record.gleev_ids) <= self.channels

    def covers(self, record: ConflictRecord) -> bool:
        """Whether the run looked at any of the record's channels (so may update it)."""
        return self.channels is None or bool(self.channels.intersection(record.gleev_ids))


def _first_id(o: Observed) -> str:
    return str(o.gleev_ids[-1]) if o.gleev_ids else ",".join(sorted(o.contact_ids))


# What each kind is about: the part of it that stays the same while it lasts.
_SUBJECTS: dict[str, Callable[[Observed], str]] = {
    DUPLICATE_EMAIL: lambda o: o.email or _first_id(o),
    # The channel kept apart is named last; the e-mail may move to another owner's contact.
    EMAIL_TAKEN: lambda o: f"{o.email}|{_first_id(o)}",
    CONTACT_CLAIMED: lambda o: ",".join(sorted(o.contact_ids)) or _first_id(o),
    DUPLICATE_CONTACTS: lambda o: (
        ",".join(map(str, sorted(o.gleev_ids))) or ",".join(sorted(o.contact_ids))
    ),
    INVALID_EMAIL: _first_id,
    MISSING_EMAIL: _first_id,
}


def _any_subject(o: Observed) -> str:
    return ",".join(map(str, sorted(o.gleev_ids))) + "|" + ",".join(sorted(o.contact_ids))


def fingerprint(observed: Observed) -> str:
    """The conflict's id: the same conflict gets the same id on every run, on any machine."""
    subject = _SUBJECTS.get(observed.kind, _any_subject)(observed)
    digest = hashlib.sha256(f"{observed.kind}|{subject}".encode()).hexdigest()
    return f"c{digest[:10]}"


def reconcile(
    register: Mapping[str, ConflictRecord],
    observed: Iterable[Observed],
    scope: RunScope,
    now: str,
    cards: Mapping[int, ChannelCard] | None = None,
) -> list[Update]:
    """The register's changes after a run that reported `observed` and looked at `scope`:
    new conflicts open, resolved or changed acknowledged ones reopen, and conflicts the run
    could have seen but did not are resolved. Records the run has nothing to say about are
    left out."""
    cards = cards or {}
    seen = _by_id(observed)
    found = (_seen(register.get(cid), cid, o, now, cards) for cid, o in seen.items())
    updates = [update for update in found if update is not None]
    for cid, record in register.items():
        if cid in seen or record.state is ConflictState.RESOLVED:
            continue
        if scope.may_resolve(record):
            updates.append(Update(_moved(record, ConflictState.RESOLVED, now), Change.RESOLVED))
    return updates


def acknowledge(record: ConflictRecord, note: str, by: str, now: str) -> ConflictRecord:
    """Ops are handling it: no alert until it changes or comes back."""
    entry = HistoryEntry(now, "acknowledged", f"{by}: {note}")
    return replace(
        record,
        state=ConflictState.ACKNOWLEDGED,
        note=note,
        acknowledged_by=by,
        history=(*record.history, entry),
    )


def _by_id(observed: Iterable[Observed]) -> dict[str, Observed]:
    """One observation per conflict id (a second one of the same conflict adds its channels)."""
    seen: dict[str, Observed] = {}
    for o in observed:
        cid = fingerprint(o)
        first = seen.get(cid)
        if first is None:
            seen[cid] = o
            continue
        seen[cid] = replace(
            first,
            gleev_ids=_merged(first.gleev_ids, o.gleev_ids),
            contact_ids=_merged(first.contact_ids, o.contact_ids),
        )
    return seen


def _merged(first: tuple[T, ...], second: tuple[T, ...]) -> tuple[T, ...]:
    return (*first, *(x for x in second if x not in first))


def _seen(
    old: ConflictRecord | None,
    cid: str,
    o: Observed,
    now: str,
    cards: Mapping[int, ChannelCard],
) -> Update | None:
    """None when nothing worth storing changed: `last_seen` is kept to the hour, so that a
    run with nothing new does not rewrite every lasting conflict."""
    if old is None:
        record = ConflictRecord(
            id=cid,
            kind=o.kind,
            state=ConflictState.OPEN,
            gleev_ids=o.gleev_ids,
            detail=o.detail,
            first_seen=now,
            last_seen=now,
            email=o.email,
            contact_ids=o.contact_ids,
            kept=o.kept,
            channels=_cards(o.gleev_ids, cards, ()),
            history=(HistoryEntry(now, Change.OPENED, o.detail),),
        )
        return Update(record, Change.OPENED)
    changed = set(o.gleev_ids) != set(old.gleev_ids) or set(o.contact_ids) != set(old.contact_ids)
    current = replace(
        old,
        gleev_ids=o.gleev_ids,
        detail=o.detail,
        last_seen=now,
        email=o.email or old.email,
        contact_ids=o.contact_ids,
        kept=o.kept,
        channels=_cards(o.gleev_ids, cards, old.channels),
    )
    if old.state is ConflictState.RESOLVED or (old.state is ConflictState.ACKNOWLEDGED and changed):
        return Update(_moved(current, ConflictState.OPEN, now, o.detail), Change.REOPENED)
    if changed:
        entry = HistoryEntry(now, "changed", o.detail)
        return Update(replace(current, history=(*old.history, entry)), None)
    if replace(current, last_seen=old.last_seen) == old and not _hour_passed(old.last_seen, now):
        return None
    return Update(current, None)


def _hour_passed(since: str, now: str) -> bool:
    try:
        elapsed = datetime.fromisoformat(now) - datetime.fromisoformat(since)
    except ValueError:
        return True
    return elapsed >= LAST_SEEN_RESOLUTION


def _moved(
    record: ConflictRecord, state: ConflictState, now: str, detail: str = ""
) -> ConflictRecord:
    change = Change.RESOLVED if state is ConflictState.RESOLVED else Change.REOPENED
    entry = HistoryEntry(now, change, detail)
    return replace(record, state=state, history=(*record.history, entry))


def _cards(
    gleev_ids: tuple[int, ...], cards: Mapping[int, ChannelCard], known: tuple[ChannelCard, ...]
) -> tuple[ChannelCard, ...]:
    """Each channel's card, as this run read it, else as the register had it."""
    before = {card.gleev_id: card for card in known}
    return tuple(cards.get(gid) or before.get(gid) or ChannelCard(gid) for gid in gleev_ids)


def open_by_kind(records: Iterable[ConflictRecord]) -> dict[str, int]:
    """Conflicts not resolved (open or acknowledged), by kind: what the metrics gauge shows."""
    counts: dict[str, int] = {}
    for record in records:
        if record.state is not ConflictState.RESOLVED:
            counts[record.kind] = counts.get(record.kind, 0) + 1
    return dict(sorted(counts.items()))
