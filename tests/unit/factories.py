"""Small builders for the planning-core tests: source items, contacts, views, links, runs.

Everything here is pure and in memory. `FakeHubSpot` stands in for the portal when a test
needs to "apply" a plan by hand: it creates contacts with fresh ids, merges updates, stores
values as HubSpot does, and hands back the links hubsync would remember afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hubsync.domain.channel import Channel, parse_channel
from hubsync.domain.contact import Contact
from hubsync.domain.identity import DuplicateEmailPolicy
from hubsync.domain.links import Link, Role
from hubsync.domain.plan import Action, Learned, Plan, PlanOptions, Write, make_plan, read_source
from hubsync.domain.properties import managed_properties
from hubsync.domain.target import Target, customer_target, referrer_target
from hubsync.domain.view import ContactView
from hubsync_sandbox.hubspot.rules.values import parse_timestamp_ms

KEY = "gleev_channel_id"


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
"""Pass as an override to leave the attribute out of the item altogether."""


def youtube_id(gleev_id: int) -> str:
    return f"UC{gleev_id:022d}"


def email_of(gleev_id: int) -> str:
    return f"creator{gleev_id}@example.com"


def channel_item(gleev_id: int = 101, **overrides: Any) -> dict[str, Any]:
    """A DynamoDB `channels` item as the source yields it, signed up and complete."""
    item: dict[str, Any] = {
        "id": youtube_id(gleev_id),
        "userId": f"user-{gleev_id}",
        "email": email_of(gleev_id),
        "joystreamChannelId": gleev_id,
        "title": f"Channel {gleev_id}",
        "customUrl": f"@channel{gleev_id}",
        "statistics": {
            "subscriberCount": 1200,
            "videoCount": 34,
            "viewCount": 98765,
            "commentCount": 12,
        },
        "yppStatus": "Verified::Silver",
        "videoCategoryId": "4209603-2",
        "publishedAt": "2020-02-03T04:05:06Z",
        "createdAt": "2024-01-10T08:00:00.000Z",
        "updatedAt": "2024-02-01T00:00:00.000Z",
        "processedAt": "2024-01-11T09:30:00.000Z",
    }
    for name, value in overrides.items():
        if value is ABSENT:
            item.pop(name, None)
        else:
            item[name] = value
    return item


def channel(gleev_id: int = 101, **overrides: Any) -> Channel:
    parsed = parse_channel(channel_item(gleev_id, **overrides))
    assert isinstance(parsed, Channel), parsed
    return parsed


def contact(contact_id: str, **properties: object) -> Contact:
    """A HubSpot contact; property values are given as HubSpot returns them (strings)."""
    return Contact(contact_id, {k: None if v is None else str(v) for k, v in properties.items()})


def full_view(*contacts: Contact, key_property: str = KEY) -> ContactView:
    """A complete listing of HubSpot: whatever is absent does not exist."""
    view = ContactView(key_property, complete=True)
    view.add(contacts)
    return view


def partial_view(*contacts: Contact, key_property: str = KEY) -> ContactView:
    """What an incremental run knows: only what it looked up."""
    view = ContactView(key_property, complete=False)
    view.add(contacts)
    return view


def target_of(item: Mapping[str, Any], role: Role = Role.CUSTOMER, flag: str = "") -> Target:
    parsed = parse_channel(item)
    assert isinstance(parsed, Channel), parsed
    return customer_target(parsed, KEY, role, flag)


def link_to(
    item: Mapping[str, Any], contact_id: str, role: Role = Role.CUSTOMER, flag: str = ""
) -> Link:
    """The link hubsync keeps after writing `item` as `role` on `contact_id`."""
    target = target_of(item, role, flag)
    return Link(target.gleev_id, contact_id, target.fingerprint, role)


def referrer_link(gleev_id: int, contact_id: str) -> Link:
    return Link(gleev_id, contact_id, referrer_target(gleev_id, KEY).fingerprint, Role.REFERRER)


def stale_link(gleev_id: int, contact_id: str, role: Role = Role.CUSTOMER) -> Link:
    """A link whose hash no longer matches anything: the channel changed since the last write."""
    return Link(gleev_id, contact_id, "stale-hash", role)


def links_of(*links: Link) -> dict[int, Link]:
    return {link.gleev_id: link for link in links}


def run(
    items: Iterable[Mapping[str, Any]],
    view: ContactView | None = None,
    links: Mapping[int, Link] | None = None,
    *,
    refused_emails: frozenset[str] = frozenset(),
    unchanged_by_hash: frozenset[int] = frozenset(),
    **options: Any,
) -> Plan:
    """Plan a run; the view defaults to an empty, complete HubSpot. `refused_emails` and
    `unchanged_by_hash` are what the run learned before; the rest are PlanOptions."""
    learned = Learned(refused_emails, unchanged_by_hash)
    source = read_source(items)
    return make_plan(source, view or full_view(), links or {}, PlanOptions(**options), learned)


def full_run(
    items: Iterable[Mapping[str, Any]],
    view: ContactView | None = None,
    links: Mapping[int, Link] | None = None,
    **options: Any,
) -> Plan:
    return run(items, view, links, full=True, **options)


HOLD = DuplicateEmailPolicy.HOLD
SEPARATE = DuplicateEmailPolicy.SEPARATE


def writes_for(result: Plan, gleev_id: int) -> list[Write]:
    return [w for w in result.writes if w.target.gleev_id == gleev_id]


def write_for(result: Plan, gleev_id: int) -> Write:
    """The one write planned for this Gleev id."""
    found = writes_for(result, gleev_id)
    assert len(found) == 1, f"expected one write for {gleev_id}, got {found}"
    return found[0]


def conflicts_of(result: Plan, kind: object) -> list[Any]:
    return [c for c in result.conflicts if c.kind == kind]


# HubSpot's limit for a string property value, in UTF-16 code units.
HUBSPOT_TEXT_LIMIT = 65_536


class FakeHubSpot:
    """An in-memory portal that applies a plan's writes the way HubSpot would, and stores
    values as HubSpot does: a number as a double, a datetime as epoch milliseconds, an e-mail
    lower-cased, a string cut at HubSpot's length limit. What a contact reads back is what
    HubSpot made of what was written, not the text hubsync sent."""

    def __init__(self, *contacts: Contact, key_property: str = KEY) -> None:
        self.key_property = key_property
        self.contacts: dict[str, dict[str, str | None]] = {
            c.id: dict(c.properties) for c in contacts
        }
        self._next_id = 1000
        self._kinds = {spec.name: spec.type for spec in managed_properties(key_property)}

    def _stored(self, name: str, value: str) -> str:
        kind = self._kinds.get(name, "string")
        if value == "" or kind == "enumeration":
            return value
        if name == "email":
            return value.lower()
        if kind == "number":
            number = float(value)
            return str(int(number)) if number.is_integer() else repr(number)
        if kind == "datetime":
            ms = parse_timestamp_ms(value)
            assert ms is not None, f"HubSpot refuses {value!r} for {name}"
            return str(ms)
        units = value.encode("utf-16-le")[: 2 * HUBSPOT_TEXT_LIMIT]
        return units.decode("utf-16-le", errors="ignore")

    def _find(self, name: str, value: str) -> str | None:
        for contact_id, properties in self.contacts.items():
            current = properties.get(name) or ""
            if name == "email":
                if current.lower() == value.lower():
                    return contact_id
            elif current == value:
                return contact_id
        return None

    def apply(self, result: Plan, links: Mapping[int, Link] | None = None) -> dict[int, Link]:
        """Apply every write and return the links hubsync would save afterwards."""
        saved = dict(links or {})
        for write in result.writes:
            if write.action is Action.CREATE:
                assert write.id_property is not None
                contact_id = self._find(write.id_property, write.id_value)
                if contact_id is None:  # an upsert that found nothing creates
                    self._next_id += 1
                    contact_id = f"hs{self._next_id}"
                    self.contacts[contact_id] = {}
            else:
                assert write.contact_id in self.contacts, write
                contact_id = write.contact_id
            self.contacts[contact_id].update(
                (name, self._stored(name, value)) for name, value in write.properties.items()
            )
            target = write.target
            saved[target.gleev_id] = Link(
                target.gleev_id, contact_id, target.fingerprint, target.role
            )
        for link in result.confirmed:
            saved[link.gleev_id] = link
        return saved

    def snapshot(self) -> list[Contact]:
        return [Contact(cid, dict(props)) for cid, props in self.contacts.items()]

    def full_view(self) -> ContactView:
        return full_view(*self.snapshot(), key_property=self.key_property)
