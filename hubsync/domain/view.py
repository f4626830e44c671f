"""What hubsync knows of HubSpot during a run: contacts indexed by id, e-mail and key, and
what people did to them there: secondary e-mails, and ids merged into another contact."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hubsync.domain.contact import Contact


@dataclass
class ContactView:
    """Contacts read from HubSpot. A complete view (a full listing) knows that anything
    absent does not exist; a partial one knows only what was looked up."""

    key_property: str
    complete: bool = False
    by_id: dict[str, Contact] = field(default_factory=dict)
    by_email: dict[str, Contact] = field(default_factory=dict)
    by_key: dict[str, Contact] = field(default_factory=dict)
    # Secondary e-mails (a merge, or a person, added them): batch reads by e-mail never find
    # them, a full listing and a read by id do.
    by_secondary_email: dict[str, Contact] = field(default_factory=dict)
    merged_into: dict[str, str] = field(default_factory=dict)  # merged-away id -> survivor id
    # HubSpot contacts that claim a key value another contact claims too (the reverse conflict).
    key_collisions: dict[str, list[str]] = field(default_factory=dict)
    looked_up_ids: set[str] = field(default_factory=set)
    looked_up_emails: set[str] = field(default_factory=set)
    looked_up_keys: set[str] = field(default_factory=set)

    def add(self, contacts: Iterable[Contact]) -> None:
        for contact in contacts:
            self.by_id[contact.id] = contact
            if contact.email:
                _index(self.by_email, contact.email, contact)
            for email in contact.secondary_emails:
                _index(self.by_secondary_email, email, contact)
            for old_id in contact.merged_ids:
                self.merged_into[old_id] = contact.id
            key = contact.get(self.key_property)
            if key is None:
                continue
            holder = _index(self.by_key, key, contact)
            if holder.id != contact.id and contact.id not in self.key_collisions.get(key, []):
                self.key_collisions.setdefault(key, [holder.id]).append(contact.id)

    def email_holder(self, email: str) -> Contact | None:
        """The contact with this e-mail, as its primary e-mail or else a secondary one."""
        return self.by_email.get(email) or self.by_secondary_email.get(email)

    def current_id(self, contact_id: str) -> str:
        """The id a contact has now: the survivor's, if people merged it into another."""
        if contact_id not in self.merged_into:  # the usual case, for every link of a run
            return contact_id
        seen = {contact_id}
        while contact_id in self.merged_into and self.merged_into[contact_id] not in seen:
            contact_id = self.merged_into[contact_id]
            seen.add(contact_id)
        return contact_id

    def contact(self, contact_id: str) -> Contact | None:
        """The contact as it is now, following merges."""
        return self.by_id.get(self.current_id(contact_id))

    def record_lookups(
        self, ids: Iterable[str] = (), emails: Iterable[str] = (), keys: Iterable[str] = ()
    ) -> None:
        self.looked_up_ids.update(ids)
        self.looked_up_emails.update(emails)
        self.looked_up_keys.update(keys)

    def knows_id(self, contact_id: str) -> bool:
        return self.complete or contact_id in self.by_id or contact_id in self.looked_up_ids

    def knows_email(self, email: str) -> bool:
        return self.complete or email in self.by_email or email in self.looked_up_emails

    def knows_key(self, key: str) -> bool:
        return self.complete or key in self.by_key or key in self.looked_up_keys


def _index(index: dict[str, Contact], value: str, contact: Contact) -> Contact:
    """Index `contact` under `value` unless another contact holds it already (the first
    one stays); a contact read again replaces its older copy. Returns the holder."""
    holder = index.get(value)
    if holder is None or holder.id == contact.id:
        index[value] = contact
        return contact
    return holder
