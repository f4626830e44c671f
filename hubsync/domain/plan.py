"""plan(): from channels, HubSpot's contacts and hubsync's memory to the writes that are needed.

Pure: no I/O. Every rule of who becomes which contact, and what is written, lives here or in
the modules it calls, so that a dry run and a real run take exactly the same decisions.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import partial

from hubsync.domain.channel import Channel, EmailIssue, Rejection, parse_channel
from hubsync.domain.contact import Contact
from hubsync.domain.identity import (
    DuplicateEmailGroup,
    DuplicateEmailPolicy,
    duplicate_email_groups,
    referrer_ids,
    unique_gleev_ids,
)
from hubsync.domain.lifecycle import lead_status_update, lifecycle_update
from hubsync.domain.links import Link, Role
from hubsync.domain.properties import LEAD_STATUS, LIFECYCLE_STAGE, managed_properties
from hubsync.domain.referrals import REFERRAL_CYCLE, referral_cycles
from hubsync.domain.target import Target, customer_target, referrer_target
from hubsync.domain.values import same_value
from hubsync.domain.view import ContactView


class Action(StrEnum):
    CREATE = "create"  # upsert by e-mail or key property: safe to repeat after a crash
    UPDATE = "update"  # by HubSpot object id, only the properties that differ


class ConflictKind(StrEnum):
    DUPLICATE_EMAIL = "duplicate-email"  # several channels signed up with one e-mail
    EMAIL_TAKEN = "email-taken"  # the e-mail is on a contact that is not this channel's
    CONTACT_CLAIMED = "contact-claimed"  # two channels point at one contact
    DUPLICATE_CONTACTS = "duplicate-contacts"  # two contacts claim one Gleev channel


@dataclass(slots=True)  # not frozen: a million of them are built per run, and frozen is slow
class Write:
    target: Target
    action: Action
    reason: str
    changes: dict[str, str] | None = None  # for UPDATE: only the properties that differ
    contact_id: str | None = None  # for UPDATE
    id_property: str | None = None  # for CREATE: "email" or the key property

    @property
    def properties(self) -> dict[str, str]:
        """Exactly what is sent: the changes, or for a new contact every non-empty value."""
        if self.changes is not None:
            return self.changes
        target = self.target
        return {
            name: value for name, value in zip(target.names, target.values, strict=True) if value
        }

    @property
    def id_value(self) -> str:
        """What the upsert is keyed on."""
        if self.id_property == "email" and self.target.email:
            return self.target.email
        return str(self.target.gleev_id)


@dataclass(frozen=True, slots=True)
class Conflict:
    kind: ConflictKind
    gleev_ids: tuple[int, ...]
    detail: str
    email: str | None = None
    contact_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Held:
    gleev_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class Orphan:
    gleev_id: int
    contact_id: str | None
    reason: str


# Between the flags of one contact in `hubsync_flag`. Flags are in a stable order, so that the
# contact's hash does not change from run to run: first why the contact is not the usual e-mail
# contact (missing-email, invalid-email, duplicate-email-of:, email-on-contact:), then the
# channel's fields that were blanked or cut (in the order of Channel's fields), then
# referral-cycle.
FLAG_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class Flagged:
    """A channel whose contact carries flags, and why."""

    gleev_id: int
    youtube_id: str
    flag: str  # every flag, as the contact's hubsync_flag says it
    reason: str = ""  # the reason for each flag, in the same order, "; " between them


@dataclass
class Lookups:
    """What a partial view must learn from HubSpot before these channels can be planned."""

    contact_ids: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.contact_ids or self.emails or self.keys)


@dataclass(frozen=True, slots=True)
class PlanOptions:
    key_property: str = "gleev_channel_id"
    duplicate_policy: DuplicateEmailPolicy = DuplicateEmailPolicy.SEPARATE
    full: bool = False  # compare every channel with HubSpot, repairing drift
    only: frozenset[int] | None = None  # plan just these Gleev ids
    refused_emails: frozenset[str] = frozenset()  # e-mails HubSpot refused as invalid
    # Gleev ids an earlier planning round of this run found unchanged by their hash: later
    # rounds (after lookups) count them without building their targets again.
    trusted: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class SourceSnapshot:
    channels: list[Channel]
    rejected: list[Rejection]


@dataclass
class Plan:
    writes: list[Write] = field(default_factory=list)
    confirmed: list[Link] = field(default_factory=list)  # nothing to write; remember the link
    unchanged: int = 0
    trusted: set[int] = field(default_factory=set)  # unchanged by hash, HubSpot not asked
    unverified: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    orphaned: list[Orphan] = field(default_factory=list)
    flagged: list[Flagged] = field(default_factory=list)
    lookups: Lookups = field(default_factory=Lookups)

    def absorb(self, second: Plan) -> None:
        """Take in what a second plan of some channels found (after HubSpot refused writes),
        so the run reports it once: its conflicts, held and flagged channels. A channel's
        flags from the second plan replace its flags from the first."""
        self.conflicts.extend(second.conflicts)
        self.held.extend(second.held)
        replanned = {f.gleev_id for f in second.flagged}
        self.flagged = [f for f in self.flagged if f.gleev_id not in replanned]
        self.flagged.extend(second.flagged)

    @property
    def creates(self) -> list[Write]:
        return [w for w in self.writes if w.action is Action.CREATE]

    @property
    def updates(self) -> list[Write]:
        return [w for w in self.writes if w.action is Action.UPDATE]


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Reading and planning allocate millions of small acyclic records; Python's cyclic
    collector would rescan all of them again and again (it doubled the time of planning a
    million channels), and has nothing to free among them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_source(items: Iterable[Mapping[str, object]]) -> SourceSnapshot:
    channels: list[Channel] = []
    rejected: list[Rejection] = []
    with _cyclic_gc_paused():
        for item in items:
            parsed = parse_channel(item)
            (channels if isinstance(parsed, Channel) else rejected).append(parsed)  # type: ignore[arg-type]
    return SourceSnapshot(channels, rejected)


def plan(
    source: SourceSnapshot,
    view: ContactView,
    links: Mapping[int, Link],
    options: PlanOptions,
) -> Plan:
    with _cyclic_gc_paused():
        return _Planner(source, view, links, options).run()


class _Planner:
    def __init__(
        self,
        source: SourceSnapshot,
        view: ContactView,
        links: Mapping[int, Link],
        options: PlanOptions,
    ) -> None:
        self.source = source
        self.view = view
        self.links = links
        self.options = options
        self.kinds = _comparison_kinds(options.key_property)
        self.result = Plan()
        self.claimed: dict[str, int] = {}  # contact id -> the Gleev id that owns it
        self.flagged: dict[int, Flagged] = {}  # by Gleev id: a channel's flags, decided last
        self.cycles: dict[int, str] = {}  # Gleev id -> the referral cycle it is on

    def run(self) -> Plan:
        signed_up = [c for c in self.source.channels if c.signed_up]
        self.result.unverified = len(self.source.channels) - len(signed_up)
        synced, duplicates = unique_gleev_ids(signed_up)
        self.result.rejected = [*self.source.rejected, *duplicates]
        synced_ids = {c.gleev_id for c in synced}
        self.cycles = referral_cycles(synced)
        self._claim_linked_contacts()
        groups = duplicate_email_groups(synced, self.view, self._owner)
        secondary = self._record_duplicate_groups(groups)
        for channel in synced:
            if self._in_scope(channel.gleev_id):
                self._plan_channel(channel, secondary.get(channel.gleev_id))
        referrers = referrer_ids(synced, synced_ids)
        for gleev_id in referrers:
            if self._in_scope(gleev_id):
                key = self.options.key_property
                self._plan_target(gleev_id, partial(referrer_target, gleev_id, key))
        self._record_orphans(synced_ids | set(referrers))
        self._record_duplicate_contacts()
        self.result.flagged = list(self.flagged.values())
        return self.result

    # -- who owns which contact ---------------------------------------------------------

    def _claim_linked_contacts(self) -> None:
        for gleev_id in sorted(self.links):
            contact_id = self.links[gleev_id].contact_id
            owner = self.claimed.setdefault(contact_id, gleev_id)
            if owner != gleev_id:
                self.result.conflicts.append(
                    Conflict(
                        ConflictKind.CONTACT_CLAIMED,
                        (owner, gleev_id),
                        f"channels {owner} and {gleev_id} are both linked to contact "
                        f"{contact_id}; {owner} keeps it",
                        contact_ids=(contact_id,),
                    )
                )

    def _owner(self, contact: Contact) -> int | None:
        """The Gleev channel a contact belongs to: by hubsync's links, else its key property."""
        if contact.id in self.claimed:
            return self.claimed[contact.id]
        key = contact.get(self.options.key_property)
        return _named_gleev_id(key)

    # -- duplicate e-mails ----------------------------------------------------------------

    def _record_duplicate_groups(
        self, groups: list[DuplicateEmailGroup]
    ) -> dict[int, DuplicateEmailGroup]:
        secondary: dict[int, DuplicateEmailGroup] = {}
        for group in groups:
            ids = (group.primary.gleev_id, *(c.gleev_id for c in group.others))
            if self.options.only is not None and not self.options.only.intersection(ids):
                continue
            others = ", ".join(str(c.gleev_id) for c in group.others)
            self.result.conflicts.append(
                Conflict(
                    ConflictKind.DUPLICATE_EMAIL,
                    ids,
                    f"{len(ids)} channels signed up with this e-mail; {group.primary.gleev_id} "
                    f"keeps the e-mail contact, {others}: {self.options.duplicate_policy}",
                    email=group.email,
                )
            )
            for channel in group.others:
                secondary[channel.gleev_id] = group
        return secondary

    # -- one channel ----------------------------------------------------------------------

    def _plan_channel(self, channel: Channel, group: DuplicateEmailGroup | None) -> None:
        key = self.options.key_property
        refused = self._refused_email(channel)
        if refused:
            channel = replace(channel, email=None, email_issue=EmailIssue.INVALID)
        if group is None:
            flag = self._flag(channel, _email_flag(channel, refused))
            self._plan_target(
                channel.gleev_id,
                partial(customer_target, channel, key, Role.CUSTOMER, flag, refused),
                channel,
            )
            return
        primary = group.primary.gleev_id
        if self.options.duplicate_policy is DuplicateEmailPolicy.HOLD:
            reason = f"shares its e-mail with channel {primary} (policy hold)"
            self.result.held.append(Held(channel.gleev_id, reason))
            return
        duplicate = (f"duplicate-email-of:{primary}", f"channel {primary} keeps the shared e-mail")
        flag = self._flag(channel, duplicate)
        self._plan_target(
            channel.gleev_id, partial(customer_target, channel, key, Role.DUPLICATE, flag), channel
        )

    def _flag(self, channel: Channel, contact_flag: tuple[str, str] | None) -> str:
        """Records the channel's flags (replacing any recorded before) and returns them as
        its contact's hubsync_flag says them. `contact_flag` is why the contact is not the
        usual e-mail contact, with its reason."""
        cycle = self.cycles.get(channel.gleev_id)
        if contact_flag is None and not channel.flags and cycle is None:  # the usual case
            return ""
        flags = [] if contact_flag is None else [contact_flag]
        flags += [(f.flag, f.reason) for f in channel.flags]
        if cycle is not None:
            flags.append((REFERRAL_CYCLE, cycle))
        flag = FLAG_SEPARATOR.join(name for name, _ in flags)
        reason = "; ".join(reason for _, reason in flags)
        self.flagged[channel.gleev_id] = Flagged(channel.gleev_id, channel.youtube_id, flag, reason)
        return flag

    def _refused_email(self, channel: Channel) -> str | None:
        """The channel's e-mail if HubSpot refused it as invalid, in this run or before."""
        link = self.links.get(channel.gleev_id)
        if channel.email and (
            channel.email in self.options.refused_emails
            or (link is not None and link.refused_email == channel.email)
        ):
            return channel.email
        return None

    def _plan_target(
        self, gleev_id: int, build: Callable[[], Target], channel: Channel | None = None
    ) -> None:
        if gleev_id in self.options.trusted:
            self._count_trusted(gleev_id)
            return
        target = build()
        link = self.links.get(gleev_id)
        fingerprint = target.fingerprint
        if self._trusted_unchanged(link, target, fingerprint):
            self._count_trusted(gleev_id)
            return
        if self._needs_lookups(target, link) or self._key_claimed_by_another(target, link):
            return
        contact, how = self._match(target, link)
        if target.email and not self._email_is_free(target, contact):
            target = self._separate_email_conflict(target, channel, contact)
            if target is None:
                return
            fingerprint = target.fingerprint
        if contact is None:
            self._create(target)
        else:
            self.claimed[contact.id] = target.gleev_id
            self._update(target, contact, how, fingerprint, link)

    def _count_trusted(self, gleev_id: int) -> None:
        self.result.unchanged += 1
        self.result.trusted.add(gleev_id)

    def _trusted_unchanged(self, link: Link | None, target: Target, fingerprint: str) -> bool:
        """Outside a full run, what hubsync last wrote is trusted: same hash, nothing to do."""
        return (
            not self.options.full
            and self.options.only is None
            and link is not None
            and link.role is target.role
            and link.pushed_hash == fingerprint
        )

    def _needs_lookups(self, target: Target, link: Link | None) -> bool:
        """Linked contacts are read first; only when the linked contact is gone, or does not
        already hold this channel's key and e-mail, are the key and e-mail looked up."""
        lookups = self.result.lookups
        if link is not None:
            if not self.view.knows_id(link.contact_id):
                lookups.contact_ids.add(link.contact_id)
                return True
            if self._holds_identity(self.view.by_id.get(link.contact_id), target):
                return False
        missing = False
        key = str(target.gleev_id)
        if not self.view.knows_key(key):
            lookups.keys.add(key)
            missing = True
        if target.email and not self.view.knows_email(target.email):
            lookups.emails.add(target.email)
            missing = True
        return missing

    def _holds_identity(self, contact: Contact | None, target: Target) -> bool:
        return (
            contact is not None
            and contact.get(self.options.key_property) == str(target.gleev_id)
            and (target.email is None or contact.email == target.email)
        )

    def _key_claimed_by_another(self, target: Target, link: Link | None) -> bool:
        """A contact carries this channel's Gleev id but belongs to another channel: writing
        would put one channel's data on another's contact, so the channel is held."""
        holder = self.view.by_key.get(str(target.gleev_id))
        if holder is None or (link is not None and link.contact_id == holder.id):
            return False
        owner = self._owner(holder)
        if owner in (None, target.gleev_id):
            return False
        self.result.conflicts.append(
            Conflict(
                ConflictKind.CONTACT_CLAIMED,
                (owner, target.gleev_id),
                f"contact {holder.id} carries {self.options.key_property}={target.gleev_id} "
                f"but is channel {owner}'s; fix the contact in HubSpot",
                contact_ids=(holder.id,),
            )
        )
        self.result.held.append(Held(target.gleev_id, f"contact {holder.id} is channel {owner}'s"))
        return True

    def _match(self, target: Target, link: Link | None) -> tuple[Contact | None, str]:
        """The contact this channel is: linked, then by Gleev id, then a contact with its
        e-mail that belongs to no other channel (a lead is converted in place)."""
        if link is not None and self.claimed.get(link.contact_id) == target.gleev_id:
            contact = self.view.by_id.get(link.contact_id)
            if contact is not None:
                return contact, "linked"
        contact = self.view.by_key.get(str(target.gleev_id))
        if contact is not None and self._owner(contact) in (None, target.gleev_id):
            return contact, "same Gleev id"
        holder = self.view.by_email.get(target.email) if target.email else None
        if holder is not None and self._owner(holder) is None:
            stage = holder.get(LIFECYCLE_STAGE) or "no stage"
            return holder, "lead converted" if stage == "lead" else f"adopted ({stage})"
        return None, ""

    def _email_is_free(self, target: Target, contact: Contact | None) -> bool:
        holder = self.view.by_email.get(target.email or "")
        return holder is None or (contact is not None and holder.id == contact.id)

    def _separate_email_conflict(
        self, target: Target, channel: Channel | None, contact: Contact | None
    ) -> Target | None:
        """The e-mail sits on a contact that is not this channel's: never overwrite it."""
        assert channel is not None and target.email is not None
        holder = self.view.by_email[target.email]
        owner = self._owner(holder)
        whose = f"channel {owner}'s contact" if owner is not None else "an unlinked contact"
        self.result.conflicts.append(
            Conflict(
                ConflictKind.EMAIL_TAKEN,
                (target.gleev_id,) if owner is None else (owner, target.gleev_id),
                f"e-mail is already on {whose} {holder.id}"
                + ("" if owner is not None else "; merge the contacts in HubSpot to resolve"),
                email=target.email,
                contact_ids=(holder.id,) if contact is None else (holder.id, contact.id),
            )
        )
        if self.options.duplicate_policy is DuplicateEmailPolicy.HOLD:
            self.result.held.append(Held(target.gleev_id, f"e-mail is on contact {holder.id}"))
            return None
        taken = (f"email-on-contact:{holder.id}", f"its e-mail is on contact {holder.id}")
        flag = self._flag(channel, taken)
        return customer_target(channel, self.options.key_property, Role.DUPLICATE, flag)

    # -- writes ---------------------------------------------------------------------------

    def _create(self, target: Target) -> None:
        id_property = "email" if target.email else self.options.key_property
        reason = f"new {target.role}" + (f" ({target.flag})" if target.flag else "")
        self.result.writes.append(Write(target, Action.CREATE, reason, id_property=id_property))

    def _update(
        self, target: Target, contact: Contact, how: str, fingerprint: str, link: Link | None
    ) -> None:
        changes = self._changes(target, contact)
        if not changes:
            self.result.unchanged += 1
            confirmed = Link(
                target.gleev_id, contact.id, fingerprint, target.role, target.refused_email
            )
            if confirmed != link:
                self.result.confirmed.append(confirmed)
            return
        reason = f"{how}: " + ", ".join(sorted(changes))
        if link is not None and link.pushed_hash == fingerprint:
            reason = f"drift repaired: {', '.join(sorted(changes))}"
        self.result.writes.append(
            Write(target, Action.UPDATE, reason, changes=changes, contact_id=contact.id)
        )

    def _changes(self, target: Target, contact: Contact) -> dict[str, str]:
        changes: dict[str, str] = {}
        for name, wanted in zip(target.names, target.values, strict=True):
            current = contact.properties.get(name)
            if name == LIFECYCLE_STAGE:
                new = lifecycle_update(current or None, wanted)
            elif name == LEAD_STATUS:
                new = lead_status_update(current or None, wanted)
            else:
                new = None if same_value(self.kinds.get(name, ""), wanted, current) else wanted
            if new is not None:
                changes[name] = new
        return changes

    # -- reports --------------------------------------------------------------------------

    def _in_scope(self, gleev_id: int) -> bool:
        return self.options.only is None or gleev_id in self.options.only

    def _record_orphans(self, wanted: set[int]) -> None:
        known = wanted | {h.gleev_id for h in self.result.held}
        for gleev_id, link in sorted(self.links.items()):
            if gleev_id not in known and self._in_scope(gleev_id):
                self.result.orphaned.append(
                    Orphan(gleev_id, link.contact_id, "no longer a synced channel or referrer")
                )
        if not self.view.complete or self.options.only is not None:
            return
        known |= self.links.keys()
        for key, contact in sorted(self.view.by_key.items()):
            gleev_id = _named_gleev_id(key)
            if gleev_id is not None and gleev_id not in known:
                self.result.orphaned.append(
                    Orphan(gleev_id, contact.id, "contact carries a Gleev id with no channel")
                )

    def _record_duplicate_contacts(self) -> None:
        for key, contact_ids in sorted(self.view.key_collisions.items()):
            named = _named_gleev_id(key)
            gleev_ids = () if named is None else (named,)
            self.result.conflicts.append(
                Conflict(
                    ConflictKind.DUPLICATE_CONTACTS,
                    gleev_ids,
                    f"{len(contact_ids)} contacts carry {self.options.key_property}={key}",
                    contact_ids=tuple(contact_ids),
                )
            )


def _named_gleev_id(key: str | None) -> int | None:
    """The Gleev id a contact's key property names, or None: the property can be edited by
    hand in HubSpot, and str.isdigit() accepts digits int() refuses (a superscript two)."""
    if key and key.isascii() and key.isdigit() and len(key) <= 20:
        return int(key)
    return None


def _email_flag(channel: Channel, refused: str | None) -> tuple[str, str] | None:
    if channel.email_issue is None:
        return None
    if refused:
        reason = "HubSpot refused the e-mail as invalid"
    elif channel.email_issue is EmailIssue.MISSING:
        reason = "no e-mail"
    else:
        reason = "the e-mail is not a valid address"
    return channel.email_issue.value, reason


def _comparison_kinds(key_property: str) -> dict[str, str]:
    kinds = {spec.name: spec.type for spec in managed_properties(key_property)}
    kinds["email"] = "email"
    return kinds
