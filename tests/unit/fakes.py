"""In-memory stand-ins for the engine's ports: a channels table, a HubSpot portal and a state
table, small but stateful, so the engine's every branch can be run without a network.

`FakePortal` answers at the level of `HubSpotGateway`: one `WriteOutcome` per input, with
HubSpot's rules as the gateway reports them. An upsert finds its contact by e-mail (ignoring
case) or by the key property and creates one otherwise; a unique value (e-mail, key) already
on another contact is a 409 "Contact already exists. Existing ID: N"; an e-mail HubSpot
refuses is INVALID_EMAIL; an update of a contact that no longer exists is OBJECT_NOT_FOUND.
HubSpot's batch upsert and update refuse a batch whole for its first bad input, naming it:
that input gets the error, the others are `batch_rejected`, and nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hubsync.domain.budget_alerts import AlertState, BudgetAlert
from hubsync.domain.contact import Contact
from hubsync.domain.links import Link
from hubsync.domain.properties import (
    LEAD_STATUS,
    LEAD_STATUS_CONNECTED,
    LEAD_STATUS_REFERRER,
    LIFECYCLE_CUSTOMER,
    LIFECYCLE_STAGE,
    managed_properties,
)
from hubsync.hubspot.gateway import (
    NOT_FOUND_CATEGORY,
    UPDATE_ENDPOINT,
    UPSERT_ENDPOINT,
    WriteInput,
    WriteOutcome,
)
from hubsync.result import RunRecord
from hubsync.state.ledger import HeldChannel, LedgerEntry
from tests.unit.factories import KEY


class FakeChannelTable:
    """The channels table: items as the source yields them."""

    def __init__(self, *items: dict[str, Any]) -> None:
        self.items = list(items)

    def put(self, *items: dict[str, Any]) -> None:
        self.items.extend(items)

    def replace(self, item: dict[str, Any]) -> None:
        """Put `item` in place of the item with its YouTube id."""
        self.items = [old for old in self.items if old["id"] != item["id"]] + [item]

    def scan(self, segments: int = 1) -> Iterator[dict[str, Any]]:
        return iter(list(self.items))

    def items_of(
        self, gleev_ids: Collection[int], youtube_ids: Collection[str], segments: int = 1
    ) -> list[dict[str, Any]]:
        """Like the table's queries: the channels' items and the items of those they referred."""
        wanted = set(gleev_ids) | {
            item["joystreamChannelId"] for item in self.items if item["id"] in youtube_ids
        }
        return [
            item
            for item in self.items
            if item.get("joystreamChannelId") in wanted or item.get("referrerChannelId") in wanted
        ]


class FakeStateStore:
    """The state table: links, and every run record saved (the last one is the table's)."""

    def __init__(self, *links: Link) -> None:
        self.links: dict[int, Link] = {link.gleev_id: link for link in links}
        self.records: list[RunRecord] = []
        self.saved: list[list[Link]] = []  # each save_links call, in order
        self.ensured: list[tuple[bool, bool]] = []  # (create, dry_run) of each ensure_table

    def ensure_table(self, create: bool, *, dry_run: bool = False) -> None:
        self.ensured.append((create, dry_run))

    def load_links(self) -> dict[int, Link]:
        return dict(self.links)

    def save_links(self, links: Iterable[Link]) -> None:
        saved = list(links)
        self.saved.append(saved)
        self.links.update((link.gleev_id, link) for link in saved)

    def save_run(self, record: RunRecord) -> None:
        self.records.append(record)


@dataclass(frozen=True, slots=True)
class _Refusal:
    category: str
    message: str
    existing_id: str | None = None


class FakePortal:
    """HubSpot's contacts, in memory. Values are stored as sent."""

    def __init__(self, key_property: str = KEY) -> None:
        self.key_property = key_property
        self.contacts: dict[str, dict[str, str]] = {}
        self.calls: Counter[str] = Counter()
        self.retries: Counter[str] = Counter()
        self.invalid_emails: set[str] = set()  # e-mails HubSpot refuses as INVALID_EMAIL
        self.silent_for: set[str] = set()  # trace ids left out of HubSpot's answers
        # Every upsert by this id property is refused: (id property, category, message).
        self.refusing: tuple[str, str, str] | None = None
        self._meanwhile: list[Callable[[], object]] = []
        self._next_id = 100
        # The portal switch: contacts this integration creates are marketing contacts.
        self.marketing_on_create = True
        # Whether write answers carry hs_marketable_status (HubSpot's may not).
        self.answers_marketing = False

    # -- what people do in HubSpot ----------------------------------------------------------

    def add_contact(self, **properties: str) -> str:
        self._next_id += 1
        contact_id = str(self._next_id)
        self.contacts[contact_id] = dict(properties)
        return contact_id

    def delete(self, contact_id: str) -> None:
        del self.contacts[contact_id]

    def meanwhile(self, action: Callable[[], object]) -> None:
        """Run `action` just before the next write call reaches the portal."""
        self._meanwhile.append(action)

    def by_key(self, gleev_id: int) -> tuple[str, dict[str, str]]:
        (found,) = [
            (cid, p)
            for cid, p in self.contacts.items()
            if p.get(self.key_property) == str(gleev_id)
        ]
        return found

    def writes(self) -> int:
        return self.calls[UPSERT_ENDPOINT] + self.calls[UPDATE_ENDPOINT]

    # -- the gateway's reads ----------------------------------------------------------------

    def list_properties(self) -> list[dict[str, Any]]:
        self.calls["properties.list"] += 1
        options = {
            LIFECYCLE_STAGE: ["lead", LIFECYCLE_CUSTOMER],
            LEAD_STATUS: ["NEW", LEAD_STATUS_CONNECTED, LEAD_STATUS_REFERRER],
        }
        return [
            {
                "name": spec.name,
                "type": spec.type,
                "hasUniqueValue": spec.unique,
                "options": [{"value": value} for value in options.get(spec.name, [])],
            }
            for spec in managed_properties(self.key_property)
        ]

    def list_contacts(self, properties: Sequence[str]) -> Iterator[Contact]:
        self.calls["contacts.list"] += 1
        return iter([self._contact(cid, properties) for cid in list(self.contacts)])

    def read_contacts(
        self, ids: Sequence[str], properties: Sequence[str], id_property: str | None = None
    ) -> list[Contact]:
        self.calls["contacts.batch_read"] += 1
        found = [self._find(id_property or "hs_object_id", value) for value in ids]
        wanted = [*properties, *([id_property] if id_property else [])]
        return [self._contact(cid, wanted) for cid in dict.fromkeys(found) if cid is not None]

    def count_marketing_contacts(self, *, leaving: bool = False) -> int:
        self.calls["contacts.search"] += 1
        return sum(
            1
            for p in self.contacts.values()
            if p.get("hs_marketable_status") == "true"
            and (not leaving or p.get("hs_marketable_until_renewal") == "true")
        )

    # -- the gateway's writes ---------------------------------------------------------------

    def upsert(self, id_property: str, inputs: Sequence[WriteInput]) -> list[WriteOutcome]:
        self.calls[UPSERT_ENDPOINT] += 1
        self._run_meanwhile()

        def refusal(item: WriteInput) -> _Refusal | None:
            if self.refusing is not None and self.refusing[0] == id_property:
                return _Refusal(*self.refusing[1:])
            target = self._find(id_property, item.id)
            return self._refusal({id_property: item.id, **item.properties}, target)

        def write(item: WriteInput) -> WriteOutcome:
            contact_id = self._find(id_property, item.id)
            created = contact_id is None
            if contact_id is None:
                status = "true" if self.marketing_on_create else "false"
                contact_id = self.add_contact(hs_marketable_status=status)
            self.contacts[contact_id].update({id_property: item.id, **item.properties})
            marketing = self.contacts[contact_id].get("hs_marketable_status") == "true"
            return WriteOutcome(
                item.trace_id,
                ok=True,
                contact_id=contact_id,
                created=created,
                marketing=marketing if self.answers_marketing else None,
            )

        return self._batch(inputs, refusal, write)

    def update(self, inputs: Sequence[WriteInput]) -> list[WriteOutcome]:
        self.calls[UPDATE_ENDPOINT] += 1
        self._run_meanwhile()

        def refusal(item: WriteInput) -> _Refusal | None:
            if item.id not in self.contacts:
                return _Refusal(
                    NOT_FOUND_CATEGORY,
                    "Could not get some CONTACT objects, they may be deleted or not exist.",
                )
            return self._refusal(item.properties, item.id)

        def write(item: WriteInput) -> WriteOutcome:
            self.contacts[item.id].update(item.properties)
            return WriteOutcome(item.trace_id, ok=True, contact_id=item.id)

        return self._batch(inputs, refusal, write)

    # -- how HubSpot answers ----------------------------------------------------------------

    def _batch(
        self,
        inputs: Sequence[WriteInput],
        refusal: Callable[[WriteInput], _Refusal | None],
        write: Callable[[WriteInput], WriteOutcome],
    ) -> list[WriteOutcome]:
        """All or nothing: the first input HubSpot refuses fails the batch, named."""
        for culprit in inputs:
            if (refused := refusal(culprit)) is not None:
                return [
                    WriteOutcome(
                        item.trace_id,
                        ok=False,
                        error_category=refused.category,
                        error_message=refused.message,
                        existing_contact_id=refused.existing_id if item is culprit else None,
                        batch_rejected=item is not culprit and len(inputs) > 1,
                    )
                    for item in inputs
                    if item.trace_id not in self.silent_for
                ]
        return [write(item) for item in inputs if item.trace_id not in self.silent_for]

    def _refusal(self, properties: dict[str, str], contact_id: str | None) -> _Refusal | None:
        email = properties.get("email")
        if email and email.lower() in self.invalid_emails:
            return _Refusal(
                "VALIDATION_ERROR",
                f'Property values were not valid: [{{"error":"INVALID_EMAIL","name":"email",'
                f'"localizedErrorMessage":"Email address {email} is invalid"}}]',
            )
        for name in ("email", self.key_property):
            value = properties.get(name)
            holder = self._find(name, value) if value else None
            if holder is not None and holder != contact_id:
                return _Refusal(
                    "CONFLICT", f"Contact already exists. Existing ID: {holder}", holder
                )
        return None

    def _find(self, name: str, value: str) -> str | None:
        if name == "hs_object_id":
            return value if value in self.contacts else None
        for contact_id, properties in self.contacts.items():
            current = properties.get(name) or ""
            if current == value or (name == "email" and current.lower() == value.lower()):
                return contact_id
        return None

    def _contact(self, contact_id: str, properties: Iterable[str]) -> Contact:
        stored = self.contacts[contact_id]
        values: dict[str, str | None] = {name: stored.get(name) for name in properties}
        return Contact(contact_id, {**values, "hs_object_id": contact_id})

    def _run_meanwhile(self) -> None:
        actions, self._meanwhile = self._meanwhile, []
        for action in actions:
            action()


class FakeBudgetRecords:
    """The budget's records (state/ledger.py's BudgetBook), in memory."""

    def __init__(self) -> None:
        self.ledger: list[LedgerEntry] = []
        self.held_channels: dict[int, HeldChannel] = {}
        self.alerts = AlertState()

    def append(self, entry: LedgerEntry) -> None:
        self.ledger.append(entry)

    def held(self) -> dict[int, HeldChannel]:
        return dict(self.held_channels)

    def replace_held(self, held: Mapping[int, HeldChannel], before: Iterable[int]) -> None:
        self.held_channels = dict(held)

    def alert_state(self) -> AlertState:
        return self.alerts

    def save_alert_state(self, state: AlertState) -> None:
        self.alerts = state


class RecordedAlerts:
    """Budget alerts, as delivered."""

    def __init__(self) -> None:
        self.sent: list[BudgetAlert] = []

    def send(self, alert: BudgetAlert, run_id: str) -> None:
        self.sent.append(alert)
