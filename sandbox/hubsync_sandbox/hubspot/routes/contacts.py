"""The contacts endpoints: list, read, write, batches, search, merge and GDPR delete.

Batch answers list their results in any order (HubSpot does not promise the order:
integrate.hubspot.com/t/update-lifecycle-stage-using-api/1333), and a successful result may
or may not echo its input's objectWriteTraceId (not documented either way): clients must
match results by what they wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from hubsync_sandbox.hubspot.errors import objects_not_found, validation_error
from hubsync_sandbox.hubspot.routes.base import (
    ApiRequest,
    ApiResponse,
    Route,
    optional_string,
    raise_for_duplicate_ids,
    raise_for_duplicates,
    require_inputs,
    require_object,
    require_properties,
    require_string,
)
from hubsync_sandbox.hubspot.rules.properties import (
    ALWAYS_READ_PROPERTIES,
    DEFAULT_READ_PROPERTIES,
    PropertyCatalog,
)
from hubsync_sandbox.hubspot.rules.search import parse_search_request, run_search
from hubsync_sandbox.hubspot.rules.values import format_instant, now_ms
from hubsync_sandbox.hubspot.store import (
    BatchResult,
    ContactRecord,
    SandboxStore,
    SandboxWriteInput,
    WriteResult,
)

CONTACTS = "/crm/v3/objects/contacts"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


def render_contact(
    record: ContactRecord,
    catalog: PropertyCatalog,
    wanted: Sequence[str] | None,
    values: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A contact as the API shows it: requested properties, null when they have no value.

    `wanted` None means HubSpot's default properties; `values` defaults to the record's own.
    """
    values = record.properties if values is None else values
    names = DEFAULT_READ_PROPERTIES if wanted is None else {*wanted, *ALWAYS_READ_PROPERTIES}
    shown = sorted(name for name in names if catalog.get(name) is not None)
    contact: dict[str, Any] = {
        "id": record.id,
        "properties": {name: values.get(name) for name in shown},
        "createdAt": format_instant(record.created_at_ms),
        "updatedAt": values.get("lastmodifieddate") or format_instant(record.updated_at_ms),
        "archived": record.archived_at_ms is not None,
    }
    if record.archived_at_ms is not None:
        contact["archivedAt"] = format_instant(record.archived_at_ms)
    return contact


def list_contacts(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    limit = _page_size(request.query_value("limit"))
    after = request.query_value("after")
    if after is not None and not after.isdigit():
        raise validation_error(
            f"after must be a paging cursor from a previous page, got {after!r}."
        )
    with store.lock:
        page, next_after = store.list_page(after, limit, archived=request.query_flag("archived"))
        wanted = request.query_names("properties")
        body: dict[str, Any] = {
            "results": [render_contact(record, store.catalog, wanted) for record in page]
        }
    if next_after is not None:
        query = urlencode({**request.query, "after": [next_after]}, doseq=True)
        link = f"{request.base_url}{CONTACTS}?{query}"
        body["paging"] = {"next": {"after": next_after, "link": link}}
    return ApiResponse(200, body)


def get_contact(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    with store.lock:
        record = store.find_or_404(
            request.path_params["contactId"],
            request.query_value("idProperty"),
            archived=request.query_flag("archived"),
        )
        return ApiResponse(
            200, render_contact(record, store.catalog, request.query_names("properties"))
        )


def create_contact(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    properties = require_properties(require_object(request.body))
    with store.lock:
        result = store.create_batch([SandboxWriteInput(properties)]).results[0]
        contact = render_contact(result.record, store.catalog, list(result.record.properties))
    location = f"{request.base_url}{CONTACTS}/{result.record.id}"
    return ApiResponse(201, contact, {"Location": location})


def update_contact(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    properties = require_properties(require_object(request.body))
    with store.lock:
        result = store.update_one(
            request.path_params["contactId"], request.query_value("idProperty"), properties
        )
        return ApiResponse(200, _written_contact(store, result))


def archive_contact(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    """Archives (HubSpot's "delete"): 204 whether or not the contact exists."""
    store.archive([request.path_params["contactId"]])
    return ApiResponse(204)


def merge_contacts(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    """Merges two contacts (see `rules.merge`) and answers the surviving record."""
    body = require_object(request.body)
    primary_id = require_string(body, "primaryObjectId")
    merged_id = require_string(body, "objectIdToMerge")
    with store.lock:
        survivor = store.find_or_404(store.merge(primary_id, merged_id), None)
        return ApiResponse(200, render_contact(survivor, store.catalog, None))


def gdpr_delete(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    body = require_object(request.body)
    store.gdpr_delete(require_string(body, "objectId"), optional_string(body, "idProperty"))
    return ApiResponse(204)


def batch_read(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    """Reads by id or unique property; idProperty=email finds primary e-mails only."""
    started = now_ms()
    body = require_object(request.body)
    ids = [_input_id(item) for item in require_inputs(body)]
    id_property = optional_string(body, "idProperty")
    raise_for_duplicate_ids([(contact_id, id_property) for contact_id in ids])
    wanted = _property_names(body.get("properties"))
    archived = request.query_flag("archived")
    with store.lock:
        found = {
            contact_id: store.find(contact_id, id_property, archived=archived) for contact_id in ids
        }
        results = [
            render_contact(record, store.catalog, wanted)
            for record in found.values()
            if record is not None
        ]
        store.random.shuffle(results)
    missing = [contact_id for contact_id, record in found.items() if record is None]
    response: dict[str, Any] = {"status": "COMPLETE", "results": results}
    if missing:
        response["numErrors"] = 1
        response["errors"] = [objects_not_found(missing).batch_item([])]
    response |= {"startedAt": format_instant(started), "completedAt": format_instant(now_ms())}
    return ApiResponse(207 if missing else 200, response)


def batch_create(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    started = now_ms()
    inputs = [
        SandboxWriteInput(
            require_properties(item), trace_id=optional_string(item, "objectWriteTraceId")
        )
        for item in require_inputs(request.body)
    ]
    _raise_for_duplicate_traces(inputs)
    with store.lock:
        return _batch_response(store, store.create_batch(inputs), started, 201)


def batch_update(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    return _keyed_batch(store, request, upsert=False)


def batch_upsert(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    return _keyed_batch(store, request, upsert=True)


def _keyed_batch(store: SandboxStore, request: ApiRequest, *, upsert: bool) -> ApiResponse:
    started = now_ms()
    inputs = [_keyed_input(item) for item in require_inputs(request.body)]
    raise_for_duplicate_ids([(item.id or "", item.id_property) for item in inputs])
    _raise_for_duplicate_traces(inputs)
    with store.lock:
        results = store.upsert_batch(inputs) if upsert else store.update_batch(inputs)
        return _batch_response(store, results, started, 200, upsert=upsert)


def batch_archive(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    store.archive([_input_id(item) for item in require_inputs(request.body)])
    return ApiResponse(204)


def search(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    with store.lock:
        query = parse_search_request(request.body, store.catalog)
        visible = {record.id: (record, values) for record, values in store.searchable()}
        total, page = run_search(
            query,
            ((contact_id, values) for contact_id, (_, values) in visible.items()),
            store.catalog,
        )
        results = [
            render_contact(visible[contact_id][0], store.catalog, query.properties, values)
            for contact_id, values in page
        ]
    body: dict[str, Any] = {"total": total, "results": results}
    if query.offset + query.limit < total:
        body["paging"] = {"next": {"after": str(query.offset + query.limit)}}
    return ApiResponse(200, body)


def _batch_response(
    store: SandboxStore,
    result: BatchResult,
    started: int,
    success_status: int,
    *,
    upsert: bool = False,
) -> ApiResponse:
    results = []
    for written in result.results:
        contact = _written_contact(store, written)
        if upsert:
            contact["new"] = written.is_new
        if written.trace_id and store.random.random() < store.config.trace_id_echo_rate:
            contact["objectWriteTraceId"] = written.trace_id
        results.append(contact)
    store.random.shuffle(results)
    body: dict[str, Any] = {"status": "COMPLETE", "results": results}
    if result.errors:
        body["numErrors"] = len(result.errors)
        body["errors"] = [item.error.batch_item(item.trace_ids) for item in result.errors]
    body |= {"startedAt": format_instant(started), "completedAt": format_instant(now_ms())}
    return ApiResponse(207 if result.errors else success_status, body)


def _written_contact(store: SandboxStore, result: WriteResult) -> dict[str, Any]:
    """A created contact shows every stored property; an updated one those the write named."""
    if result.is_new:
        return render_contact(result.record, store.catalog, list(result.record.properties))
    return render_contact(result.record, store.catalog, result.sent)


def _keyed_input(item: dict[str, Any]) -> SandboxWriteInput:
    return SandboxWriteInput(
        require_properties(item),
        id=_input_id(item),
        id_property=optional_string(item, "idProperty"),
        trace_id=optional_string(item, "objectWriteTraceId"),
    )


def _input_id(item: Any) -> str:
    contact_id = require_object(item, "Each input").get("id")
    if not isinstance(contact_id, str) or not contact_id:
        raise validation_error("Each input needs an id (a string).")
    return contact_id


def _raise_for_duplicate_traces(inputs: list[SandboxWriteInput]) -> None:
    raise_for_duplicates([item.trace_id for item in inputs if item.trace_id], "objectWriteTraceIds")


def _property_names(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise validation_error("properties must be a list of property names.")
    return value or None


def _page_size(value: str | None) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
        raise validation_error(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {value}.")
    return int(value)


ROUTES = (
    Route("GET", CONTACTS, list_contacts),
    Route("POST", CONTACTS, create_contact),
    Route("POST", f"{CONTACTS}/batch/read", batch_read),
    Route("POST", f"{CONTACTS}/batch/create", batch_create),
    Route("POST", f"{CONTACTS}/batch/update", batch_update),
    Route("POST", f"{CONTACTS}/batch/upsert", batch_upsert),
    Route("POST", f"{CONTACTS}/batch/archive", batch_archive),
    Route("POST", f"{CONTACTS}/search", search),
    Route("POST", f"{CONTACTS}/merge", merge_contacts),
    Route("POST", f"{CONTACTS}/gdpr-delete", gdpr_delete),
    Route("GET", CONTACTS + "/{contactId}", get_contact),
    Route("PATCH", CONTACTS + "/{contactId}", update_contact),
    Route("DELETE", CONTACTS + "/{contactId}", archive_contact),
)
