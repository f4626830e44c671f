"""A HubSpot contact as hubsync sees it: an id and string property values."""

from __future__ import annotations

from dataclasses import dataclass, field


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
