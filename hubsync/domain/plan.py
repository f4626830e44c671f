"""make_plan(): from channels, HubSpot's contacts and hubsync's memory to the writes needed.

Pure: no I/O. Every rule of who becomes which contact, and what is written, lives here or in
the modules it calls, so that a dry run and a real run take exactly the same decisions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import partial

from hubsync.domain.changes import ContactChange, gdpr_deleted, merged
from hubsync.domain.channel import Channel, EmailIssue, Rejection, parse_channel
from hubsync.domain.contact import Contact
from hubsync.domain.gc_pause import cyclic_gc_paused
from hubsync.domain.identity import (
    DuplicateEmailGroup,
    DuplicateEmailPolicy,
    duplicate_email_groups,
    referrer_ids,
    unique_gleev_ids,
)
from hubsync.domain.lifecycle import lead_status_update, lifecycle_update
from hubsync.domain.links import Link, Role
from hubsync.domain.properties import (
    CONTACT_PROPERTIES,
    DEFAULT_KEY_PROPERTY,
    EMAIL,
    FLAG,
    LEAD_STATUS,
    LIFECYCLE_STAGE,
)
from hubsync.domain.referrals import REFERRAL_CYCLE, referral_cycles
from hubsync.domain.target import Target, customer_target, referrer_target
from hubsync.domain.values import same_value
from hubsync.domain.view import ContactView


class Action(StrEnum):
    CREATE = "create"  # upsert by e-mail or key property: safe to repeat after a crash
    UPDATE = "update"  # by HubSpot object id, only the properties that differ


class MatchedBy(StrEnum):
    """How the HubSpot contact a channel is was found, in the order it is looked for."""

    LINKED = "linked"  # hubsync's link from an earlier run
    SAME_GLEEV_ID = "same Gleev id"  # a contact carrying the channel's Gleev id
    LEAD_CONVERTED = "lead converted"  # a lead with the channel's e-mail, no other channel's
    ADOPTED = "adopted"  # any other contact with the e-mail, no other channel's


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
    replaces: str | None = None  # for CREATE: the linked contact people deleted in HubSpot
    # For CREATE: properties written when the contact is created, never compared afterwards.
    on_create: tuple[tuple[str, str], ...] = ()

    @property
    def properties(self) -> dict[str, str]:
        """Exactly what is sent: the changes, or for a new contact every non-empty value."""
        if self.changes is not None:
            return self.changes
        target = self.target
        values = zip(target.names, target.values, strict=True)
        return {name: value for name, value in values if value} | dict(self.on_create)

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
EMAIL_ON_CONTACT = "email-on-contact:"


@dataclass(frozen=True, slots=True)
class Flagged:
    """A channel whose contact carries flags, and why."""

    gleev_id: int
    youtube_id: str
    flag: str  # every flag, as the contact's hubsync_flag says it
    reason: str = ""  # the reason for each flag, in the same order, "; " between them


@dataclass(frozen=True, slots=True)
class NeedsLookup:
    """A channel that cannot be planned before HubSpot is asked for these contacts."""

    contact_id: str | None = None  # its linked contact, gone from what was read
    key: str | None = None  # its Gleev id, as the key property
    email: str | None = None


@dataclass
class Lookups:
    """What a partial view must learn from HubSpot before these channels can be planned."""

    contact_ids: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)

    def add(self, need: NeedsLookup) -> None:
        if need.contact_id is not None:
            self.contact_ids.add(need.contact_id)
        if need.key is not None:
            self.keys.add(need.key)
        if need.email is not None:
            self.emails.add(need.email)

    def __bool__(self) -> bool:
        return bool(self.contact_ids or self.emails or self.keys)


@dataclass(frozen=True, slots=True)
class Matched:
    """The HubSpot contact a channel is, and how it was found."""

    contact: Contact
    how: MatchedBy

    @property
    def reason(self) -> str:
        if self.how is MatchedBy.ADOPTED:
            return f"adopted ({self.contact.get(LIFECYCLE_STAGE) or 'no stage'})"
        return self.how.value


@dataclass(frozen=True, slots=True)
class Confirmed:
    """The channel's contact already says what it should: nothing to write."""

    link: Link
    new: bool  # the link is not what hubsync remembers, so it is saved


@dataclass(frozen=True, slots=True)
class Remembered:
    """A link to keep that is no confirmation of a contact: a GDPR deletion to remember."""

    link: Link


@dataclass(frozen=True, slots=True)
class UnchangedByHash:
    """What the contact should say hashes the same as what HubSpot last confirmed."""

    gleev_id: int


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """What the user chose for the run."""

    key_property: str = DEFAULT_KEY_PROPERTY
    duplicate_policy: DuplicateEmailPolicy = DuplicateEmailPolicy.SEPARATE
    full: bool = False  # compare every channel with HubSpot, repairing drift
    scope: frozenset[int] | None = None  # plan just these Gleev ids (named channels)


@dataclass(frozen=True, slots=True)
class Learned:
    """What the run has learned from HubSpot so far, for its later planning rounds."""

    refused_emails: frozenset[str] = frozenset()  # e-mails HubSpot refused as invalid
    # Gleev ids an earlier round found unchanged by their hash: later rounds (after lookups)
    # count them without building their targets again.
    unchanged_by_hash: frozenset[int] = frozenset()
    # Gleev id -> the e-mail HubSpot refused when the channel's deleted contact was created
    # again: HubSpot blocklists the e-mails of a GDPR-deleted contact.
    gdpr_refused: Mapping[int, str] = field(default_factory=dict)


NOTHING_LEARNED = Learned()  # a run's first planning round


@dataclass(frozen=True, slots=True)
class SourceSnapshot:
    channels: list[Channel]
    rejected: list[Rejection]


@dataclass
class Plan:
    writes: list[Write] = field(default_factory=list)
    confirmed: list[Link] = field(default_factory=list)  # nothing to write; remember the link
    unchanged: int = 0
    unchanged_by_hash: set[int] = field(default_factory=set)  # HubSpot not asked
    unverified: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    orphaned: list[Orphan] = field(default_factory=list)
    flagged: list[Flagged] = field(default_factory=list)
    lookups: Lookups = field(default_factory=Lookups)
    contact_changes: list[ContactChange] = field(default_factory=list)  # merged, gdpr-deleted

    def absorb(self, second: Plan) -> None:
        """Take in what a second plan of some channels found (after HubSpot refused writes),
        so the run reports it once: its conflicts, held and flagged channels. A channel's
        flags from the second plan replace its flags from the first."""
        self.conflicts.extend(second.conflicts)
        self.held.extend(second.held)
        self.contact_changes.extend(second.contact_changes)
        replanned = {f.gleev_id for f in second.flagged}
        self.flagged = [f for f in self.flagged if f.gleev_id not in replanned]
        self.flagged.extend(second.flagged)

    @property
    def creates(self) -> list[Write]:
        return [w for w in self.writes if w.action is Action.CREATE]

    @property
    def updates(self) -> list[Write]:
        return [w for w in self.writes if w.action is Action.UPDATE]


def read_source(items: Iterable[Mapping[str, object]]) -> SourceSnapshot:
    channels: list[Channel] = []
    rejected: list[Rejection] = []
    with cyclic_gc_paused():
        for item in items:
            parsed = parse_channel(item)
            if isinstance(parsed, Channel):
                channels.append(parsed)
            else:
                rejected.append(parsed)
    return SourceSnapshot(channels, rejected)


def make_plan(
    source: SourceSnapshot,
    view: ContactView,
    links: Mapping[int, Link],
    options: PlanOptions,
    learned: Learned = NOTHING_LEARNED,
) -> Plan:
    with cyclic_gc_paused():
        return _Planner(source, view, links, options, learned).run()


# Every value a decision about one channel can take; `_Planner._record` files each one.
Decision = (
    NeedsLookup
    | Conflict
    | Held
    | Flagged
    | Orphan
    | Write
    | Confirmed
    | UnchangedByHash
    | ContactChange
    | Remembered
)


class _Planner:
    def __init__(
        self,
        source: SourceSnapshot,
        view: ContactView,
        links: Mapping[int, Link],
        options: PlanOptions,
        learned: Learned,
    ) -> None:
        self.source = source
        self.view = view
        self.links = links
        self.options = options
        self.learned = learned
        self.property_types = _property_types(options.key_property)
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

    def _record(self, *decisions: Decision) -> None:
        """Files each decision in the plan: the one place the plan is written to."""
        for decision in decisions:
            match decision:
                case Write(contact_id=contact_id):
                    self.result.writes.append(decision)
                    if contact_id is not None:
                        self.claimed[contact_id] = decision.target.gleev_id
                case UnchangedByHash(gleev_id=gleev_id):
                    self.result.unchanged += 1
                    self.result.unchanged_by_hash.add(gleev_id)
                case Confirmed(link=link, new=new):
                    self.result.unchanged += 1
                    self.claimed[link.contact_id] = link.gleev_id
                    if new:
                        self.result.confirmed.append(link)
                case NeedsLookup():
                    self.result.lookups.add(decision)
                case Conflict():
                    self.result.conflicts.append(decision)
                case Held():
                    self.result.held.append(decision)
                case Flagged(gleev_id=gleev_id):  # replaces the channel's flags recorded before
                    self.flagged[gleev_id] = decision
                case Orphan():
                    self.result.orphaned.append(decision)
                case ContactChange():
                    self.result.contact_changes.append(decision)
                case Remembered(link=link):
                    self.result.confirmed.append(link)

    # -- who owns which contact ---------------------------------------------------------

    def _claim_linked_contacts(self) -> None:
        """Each linked contact (as it is now: people may have merged two channels' contacts
        into one) is claimed by one channel: the one whose Gleev id it carries, else the
        lowest."""
        for gleev_id in sorted(self.links):
            linked = self.links[gleev_id].contact_id
            contact_id = self.view.current_id(linked)
            owner = self.claimed.setdefault(contact_id, gleev_id)
            if owner == gleev_id:
                continue
            loser = gleev_id
            if self._carries(contact_id, gleev_id):
                owner, loser = gleev_id, owner
                self.claimed[contact_id] = owner
            merged_away = self.links[loser].contact_id
            how = (
                "" if merged_away == contact_id else f" (its contact {merged_away} merged into it)"
            )
            self._record(
                Conflict(
                    ConflictKind.CONTACT_CLAIMED,
                    (owner, loser),
                    f"channels {owner} and {loser} are both linked to contact "
                    f"{contact_id}{how}; {owner} keeps it",
                    contact_ids=(contact_id,),
                )
            )

    def _carries(self, contact_id: str, gleev_id: int) -> bool:
        contact = self.view.by_id.get(contact_id)
        return contact is not None and contact.get(self.options.key_property) == str(gleev_id)

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
            if self.options.scope is not None and not self.options.scope.intersection(ids):
                continue
            others = ", ".join(str(c.gleev_id) for c in group.others)
            self._record(
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
            self._record(Held(channel.gleev_id, reason))
            return
        duplicate = (f"duplicate-email-of:{primary}", f"channel {primary} keeps the shared e-mail")
        flag = self._flag(channel, duplicate)
        self._plan_target(
            channel.gleev_id, partial(customer_target, channel, key, Role.DUPLICATE, flag), channel
        )

    def _flag(self, channel: Channel, contact_flag: tuple[str, str] | None) -> str:
        """Records the channel's flags (replacing any recorded before) and returns them as
        its contact's hubsync_flag says them."""
        flagged = self._flagged(channel, contact_flag)
        if flagged is None:
            return ""
        self._record(flagged)
        return flagged.flag

    def _flagged(self, channel: Channel, contact_flag: tuple[str, str] | None) -> Flagged | None:
        """Every flag of the channel, with its reason; None when it has none. `contact_flag`
        is why the contact is not the usual e-mail contact, with its reason."""
        cycle = self.cycles.get(channel.gleev_id)
        if contact_flag is None and not channel.flags and cycle is None:  # the usual case
            return None
        flags = [] if contact_flag is None else [contact_flag]
        flags += [(f.flag, f.reason) for f in channel.flags]
        if cycle is not None:
            flags.append((REFERRAL_CYCLE, cycle))
        flag = FLAG_SEPARATOR.join(name for name, _ in flags)
        reason = "; ".join(reason for _, reason in flags)
        return Flagged(channel.gleev_id, channel.youtube_id, flag, reason)

    def _refused_email(self, channel: Channel) -> str | None:
        """The channel's e-mail if HubSpot refused it as invalid, in this run or before."""
        link = self.links.get(channel.gleev_id)
        if channel.email and (
            channel.email in self.learned.refused_emails
            or (link is not None and link.refused_email == channel.email)
        ):
            return channel.email
        return None

    def _plan_target(
        self, gleev_id: int, build: Callable[[], Target], channel: Channel | None = None
    ) -> None:
        self._record(*self._decide(gleev_id, build, channel))

    def _decide(
        self, gleev_id: int, build: Callable[[], Target], channel: Channel | None
    ) -> tuple[Decision, ...]:
        """What becomes of one contact hubsync wants: unchanged, a write, or why not yet."""
        if gleev_id in self.learned.unchanged_by_hash:
            return (UnchangedByHash(gleev_id),)
        target = build()
        link = self.links.get(gleev_id)
        gdpr = self._gdpr_deleted(target, link)
        if gdpr is not None:
            return gdpr
        fingerprint = target.fingerprint
        if self._hash_unchanged(link, target, fingerprint):
            return (UnchangedByHash(gleev_id),)
        if link is not None and self.view.knows_id(link.contact_id):
            lost = self._merged_into_anothers(target.gleev_id, link)
            if lost is not None:
                return (lost,)
        need = self._lookup_needed(target, link)
        if need is not None:
            return (need,)
        claimed = self._key_on_anothers_contact(target, link)
        if claimed is not None:
            return claimed
        match = self._match(target, link)
        followed = self._followed_merge(target.gleev_id, link, match)
        if target.email is None or self._email_is_free(target.email, match):
            return (*followed, self._write(target, match, fingerprint, link))
        assert channel is not None  # only a channel's target has an e-mail
        return (*followed, *self._email_taken(target, channel, match, link))

    # -- what people did in HubSpot -------------------------------------------------------

    def _gdpr_deleted(self, target: Target, link: Link | None) -> tuple[Decision, ...] | None:
        """HubSpot refuses for good the e-mail of a contact people GDPR-deleted: the channel
        is not written again (no contact, not even one without e-mail) until its e-mail
        changes. Found when recreating the contact is refused, then remembered in the link."""
        if target.email is None or link is None:
            return None
        if link.gdpr_email == target.email:
            return (Held(target.gleev_id, _gdpr_reason(link.contact_id)),)
        if self.learned.gdpr_refused.get(target.gleev_id) != target.email:
            return None
        remembered = replace(link, pushed_hash="", gdpr_email=target.email)
        return (
            Held(target.gleev_id, _gdpr_reason(link.contact_id)),
            gdpr_deleted(target.gleev_id, link.contact_id, target.email),
            Remembered(remembered),
        )

    def _merged_into_anothers(self, gleev_id: int, link: Link) -> Held | None:
        """People merged this channel's contact into another channel's: the channel is not
        written over the other's values (the contact-claimed conflict says which keeps it)."""
        survivor = self.view.current_id(link.contact_id)
        owner = self.claimed.get(survivor)
        if survivor == link.contact_id or owner in (None, gleev_id):
            return None
        return Held(
            gleev_id,
            f"its contact {link.contact_id} was merged into contact {survivor}, "
            f"channel {owner}'s contact",
        )

    def _followed_merge(
        self, gleev_id: int, link: Link | None, match: Matched | None
    ) -> tuple[ContactChange, ...]:
        """The linked contact was merged into the matched one: the link follows it."""
        if link is None or match is None or match.how is not MatchedBy.LINKED:
            return ()
        if match.contact.id == link.contact_id:
            return ()
        return (merged(gleev_id, link.contact_id, match.contact.id),)

    def _hash_unchanged(self, link: Link | None, target: Target, fingerprint: str) -> bool:
        """Outside a full run, what hubsync last wrote is trusted: same hash, nothing to do."""
        return (
            not self.options.full
            and self.options.scope is None
            and link is not None
            and link.role is target.role
            and link.pushed_hash == fingerprint
        )

    def _lookup_needed(self, target: Target, link: Link | None) -> NeedsLookup | None:
        """Linked contacts are read first; only when the linked contact is gone, or does not
        already hold this channel's key and e-mail, are the key and e-mail looked up."""
        holder = None
        if link is not None:
            if not self.view.knows_id(link.contact_id):
                return NeedsLookup(contact_id=link.contact_id)
            contact = self.view.contact(link.contact_id)
            if self._holds_identity(contact, target):
                return None
            holder = _flagged_email_holder(contact)
        key = str(target.gleev_id)
        key_unknown = not self.view.knows_key(key)
        email_unknown = target.email is not None and not self.view.knows_email(target.email)
        # Reads by e-mail never find a secondary e-mail: when a read by e-mail found no
        # holder, the contact an earlier run found holding it (the flag names it) is read.
        holder_unknown = (
            holder is not None
            and not email_unknown
            and target.email is not None
            and self.view.email_holder(target.email) is None
            and not self.view.knows_id(holder)
        )
        if not (key_unknown or email_unknown or holder_unknown):  # the usual case
            return None
        return NeedsLookup(
            contact_id=holder if holder_unknown else None,
            key=key if key_unknown else None,
            email=target.email if email_unknown else None,
        )

    def _holds_identity(self, contact: Contact | None, target: Target) -> bool:
        return (
            contact is not None
            and contact.get(self.options.key_property) == str(target.gleev_id)
            and (target.email is None or contact.has_email(target.email))
        )

    def _key_on_anothers_contact(
        self, target: Target, link: Link | None
    ) -> tuple[Conflict, Held] | None:
        """A contact carries this channel's Gleev id but belongs to another channel: writing
        would put one channel's data on another's contact, so the channel is held."""
        holder = self.view.by_key.get(str(target.gleev_id))
        if holder is None or (link is not None and link.contact_id == holder.id):
            return None
        owner = self._owner(holder)
        if owner in (None, target.gleev_id):
            return None
        conflict = Conflict(
            ConflictKind.CONTACT_CLAIMED,
            (owner, target.gleev_id),
            f"contact {holder.id} carries {self.options.key_property}={target.gleev_id} "
            f"but is channel {owner}'s; fix the contact in HubSpot",
            contact_ids=(holder.id,),
        )
        return conflict, Held(target.gleev_id, f"contact {holder.id} is channel {owner}'s")

    def _match(self, target: Target, link: Link | None) -> Matched | None:
        """The contact this channel is: linked, then by Gleev id, then a contact with its
        e-mail that belongs to no other channel (a lead is converted in place)."""
        if link is not None:
            contact = self.view.contact(link.contact_id)
            if contact is not None and self.claimed.get(contact.id) == target.gleev_id:
                return Matched(contact, MatchedBy.LINKED)
        contact = self.view.by_key.get(str(target.gleev_id))
        if contact is not None and self._owner(contact) in (None, target.gleev_id):
            return Matched(contact, MatchedBy.SAME_GLEEV_ID)
        holder = self.view.email_holder(target.email) if target.email else None
        if holder is not None and self._owner(holder) is None:
            converted = holder.get(LIFECYCLE_STAGE) == "lead"
            return Matched(holder, MatchedBy.LEAD_CONVERTED if converted else MatchedBy.ADOPTED)
        return None

    def _email_is_free(self, email: str, match: Matched | None) -> bool:
        holder = self.view.email_holder(email)
        return holder is None or (match is not None and holder.id == match.contact.id)

    def _email_taken(
        self, target: Target, channel: Channel, match: Matched | None, link: Link | None
    ) -> tuple[Decision, ...]:
        """The e-mail sits on a contact that is not this channel's: never overwrite it. The
        channel is held, or kept apart on a contact of its own (or its matched one)."""
        assert target.email is not None
        holder = self.view.email_holder(target.email)
        assert holder is not None  # the e-mail is not free
        owner = self._owner(holder)
        whose = f"channel {owner}'s contact" if owner is not None else "an unlinked contact"
        conflict = Conflict(
            ConflictKind.EMAIL_TAKEN,
            (target.gleev_id,) if owner is None else (owner, target.gleev_id),
            f"e-mail is already on {whose} {holder.id}"
            + ("" if owner is not None else "; merge the contacts in HubSpot to resolve"),
            email=target.email,
            contact_ids=(holder.id,) if match is None else (holder.id, match.contact.id),
        )
        if self.options.duplicate_policy is DuplicateEmailPolicy.HOLD:
            return conflict, Held(target.gleev_id, f"e-mail is on contact {holder.id}")
        taken = (f"{EMAIL_ON_CONTACT}{holder.id}", f"its e-mail is on contact {holder.id}")
        flagged = self._flagged(channel, taken)
        assert flagged is not None  # it has at least the e-mail's flag
        apart = customer_target(channel, self.options.key_property, Role.DUPLICATE, flagged.flag)
        return conflict, flagged, self._write(apart, match, apart.fingerprint, link)

    # -- writes ---------------------------------------------------------------------------

    def _write(
        self, target: Target, match: Matched | None, fingerprint: str, link: Link | None
    ) -> Write | Confirmed:
        """A new contact, the differences to write on the matched one, or nothing to write."""
        if match is None:
            id_property = "email" if target.email else self.options.key_property
            reason = f"new {target.role}" + (f" ({target.flag})" if target.flag else "")
            gone = link is not None and self.view.contact(link.contact_id) is None
            if gone:
                assert link is not None
                reason = f"its contact {link.contact_id} was deleted in HubSpot: {reason}"
            replaces = link.contact_id if gone and link is not None else None
            return Write(target, Action.CREATE, reason, id_property=id_property, replaces=replaces)
        contact = match.contact
        changes = self._changes(target, contact)
        if not changes:
            confirmed = Link(
                target.gleev_id, contact.id, fingerprint, target.role, target.refused_email
            )
            return Confirmed(confirmed, new=confirmed != link)
        reason = f"{match.reason}: " + ", ".join(sorted(changes))
        if link is not None and link.pushed_hash == fingerprint:
            reason = f"drift repaired: {', '.join(sorted(changes))}"
        return Write(target, Action.UPDATE, reason, changes=changes, contact_id=contact.id)

    def _changes(self, target: Target, contact: Contact) -> dict[str, str]:
        changes: dict[str, str] = {}
        for name, wanted in zip(target.names, target.values, strict=True):
            current = contact.properties.get(name)
            if name == EMAIL and wanted in contact.secondary_emails:
                continue  # the contact has it; its primary e-mail is what people chose
            if name == LIFECYCLE_STAGE:
                new = lifecycle_update(current or None, wanted)
            elif name == LEAD_STATUS:
                new = lead_status_update(current or None, wanted)
            else:
                kind = self.property_types.get(name, "")
                new = None if same_value(kind, wanted, current) else wanted
            if new is not None:
                changes[name] = new
        return changes

    # -- reports --------------------------------------------------------------------------

    def _in_scope(self, gleev_id: int) -> bool:
        return self.options.scope is None or gleev_id in self.options.scope

    def _record_orphans(self, wanted: set[int]) -> None:
        known = wanted | {h.gleev_id for h in self.result.held}
        for gleev_id, link in sorted(self.links.items()):
            if gleev_id not in known and self._in_scope(gleev_id):
                self._record(
                    Orphan(gleev_id, link.contact_id, "no longer a synced channel or referrer")
                )
        if not self.view.complete or self.options.scope is not None:
            return
        known |= self.links.keys()
        for key, contact in sorted(self.view.by_key.items()):
            carried = _named_gleev_id(key)
            if carried is not None and carried not in known:
                self._record(
                    Orphan(carried, contact.id, "contact carries a Gleev id with no channel")
                )

    def _record_duplicate_contacts(self) -> None:
        for key, contact_ids in sorted(self.view.key_collisions.items()):
            named = _named_gleev_id(key)
            gleev_ids = () if named is None else (named,)
            self._record(
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


def _flagged_email_holder(contact: Contact | None) -> str | None:
    """The contact an `email-on-contact:<id>` flag on this contact names, if any."""
    flags = (contact.get(FLAG) or "") if contact is not None else ""
    for flag in flags.split(FLAG_SEPARATOR):
        holder = flag.removeprefix(EMAIL_ON_CONTACT)
        if holder != flag and holder:
            return holder
    return None


def _gdpr_reason(old_id: str) -> str:
    return (
        f"gdpr-deleted: its contact {old_id} was permanently deleted in HubSpot, which refuses "
        "its e-mail; not written again until the channel's e-mail changes"
    )


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


def _property_types(key_property: str) -> dict[str, str]:
    """How each property's values compare: as HubSpot's type says, and e-mails as e-mails."""
    return {**CONTACT_PROPERTIES.types(key_property), EMAIL: "email"}
