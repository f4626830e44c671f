"""What HubSpot's answers to one batch of writes mean for the run. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hubsync.domain.plan import Action, Write
from hubsync.hubspot.errors import one_line
from hubsync.hubspot.gateway import NOT_FOUND_CATEGORY, WriteOutcome
from hubsync.result import WriteFailure


@dataclass
class SecondRound:
    """Writes HubSpot refused for a reason a second plan can fix."""

    existing_contacts: dict[int, str] = field(default_factory=dict)  # Gleev id -> contact id
    refused_emails: dict[int, str] = field(default_factory=dict)  # Gleev id -> e-mail
    # Gleev id -> the e-mail HubSpot refused when a deleted contact was created again: it
    # blocklists the e-mails of a GDPR-deleted contact, so this is no malformed address.
    gdpr_refused: dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.existing_contacts) + len(self.refused_emails) + len(self.gdpr_refused)

    def take(self, write: Write, outcome: WriteOutcome) -> bool:
        gleev_id = write.target.gleev_id
        if outcome.existing_contact_id:
            self.existing_contacts[gleev_id] = outcome.existing_contact_id
            return True
        if write.target.email and outcome.email_refused:
            refused = self.gdpr_refused if write.replaces else self.refused_emails
            refused[gleev_id] = write.target.email
            return True
        return False

    def add(self, other: SecondRound) -> None:
        self.existing_contacts.update(other.existing_contacts)
        self.refused_emails.update(other.refused_emails)
        self.gdpr_refused.update(other.gdpr_refused)


@dataclass(frozen=True, slots=True)
class ConfirmedWrite:
    """A write HubSpot confirmed, and the contact it landed on."""

    write: Write
    contact_id: str
    created: bool


@dataclass
class SortedBatch:
    confirmed: list[ConfirmedWrite] = field(default_factory=list)
    second_round: SecondRound = field(default_factory=SecondRound)
    failed: list[WriteFailure] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)  # Gleev ids whose linked contact is deleted


def sort_outcomes(
    batch: Sequence[Write], outcomes: Mapping[str, WriteOutcome], *, second_round: bool
) -> SortedBatch:
    """Each write of a batch is confirmed (HubSpot wrote it and named the contact), kept for a
    second round (a 409 naming the existing contact, or an e-mail HubSpot calls invalid:
    only if `second_round`), or failed; a failed update whose contact no longer exists is
    also `gone`, so that its link is planned again. An input HubSpot said nothing about failed:
    only what HubSpot confirmed is remembered."""
    sorted_batch = SortedBatch()
    for write in batch:
        outcome = outcomes.get(trace_id(write))
        if outcome is not None and outcome.ok and outcome.contact_id:
            sorted_batch.confirmed.append(
                ConfirmedWrite(write, outcome.contact_id, _created(write, outcome))
            )
        elif (
            second_round and outcome is not None and sorted_batch.second_round.take(write, outcome)
        ):
            continue
        else:
            sorted_batch.failed.append(_failure(write, outcome))
            if outcome is not None and outcome.error_category == NOT_FOUND_CATEGORY:
                sorted_batch.gone.append(write.target.gleev_id)
    return sorted_batch


def _created(write: Write, outcome: WriteOutcome) -> bool:
    """A create counts as created even when HubSpot says it updated: the plan saw no contact
    for it, so the contact it landed on is the one an earlier attempt made (its answer was
    lost and the retry found it), or, rarely, one people made meanwhile."""
    return outcome.created or write.action is Action.CREATE


def trace_id(write: Write) -> str:
    return str(write.target.gleev_id)


def _failure(write: Write, outcome: WriteOutcome | None) -> WriteFailure:
    if outcome is None:
        return WriteFailure(
            write.target.gleev_id, write.action.value, "MISSING", "HubSpot gave no answer for it"
        )
    return WriteFailure(
        write.target.gleev_id,
        write.action.value,
        outcome.error_category or "ERROR",
        one_line(outcome.error_message or "HubSpot refused the write"),
    )
