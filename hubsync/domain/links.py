"""What hubsync remembers of each channel it wrote: the contact and a hash of what it wrote."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"  # a signed-up channel on its e-mail contact (or keyed by id if no e-mail)
    REFERRER = "referrer"  # referred a sign-up, not signed up itself
    DUPLICATE = "duplicate"  # shares its e-mail with an earlier sign-up; kept without e-mail


@dataclass(frozen=True, slots=True)
class Link:
    gleev_id: int
    contact_id: str
    pushed_hash: str  # hash of the properties HubSpot last confirmed for this channel
    role: Role
    refused_email: str | None = None  # HubSpot called the channel's e-mail invalid
    # The contact was GDPR-deleted and HubSpot refuses this e-mail for good: the channel is
    # not written again while it has this e-mail (contact_id is the deleted contact's).
    gdpr_email: str | None = None
