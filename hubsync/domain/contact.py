"""A HubSpot contact as hubsync sees it: an id and string property values."""

from __future__ import annotations

from dataclasses import dataclass, field

# HubSpot's own read-only properties: e-mails besides the primary one, and the ids of contacts
# merged into this one (both lists separated by ';').
SECONDARY_EMAILS = "hs_additional_emails"
MERGED_OBJECT_IDS = "hs_merged_object_ids"


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    properties: dict[str, str | None] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        value = self.properties.get(name)
        return value if value not in (None, "") else None

    @property
    def email(self) -> str | None:
        value = self.get("email")
        return value.lower() if value else None

    @property
    def secondary_emails(self) -> tuple[str, ...]:
        return tuple(email.strip().lower() for email in _listed(self.get(SECONDARY_EMAILS)))

    @property
    def merged_ids(self) -> tuple[str, ...]:
        return tuple(old_id.strip() for old_id in _listed(self.get(MERGED_OBJECT_IDS)))

    def has_email(self, email: str) -> bool:
        return email == self.email or email in self.secondary_emails


def _listed(value: str | None) -> list[str]:
    return [part for part in (value or "").split(";") if part.strip()]
