"""The sandbox portal's state: contacts, their indexes, and the write rules HubSpot enforces."""

from __future__ import annotations

import bisect
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hubsync_sandbox.hubspot.config import SandboxConfig
from hubsync_sandbox.hubspot.errors import (
    SandboxHubSpotError,
    batch_refused,
    blocked_email,
    contact_conflict,
    contact_not_found,
    merge_with_itself,
    non_numeric_id,
    non_unique_id_property,
    objects_not_found,
    property_values_error,
    unique_value_conflict,
    validation_error,
)
from hubsync_sandbox.hubspot.exchange import Exchange
from hubsync_sandbox.hubspot.faults import RateLimiter
from hubsync_sandbox.hubspot.rules.merge import merged_values
from hubsync_sandbox.hubspot.rules.properties import (
    ADDITIONAL_EMAILS,
    PropertyCatalog,
    PropertyDefinition,
    split_values,
)
from hubsync_sandbox.hubspot.rules.values import format_instant, now_ms

# Read-only properties a seeded contact or a human in the UI may still set.
HUMAN_WRITABLE_READ_ONLY = frozenset(
    {
        "hs_marketable_status",
        "hs_marketable_until_renewal",
        "hs_marketable_reason_type",
        "hs_marketable_reason_id",
        ADDITIONAL_EMAILS,
    }
)

SearchVersions = tuple[tuple[float, Mapping[str, str]], ...]


@dataclass(frozen=True)
class ContactRecord:
    """One contact. Never changed in place: a write stores a new record."""

    id: str
    properties: Mapping[str, str]  # only properties with a value
    created_at_ms: int
    updated_at_ms: int
    # (monotonic time from which search sees them, properties), oldest first.
    search_versions: SearchVersions
    archived_at_ms: int | None = None

    def public_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "properties": dict(self.properties),
            "createdAt": format_instant(self.created_at_ms),
            "updatedAt": format_instant(self.updated_at_ms),
        }


@dataclass(frozen=True)
class SandboxWriteInput:
    properties: dict[str, str]
    id: str | None = None
    id_property: str | None = None
    trace_id: str | None = None


@dataclass(frozen=True)
class WriteResult:
    record: ContactRecord
    sent: tuple[str, ...]  # names of the properties the input carried
    is_new: bool
    trace_id: str | None = None  # the input's objectWriteTraceId


@dataclass(frozen=True)
class BatchError:
    error: SandboxHubSpotError
    trace_ids: list[str]


@dataclass
class BatchResult:
    results: list[WriteResult] = field(default_factory=list)
    errors: list[BatchError] = field(default_factory=list)


# (contact id, the record before the write or None if the write created it)
UndoLog = list[tuple[str, ContactRecord | None]]


class SandboxStore:
    """The portal's contacts and property definitions, behind one lock."""

    def __init__(self, config: SandboxConfig, journal: bool = False) -> None:
        self.config = config
        self.journal: list[Exchange] | None = [] if journal else None
        self.lock = threading.RLock()
        self.limiter = RateLimiter(config.seed)
        # The order of batch results and which of them echo their trace id; used under `lock`.
        self.random = random.Random(config.seed)
        self.catalog = PropertyCatalog(config.referrer_option)
        self._active: dict[str, ContactRecord] = {}
        self._archived: dict[str, ContactRecord] = {}
        self._active_ids: list[int] = []  # sorted, for list paging
        self._by_email: dict[str, str] = {}
        self._by_additional_email: dict[str, str] = {}
        self._by_unique: dict[str, dict[str, str]] = {}
        self._merged_into: dict[str, str] = {}  # id of a merged-away contact -> its survivor
        self._blocked_emails: set[str] = set()  # e-mails of GDPR-deleted contacts
        self._next_id = 1
        self._request_counts: Counter[str] = Counter()

    # ---- Python interface (seeding, drift, inspection) ----

    def add_contact(self, properties: dict[str, str]) -> str:
        """Seeds a contact under the same uniqueness and value rules; raises SandboxHubSpotError.

        Like any write, it reaches search only after `search_index_delay_s`.
        """
        with self.lock:
            return self._create(properties, [], allow_read_only=HUMAN_WRITABLE_READ_ONLY).id

    def contacts(self) -> list[dict[str, Any]]:
        with self.lock:
            return [record.public_json() for record in self._active.values()]

    def get(self, contact_id: str) -> dict[str, Any] | None:
        """The contact as a read by id finds it: a merged-away id gives the survivor."""
        with self.lock:
            record = self._find_active(contact_id, None)
            return record.public_json() if record else None

    def find_by_email(self, email: str) -> dict[str, Any] | None:
        with self.lock:
            contact_id = self._by_email.get(email.strip().lower())
            return self._active[contact_id].public_json() if contact_id else None

    def set_properties(self, contact_id: str, properties: dict[str, str]) -> None:
        """What a human editing the contact in HubSpot does: no lifecycle rule."""
        with self.lock:
            record = self._active.get(contact_id)
            if record is None:
                raise KeyError(contact_id)
            self._update(
                record,
                properties,
                [],
                lifecycle_rule=False,
                allow_read_only=HUMAN_WRITABLE_READ_ONLY,
            )

    def set_non_marketing(self, contact_id: str) -> None:
        """What a person (or a workflow) setting a marketing contact non-marketing does: it
        stays a marketing contact, and counts, until the next update date, flagged
        `hs_marketable_until_renewal` ("Marketing contact until next update"). Sources:
        community.hubspot.com/t5/Customer-Success-Team-Resources/How-Marketing-Contacts-Work/
        ba-p/877900 (non-marketing takes effect at the update date); the property's label in
        HubSpot's default contact properties (what the flag means is not documented further).
        Raises KeyError for an unknown contact."""
        self.set_properties(contact_id, {"hs_marketable_until_renewal": "true"})

    def pass_update_date(self) -> None:
        """The portal's update date: contacts set non-marketing stop being marketing contacts
        (monthly plans: the renewal date; annual plans: the 1st of the month, same source)."""
        with self.lock:
            leaving = [
                record.id
                for record in self._active.values()
                if record.properties.get("hs_marketable_until_renewal") == "true"
            ]
        for contact_id in leaving:
            self.set_properties(
                contact_id,
                {"hs_marketable_status": "false", "hs_marketable_until_renewal": "false"},
            )

    def add_secondary_email(self, contact_id: str, email: str) -> None:
        """Gives a contact another e-mail in hs_additional_emails, as a merge or a person in
        HubSpot's UI does (the API cannot write it). Raises KeyError for an unknown contact,
        SandboxHubSpotError for an invalid, blocklisted or taken address."""
        with self.lock:
            record = self._find_active(contact_id, None)
            if record is None:
                raise KeyError(contact_id)
            current = split_values(record.properties.get(ADDITIONAL_EMAILS))
            self._update(
                record,
                {ADDITIONAL_EMAILS: ";".join([*current, email])},
                [],
                lifecycle_rule=False,
                allow_read_only=HUMAN_WRITABLE_READ_ONLY,
            )

    def merge(self, primary_id: str, merged_id: str) -> str:
        """Merges two contacts as HubSpot does (`rules.merge`) and returns the id of the
        surviving record: a new one unless `merge_creates_new_id` is off. Both old ids keep
        reading as the survivor. Raises SandboxHubSpotError for an unknown id or one contact
        twice."""
        with self.lock:
            primary, merged = self._require_active(primary_id), self._require_active(merged_id)
            if primary.id == merged.id:
                raise merge_with_itself(primary.id)
            survivor_id = primary.id
            if self.config.merge_creates_new_id:
                survivor_id = str(self._next_id)
                self._next_id += 1
            gone = [old for old in (primary.id, merged.id) if old != survivor_id]
            values = merged_values(primary.properties, merged.properties, gone, self._stage_rank)
            self._remove(primary)
            self._remove(merged)
            now = now_ms()
            stored = {
                **values,
                "hs_object_id": survivor_id,
                "createdate": primary.properties["createdate"],
                "lastmodifieddate": format_instant(now),
            }
            search_versions = ((time.monotonic(), stored),)
            self._insert(
                ContactRecord(survivor_id, stored, primary.created_at_ms, now, search_versions)
            )
            for old in gone:
                self._merged_into[old] = survivor_id
            return survivor_id

    def restore(self, contact_id: str) -> None:
        """Brings an archived contact back with its id and values, as HubSpot's recycle bin
        does (archived contacts are restorable for 90 days: knowledge.hubspot.com/contacts/
        restore-deleted-contacts-companies-deals-or-tickets). Raises KeyError if it is not
        archived, SandboxHubSpotError if another contact took its e-mail or unique value
        meanwhile."""
        with self.lock:
            record = self._archived.get(contact_id)
            if record is None:
                raise KeyError(contact_id)
            self._raise_for_unusable_values(None, record.properties)
            del self._archived[contact_id]
            self._insert(replace(record, archived_at_ms=None))

    def gdpr_delete(self, id_value: str, id_property: str | None = None) -> None:
        """Deletes a contact for good and blocklists its e-mails, primary and additional; an
        e-mail no contact has is blocklisted all the same (the gdpr-delete operation of
        crm-contacts-v3.json). Raises SandboxHubSpotError for an unknown id."""
        with self.lock:
            self.raise_for_id_property(id_property, allow_email=True)
            record = self._find_active(id_value, id_property)
            if record is not None:
                self._remove(record)
            elif _by_record_id(id_property) and id_value in self._archived:
                record = self._archived.pop(id_value)
            elif id_property == "email":
                self._blocked_emails.add(id_value.strip().lower())
                return
            else:
                raise contact_not_found()
            self._blocked_emails.update(_emails_of(record.properties))

    def property_definitions(self) -> list[dict[str, Any]]:
        with self.lock:
            return [definition.to_json() for definition in self.catalog.all()]

    def request_counts(self) -> dict[str, int]:
        with self.lock:
            return dict(self._request_counts)

    def reset_request_counts(self) -> None:
        with self.lock:
            self._request_counts.clear()

    # ---- used by the HTTP layer ----

    def count_request(self, endpoint: str) -> int:
        """Counts a request; returns how many `endpoint` had since the counts were reset."""
        with self.lock:
            self._request_counts[endpoint] += 1
            return self._request_counts[endpoint]

    def record_exchange(self, exchange: Exchange) -> None:
        with self.lock:
            if self.journal is not None:
                self.journal.append(exchange)

    def add_property(self, definition: PropertyDefinition) -> None:
        with self.lock:
            self.catalog.put(definition)
            if definition.has_unique_value:
                self._by_unique.setdefault(definition.name, {})

    def find(
        self, id_value: str, id_property: str | None, *, archived: bool = False
    ) -> ContactRecord | None:
        with self.lock:
            self.raise_for_id_property(id_property, allow_email=True)
            if archived:
                return self._archived.get(id_value) if _by_record_id(id_property) else None
            return self._find_active(id_value, id_property)

    def find_or_404(
        self, id_value: str, id_property: str | None, *, archived: bool = False
    ) -> ContactRecord:
        record = self.find(id_value, id_property, archived=archived)
        if record is not None:
            return record
        if _by_record_id(id_property) and not id_value.isdigit():
            raise non_numeric_id(id_value)
        raise contact_not_found()

    def list_page(
        self, after: str | None, limit: int, *, archived: bool
    ) -> tuple[list[ContactRecord], str | None]:
        """A page of contacts in id order, and the cursor of the next page."""
        with self.lock:
            if archived:
                ids = sorted(int(contact_id) for contact_id in self._archived)
                records = self._archived
            else:
                ids, records = self._active_ids, self._active
            start = bisect.bisect_left(ids, int(after)) if after else 0
            page = [records[str(contact_id)] for contact_id in ids[start : start + limit]]
            following = ids[start + limit] if start + limit < len(ids) else None
            return page, None if following is None else str(following)

    def searchable(self) -> Iterator[tuple[ContactRecord, Mapping[str, str]]]:
        """Each contact with the values search sees now (the index lags the writes)."""
        cutoff = time.monotonic() - self.config.search_index_delay_s
        with self.lock:
            snapshot = list(self._active.values())
        for record in snapshot:
            visible = _visible_version(record.search_versions, cutoff)
            if visible is not None:
                yield record, visible

    def create_batch(self, inputs: Sequence[SandboxWriteInput]) -> BatchResult:
        with self.lock:
            return self._run_batch(inputs, self._create_input, per_input=_all_traced(inputs))

    def update_batch(self, inputs: Sequence[SandboxWriteInput]) -> BatchResult:
        """Updates by id. Unless `batch_errors_per_input`, one unknown or archived id (or any
        bad input) refuses the whole batch; see `errors.batch_refused`."""
        with self.lock:
            for item in inputs:
                self.raise_for_id_property(item.id_property, allow_email=False)
            if not self.config.batch_errors_per_input:
                return self._run_batch(inputs, self._update_input, per_input=False, whole=True)
            found: list[SandboxWriteInput] = []
            missing: list[SandboxWriteInput] = []
            for item in inputs:
                exists = self._find_active(item.id or "", item.id_property) is not None
                (found if exists else missing).append(item)
            result = self._run_batch(found, self._update_input, per_input=_all_traced(found))
            if missing:
                ids = [item.id or "" for item in missing]
                traces = [item.trace_id for item in missing if item.trace_id]
                result.errors.append(BatchError(objects_not_found(ids), traces))
            return result

    def upsert_batch(self, inputs: Sequence[SandboxWriteInput]) -> BatchResult:
        with self.lock:
            for item in inputs:
                if item.id_property in (None, "", "hs_object_id"):
                    raise validation_error(
                        "Upsert needs an idProperty: email or a unique property."
                    )
                self.raise_for_id_property(item.id_property, allow_email=True)
            if not self.config.batch_errors_per_input:
                return self._run_batch(inputs, self._upsert_input, per_input=False, whole=True)
            return self._run_batch(inputs, self._upsert_input, per_input=_all_traced(inputs))

    def update_one(
        self, id_value: str, id_property: str | None, properties: dict[str, str]
    ) -> WriteResult:
        with self.lock:
            record = self.find_or_404(id_value, id_property)
            updated = self._update(record, properties, [])
            return WriteResult(updated, tuple(properties), is_new=False)

    def archive(self, contact_ids: Sequence[str]) -> None:
        """Archives contacts: gone from reads, lists and search, restorable (`restore`)."""
        with self.lock:
            for contact_id in contact_ids:
                record = self._find_active(contact_id, None)
                if record is not None:
                    self._remove(record)
                    self._archived[record.id] = replace(record, archived_at_ms=now_ms())

    def raise_for_id_property(self, id_property: str | None, *, allow_email: bool) -> None:
        if _by_record_id(id_property):
            return
        if id_property == "email":
            if not allow_email:
                raise non_unique_id_property("email")
            return
        definition = self.catalog.get(id_property or "")
        if definition is None:
            raise validation_error(f'Property "{id_property}" does not exist')
        if not definition.has_unique_value:
            raise non_unique_id_property(definition.name)

    # ---- writes ----

    def _run_batch(
        self,
        inputs: Sequence[SandboxWriteInput],
        write: Callable[[SandboxWriteInput, UndoLog], WriteResult],
        *,
        per_input: bool,
        whole: bool = False,
    ) -> BatchResult:
        """Per-input failures (a 207) or all or nothing: the first bad input undoes the batch's
        writes and its error is raised, naming that input when the batch is refused `whole`."""
        undo: UndoLog = []
        result = BatchResult()
        for item in inputs:
            try:
                result.results.append(write(item, undo))
            except SandboxHubSpotError as error:
                if per_input:
                    result.errors.append(BatchError(error, [item.trace_id or ""]))
                    continue
                self._rollback(undo)
                if whole:
                    raise batch_refused(error, item.id or "", item.trace_id) from None
                raise
        return result

    def _create_input(self, item: SandboxWriteInput, undo: UndoLog) -> WriteResult:
        record = self._create(item.properties, undo)
        return WriteResult(record, tuple(item.properties), True, item.trace_id)

    def _update_input(self, item: SandboxWriteInput, undo: UndoLog) -> WriteResult:
        record = self._find_active(item.id or "", item.id_property)
        if record is None:
            raise objects_not_found([item.id or ""])
        updated = self._update(record, item.properties, undo)
        return WriteResult(updated, tuple(item.properties), False, item.trace_id)

    def _upsert_input(self, item: SandboxWriteInput, undo: UndoLog) -> WriteResult:
        key_property, key = item.id_property or "", item.id or ""
        record = self._find_active(key, key_property)
        if record is not None:
            updated = self._update(record, item.properties, undo)
            return WriteResult(updated, tuple(item.properties), False, item.trace_id)
        created = self._create({**item.properties, key_property: key}, undo)
        return WriteResult(created, (*item.properties, key_property), True, item.trace_id)

    def _create(
        self,
        properties: dict[str, str],
        undo: UndoLog,
        *,
        allow_read_only: frozenset[str] = frozenset(),
    ) -> ContactRecord:
        values = {k: v for k, v in self._checked(properties, allow_read_only).items() if v != ""}
        self._raise_for_unusable_values(None, values)
        contact_id = str(self._next_id)
        self._next_id += 1
        now = now_ms()
        stamp = format_instant(now)
        generated = {
            "hs_object_id": contact_id,
            "createdate": stamp,
            "lastmodifieddate": stamp,
            "hs_marketable_status": "true" if self.config.marketing_on_create else "false",
            # Not set non-marketing: it stays a marketing contact past the update date.
            "hs_marketable_until_renewal": "false",
        }
        if self.config.default_lifecycle_stage:
            generated["lifecyclestage"] = self.config.default_lifecycle_stage
        stored = {**generated, **values}
        record = ContactRecord(contact_id, stored, now, now, ((time.monotonic(), stored),))
        undo.append((contact_id, None))
        self._insert(record)
        return record

    def _update(
        self,
        record: ContactRecord,
        properties: dict[str, str],
        undo: UndoLog,
        *,
        lifecycle_rule: bool = True,
        allow_read_only: frozenset[str] = frozenset(),
    ) -> ContactRecord:
        values = self._checked(properties, allow_read_only)
        changes = self._changes(record, values, lifecycle_rule)
        if not changes:
            return record
        self._raise_for_unusable_values(record.id, changes)
        stored = {**record.properties, **changes, **_promoted_email(record, changes)}
        for name in [name for name, value in stored.items() if value == ""]:
            del stored[name]
        now = now_ms()
        stored["lastmodifieddate"] = format_instant(now)
        versions = self._with_search_version(record.search_versions, stored)
        updated = replace(record, properties=stored, updated_at_ms=now, search_versions=versions)
        undo.append((record.id, record))
        self._swap(record, updated)
        return updated

    def _checked(
        self, properties: dict[str, str], allow_read_only: frozenset[str]
    ) -> dict[str, str]:
        values, issues = self.catalog.check_values(properties, allow_read_only=allow_read_only)
        if issues:
            raise property_values_error(issues)
        return values

    def _changes(
        self, record: ContactRecord, values: dict[str, str], lifecycle_rule: bool
    ) -> dict[str, str]:
        changes = {}
        for name, value in values.items():
            current = record.properties.get(name, "")
            if value == current:
                continue
            if name == "lifecyclestage" and lifecycle_rule and self._is_backward(current, value):
                continue  # HubSpot accepts the request and keeps the later stage
            changes[name] = value
        return changes

    def _is_backward(self, current: str, wanted: str) -> bool:
        if not current or not wanted:
            return False
        return self._stage_rank(wanted) < self._stage_rank(current)

    def _stage_rank(self, stage: str) -> int:
        stages = self.catalog.get("lifecyclestage")
        return stages.option_rank(stage) if stages is not None else -1

    def _raise_for_unusable_values(self, contact_id: str | None, values: Mapping[str, str]) -> None:
        """Blocklisted e-mails, and e-mails or unique values another contact holds.

        An e-mail is taken when it is another contact's primary or additional e-mail (the
        secondary e-mails a merge or a person adds, in hs_additional_emails): a create lands on
        the contact holding it, as a duplicate create does, with 409 "Contact already exists.
        Existing ID: N" (github.com/HubSpot/hubspot-api-python/issues/51).
        """
        for email in _emails_of(values):
            if email in self._blocked_emails:
                raise blocked_email(email)
            owner = self._by_email.get(email) or self._by_additional_email.get(email)
            if owner is not None and owner != contact_id:
                raise contact_conflict(owner)
        for name, index in self._by_unique.items():
            value = values.get(name)
            owner = index.get(value) if value else None
            if owner is not None and owner != contact_id:
                raise unique_value_conflict(name, value or "", owner)

    def _with_search_version(
        self, versions: SearchVersions, properties: Mapping[str, str]
    ) -> SearchVersions:
        """Adds a version, dropping those search can no longer see."""
        now = time.monotonic()
        versions = (*versions, (now, properties))
        cutoff = now - self.config.search_index_delay_s
        newest_visible = max((i for i, (t, _) in enumerate(versions) if t <= cutoff), default=0)
        return versions[newest_visible:]

    def _rollback(self, undo: UndoLog) -> None:
        for contact_id, before in reversed(undo):
            current = self._active[contact_id]
            if before is None:
                self._remove(current)
            else:
                self._swap(current, before)

    # ---- indexes ----

    def _find_active(self, id_value: str, id_property: str | None) -> ContactRecord | None:
        """By record id (a merged-away id finds its survivor), by primary e-mail only, or by
        a unique property."""
        if _by_record_id(id_property):
            contact_id: str | None = self._surviving_id(id_value)
        elif id_property == "email":
            contact_id = self._by_email.get(id_value.strip().lower())
        else:
            contact_id = self._by_unique.get(id_property or "", {}).get(id_value)
        return self._active.get(contact_id) if contact_id else None

    def _surviving_id(self, contact_id: str) -> str:
        while contact_id in self._merged_into:
            contact_id = self._merged_into[contact_id]
        return contact_id

    def _require_active(self, contact_id: str) -> ContactRecord:
        record = self._find_active(contact_id, None)
        if record is None:
            raise objects_not_found([contact_id])
        return record

    def _insert(self, record: ContactRecord) -> None:
        self._active[record.id] = record
        bisect.insort(self._active_ids, int(record.id))
        self._index(record)

    def _remove(self, record: ContactRecord) -> None:
        self._unindex(record)
        del self._active[record.id]
        position = bisect.bisect_left(self._active_ids, int(record.id))
        del self._active_ids[position]

    def _swap(self, old: ContactRecord, new: ContactRecord) -> None:
        self._unindex(old)
        self._active[new.id] = new
        self._index(new)

    def _index(self, record: ContactRecord) -> None:
        email = record.properties.get("email")
        if email:
            self._by_email[email] = record.id
        for additional in split_values(record.properties.get(ADDITIONAL_EMAILS)):
            self._by_additional_email[additional] = record.id
        for name, index in self._by_unique.items():
            value = record.properties.get(name)
            if value:
                index[value] = record.id

    def _unindex(self, record: ContactRecord) -> None:
        email = record.properties.get("email")
        if email and self._by_email.get(email) == record.id:
            del self._by_email[email]
        for additional in split_values(record.properties.get(ADDITIONAL_EMAILS)):
            if self._by_additional_email.get(additional) == record.id:
                del self._by_additional_email[additional]
        for name, index in self._by_unique.items():
            value = record.properties.get(name)
            if value and index.get(value) == record.id:
                del index[value]


def _by_record_id(id_property: str | None) -> bool:
    return id_property in (None, "", "hs_object_id")


def _all_traced(inputs: Sequence[SandboxWriteInput]) -> bool:
    return all(item.trace_id for item in inputs)


def _promoted_email(record: ContactRecord, changes: Mapping[str, str]) -> dict[str, str]:
    """A contact's own additional e-mail made its primary one leaves the additional list."""
    additional = split_values(record.properties.get(ADDITIONAL_EMAILS))
    email = changes.get("email")
    if ADDITIONAL_EMAILS in changes or email not in additional:
        return {}
    return {ADDITIONAL_EMAILS: ";".join(other for other in additional if other != email)}


def _emails_of(values: Mapping[str, str]) -> list[str]:
    """The primary and additional e-mails among stored or written values."""
    emails = [values.get("email", ""), *split_values(values.get(ADDITIONAL_EMAILS))]
    return [email for email in emails if email]


def _visible_version(versions: SearchVersions, cutoff: float) -> Mapping[str, str] | None:
    for visible_from, properties in reversed(versions):
        if visible_from <= cutoff:
            return properties
    return None
