"""What an alert says about a conflict, for a person who has never heard of hubsync.

Each kind has one sentence for what hubsync did and one for what ops should do; the README's
"Conflicts and alerts" repeats them. The committed snapshots (tests/snapshots/alerts/) make
any change of wording a visible diff.
"""

from __future__ import annotations

from dataclasses import dataclass

from hubsync.domain.alert import Alert
from hubsync.domain.budget_alerts import BudgetAlert
from hubsync.domain.conflicts import (
    CONTACT_CLAIMED,
    DUPLICATE_CONTACTS,
    DUPLICATE_EMAIL,
    EMAIL_TAKEN,
    GDPR_DELETED,
    INVALID_EMAIL,
    MERGED,
    MISSING_EMAIL,
    Change,
    ChannelCard,
    ConflictRecord,
)
from hubsync.domain.pii import mask_email, mask_emails


@dataclass(frozen=True, slots=True)
class KindText:
    did: str  # what hubsync did about it
    todo: str  # what ops should do


KIND_TEXT: dict[str, KindText] = {
    DUPLICATE_EMAIL: KindText(
        "The earliest sign-up keeps the e-mail contact; the other channels are kept on "
        "contacts of their own without the e-mail (or held back, with the hold policy).",
        "Ask the creators which channel the e-mail belongs to, and give the others their own "
        "e-mail in Gleev.",
    ),
    EMAIL_TAKEN: KindText(
        "The channel was kept apart on a contact without the e-mail (or held back), and the "
        "contact that has the e-mail was left as it is.",
        "If both are one person, merge the two contacts in HubSpot; otherwise correct the "
        "channel's e-mail in Gleev.",
    ),
    CONTACT_CLAIMED: KindText(
        "The first channel keeps the contact; the other channel was not written onto it.",
        "Open the contact in HubSpot and correct its Gleev channel id, so that each channel "
        "has a contact of its own.",
    ),
    DUPLICATE_CONTACTS: KindText(
        "hubsync writes to one of the contacts and leaves the others as they are.",
        "Merge the duplicate contacts in HubSpot.",
    ),
    INVALID_EMAIL: KindText(
        "The channel was synced to a contact keyed by its Gleev id, without the e-mail.",
        "Correct the creator's e-mail in Gleev; the next run puts it on the contact.",
    ),
    MISSING_EMAIL: KindText(
        "The channel was synced to a contact keyed by its Gleev id, without an e-mail.",
        "Ask the creator for an e-mail address and add it in Gleev.",
    ),
    GDPR_DELETED: KindText(
        "The contact was deleted in HubSpot under GDPR; hubsync does not write its e-mail again.",
        "Check with the data-protection owner whether the channel should still be synced, "
        "then acknowledge the conflict.",
    ),
    MERGED: KindText(
        "Someone merged contacts in HubSpot; hubsync now writes to the merged contact.",
        "Check that the merge joined one creator's contacts, then acknowledge the conflict.",
    ),
}
_OTHER = KindText(
    "hubsync reported it and went on with the other channels.",
    "Look at the channels and contacts named here, then acknowledge the conflict.",
)
RESOLVED_TEXT = KindText(
    "A run saw that these channels no longer conflict, and closed the conflict.",
    "Nothing.",
)

_VERB = {
    Change.OPENED: "New conflict",
    Change.REOPENED: "Conflict back",
    Change.RESOLVED: "Resolved",
}


def kind_text(kind: str) -> KindText:
    return KIND_TEXT.get(kind, _OTHER)


def conflict_alert(
    record: ConflictRecord, change: Change, *, show_pii: bool, portal_id: str | None
) -> Alert:
    """The alert for `record` having just `change`d."""

    def shown(text: str) -> str:
        return text if show_pii else mask_emails(text)

    text = RESOLVED_TEXT if change is Change.RESOLVED else kind_text(record.kind)
    channels = [_channel_line(card, record, portal_id) for card in record.channels]
    loose = [
        c for c in record.contact_ids if c not in {card.contact_id for card in record.channels}
    ]
    sections = [
        shown(f"{record.kind}: {record.detail}"),
        "Channels:\n" + "\n".join(shown(line) for line in channels) if channels else "",
        "HubSpot contacts: " + ", ".join(_contact(c, portal_id) for c in loose) if loose else "",
        f"What hubsync did: {text.did}",
        f"What to do: {text.todo}",
        f"Conflict {record.id} (`hubsync conflicts show {record.id}`)",
    ]
    email = record.email if show_pii or record.email is None else mask_email(record.email)
    return Alert(
        key=record.alert_key(change),
        topic=f"conflict-{change}",
        title=shown(f"{_VERB[change]}: {_headline(record)}"),
        sections=tuple(s for s in sections if s),
        data={
            "conflict_id": record.id,
            "kind": record.kind,
            "change": str(change),
            "state": str(record.state),
            "email": email,
            "gleev_ids": list(record.gleev_ids),
            "contact_ids": list(record.contact_ids),
            "kept": record.kept,
        },
    )


def run_alert(run_id: str, mode: str, reason: str, *, recorded: bool) -> Alert:
    """A run that failed, or whose records could not be written."""
    what = "failed" if recorded else "could not write its records"
    todo = (
        "Read the reason above; the next run retries what was not written."
        if recorded
        else "Check the state table (its name, the IAM policy, throttling); until then runs "
        "cannot remember what they wrote."
    )
    return Alert(
        key=f"run-{run_id}-{'failed' if recorded else 'unrecorded'}",
        topic="run-failed" if recorded else "run-unrecorded",
        title=f"hubsync: {'an' if mode[:1] in 'aeiou' else 'a'} {mode} run {what}",
        sections=(mask_emails(reason), f"What to do: {todo}", f"Run {run_id}"),
        data={"run_id": run_id, "mode": mode, "reason": mask_emails(reason)},
    )


_BUDGET_TODO = {
    "budget-warn-ratio": "Raise HUBSYNC_MARKETING_CONTACT_LIMIT with the HubSpot tier, or "
    "set unwanted contacts non-marketing, before new sign-ups are held.",
    "budget-limit-reached": "New contacts are held from now on: raise the limit (and the "
    "HubSpot tier), or free room; `hubsync budget` lists what is held.",
    "budget-holding": "`hubsync budget` lists the held channels; raising "
    "HUBSYNC_MARKETING_CONTACT_LIMIT releases them on the next run.",
    "budget-released": "Nothing: held channels were created now that there is room.",
}


def budget_alert(alert: BudgetAlert, run_id: str) -> Alert:
    """A crossing of the marketing-contact budget; the run that crossed it makes it unique."""
    limit = "no limit" if alert.limit is None else f"limit {alert.limit:,}"
    figures = (
        f"Marketing contacts: {alert.count:,} ({limit}); held: {alert.held:,}; "
        f"released this run: {alert.released:,}."
    )
    return Alert(
        key=f"{alert.event.value}-{run_id}",
        topic=alert.event.value,
        title=f"hubsync: {alert.message}",
        sections=(figures, f"What to do: {_BUDGET_TODO[alert.event.value]}", f"Run {run_id}"),
        data={
            "run_id": run_id,
            "count": alert.count,
            "limit": alert.limit,
            "held": alert.held,
            "released": alert.released,
        },
    )


def contact_url(contact_id: str, portal_id: str | None) -> str | None:
    if not portal_id:
        return None
    return f"https://app.hubspot.com/contacts/{portal_id}/record/0-1/{contact_id}"


def _contact(contact_id: str, portal_id: str | None) -> str:
    url = contact_url(contact_id, portal_id)
    return f"{contact_id} {url}" if url else contact_id


def _channel_line(card: ChannelCard, record: ConflictRecord, portal_id: str | None) -> str:
    parts = [f'"{card.title}"' if card.title else "(no title)", f"Gleev id {card.gleev_id}"]
    if card.youtube_url:
        parts.append(card.youtube_url)
    if card.signed_up_at:
        parts.append(f"signed up {card.signed_up_at[:10]}")
    if card.contact_id:
        parts.append(f"HubSpot contact {_contact(card.contact_id, portal_id)}")
    if record.kept == card.gleev_id:
        parts.append("keeps the contact")
    return "- " + ", ".join(parts)


def _headline(record: ConflictRecord) -> str:
    ids = record.gleev_ids
    email = record.email or "one e-mail"
    first = ids[-1] if ids else "?"
    match record.kind:
        case "duplicate-email":
            return f"{len(ids)} channels signed up with {email}"
        case "email-taken":
            return f"channel {first}'s e-mail {email} is already on another contact"
        case "contact-claimed":
            return f"channels {', '.join(map(str, ids))} claim one HubSpot contact"
        case "duplicate-contacts":
            return f"{len(record.contact_ids)} HubSpot contacts carry Gleev id {first}"
        case "invalid-email":
            return f"channel {first} has an e-mail that is not a valid address"
        case "missing-email":
            return f"channel {first} has no e-mail"
        case "gdpr-deleted":
            return f"channel {first}'s HubSpot contact was deleted under GDPR"
        case "merged":
            return f"channel {first}'s HubSpot contact was merged with another"
        case _:
            return (
                f"{record.kind} on channel{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}"
            )


def digest_alert(records: list[ConflictRecord], key: str, show_pii: bool) -> Alert:
    """The conflicts still open (or acknowledged), oldest first."""
    ordered = sorted(records, key=lambda r: (r.first_seen, r.id))
    lines = [
        f"- {r.id} {r.kind} ({r.state}, since {r.first_seen[:10]}): {_headline(r)}"
        for r in ordered[:50]
    ]
    if len(ordered) > 50:
        lines.append(f"... and {len(ordered) - 50} more: `hubsync conflicts` lists them all")
    text = "\n".join(lines)
    return Alert(
        key=key,
        topic="digest",
        title=f"hubsync: {len(records)} conflict{'' if len(records) == 1 else 's'} still open",
        sections=(text if show_pii else mask_emails(text),),
        data={"open": len(records), "ids": [r.id for r in ordered]},
    )
