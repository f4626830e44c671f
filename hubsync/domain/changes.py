"""What people did to hubsync's contacts in HubSpot, as a run found it: a contact merged into
another, one deleted and recreated, one GDPR-deleted and left alone. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ChangeKind(StrEnum):
    MERGED = "merged"  # the linked contact was merged: the channel follows the survivor
    RECREATED = "recreated"  # the linked contact was deleted (archived): a new one was made
    GDPR_DELETED = "gdpr-deleted"  # HubSpot refuses the e-mail for good: nothing is recreated


@dataclass(frozen=True, slots=True)
class ContactChange:
    """One change, for the report and the conflict register: `contact_ids` are the old id
    and, for `merged` and `recreated`, the new one."""

    kind: ChangeKind
    gleev_ids: tuple[int, ...]
    contact_ids: tuple[str, ...]
    detail: str


def merged(gleev_id: int, old_id: str, new_id: str) -> ContactChange:
    detail = f"contact {old_id} was merged into {new_id} in HubSpot; the channel follows it"
    return ContactChange(ChangeKind.MERGED, (gleev_id,), (old_id, new_id), detail)


def recreated(gleev_id: int, old_id: str, new_id: str) -> ContactChange:
    detail = (
        f"contact {old_id} was deleted in HubSpot; {new_id} was created from the channels table"
    )
    return ContactChange(ChangeKind.RECREATED, (gleev_id,), (old_id, new_id), detail)


def gdpr_deleted(gleev_id: int, old_id: str, email: str) -> ContactChange:
    detail = (
        f"contact {old_id} was permanently deleted (GDPR) and HubSpot refuses its e-mail "
        f"{email}: not recreated, nor retried until the channel's e-mail changes"
    )
    return ContactChange(ChangeKind.GDPR_DELETED, (gleev_id,), (old_id,), detail)
