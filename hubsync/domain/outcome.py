"""What a run did with each channel named by `--channel`, as an operator asks about it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from hubsync.domain.channel import Channel
from hubsync.domain.links import Link
from hubsync.domain.plan import Action, Plan, Write


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    HELD = "held"  # not written: the reason says what a person must resolve
    FAILED = "failed"  # HubSpot refused the write
    SKIPPED = "skipped"  # not signed up, and referred no signed-up channel
    ORPHANED = "orphaned"  # linked to a contact but no longer synced


@dataclass(frozen=True, slots=True)
class ChannelOutcome:
    channel: str  # as named: a YouTube id or a Gleev id
    gleev_id: int
    outcome: Outcome
    contact_id: str | None
    detail: str  # why: the write's reason, the hold, HubSpot's refusal ...
    role: str | None = None
    flag: str | None = None  # also in the contact's hubsync_flag property
    conflicts: tuple[str, ...] = ()


def channel_outcomes(
    named: Mapping[str, int],
    channels: Sequence[Channel],
    plan: Plan,
    links: Mapping[int, Link],
    failures: Mapping[int, str],
    written: Mapping[int, Outcome],
    dry_run: bool,
) -> list[ChannelOutcome]:
    """One outcome per named channel. `links` are those after the run, `failures` HubSpot's
    refusals and `written` what HubSpot did with each confirmed write (created or updated)."""
    synced = {c.gleev_id for c in channels if c.signed_up} | {
        c.referrer_gleev_id for c in channels if c.signed_up and c.referrer_gleev_id is not None
    }
    writes = {w.target.gleev_id: w for w in plan.writes}
    held = {h.gleev_id: h.reason for h in plan.held}
    orphaned = {o.gleev_id: o.reason for o in plan.orphaned}
    flags = {f.gleev_id: f.flag for f in plan.flagged}
    known = {**{link.gleev_id: link for link in plan.confirmed}, **links}
    outcomes = []
    for ref, gleev_id in named.items():
        write = writes.get(gleev_id)
        link = known.get(gleev_id)
        contact_id = link.contact_id if link else write.contact_id if write else None
        role = write.target.role if write else link.role if link else None
        if gleev_id in failures:
            outcome, detail = Outcome.FAILED, failures[gleev_id]
        elif gleev_id in held:
            outcome, detail = Outcome.HELD, held[gleev_id]
        elif gleev_id in orphaned:
            outcome, detail = Outcome.ORPHANED, orphaned[gleev_id]
        elif write is not None:
            outcome, detail = _written(write, written.get(gleev_id), dry_run)
        elif gleev_id not in synced:
            outcome, detail = Outcome.SKIPPED, "not signed up (Unverified) and referred no sign-up"
        else:
            outcome, detail = Outcome.UNCHANGED, "the contact already says what it should"
        conflicts = tuple(
            f"{c.kind.value}: {c.detail}" for c in plan.conflicts if gleev_id in c.gleev_ids
        )
        outcomes.append(
            ChannelOutcome(
                ref,
                gleev_id,
                outcome,
                contact_id,
                detail,
                role.value if role else None,
                flags.get(gleev_id),
                conflicts,
            )
        )
    return outcomes


def _written(write: Write, done: Outcome | None, dry_run: bool) -> tuple[Outcome, str]:
    if dry_run:
        return (Outcome.CREATED if write.action is Action.CREATE else Outcome.UPDATED), write.reason
    if done is None:  # refused with a 409 naming its contact, which needed no change
        return Outcome.UNCHANGED, "linked to the contact HubSpot already had"
    return done, write.reason
