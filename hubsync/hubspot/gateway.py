"""The one place hubsync talks to HubSpot about contacts and their properties.

Every HTTP attempt passes the client-side rate limiter and is counted, and transient
failures are retried by our own policy (the SDK's urllib3 retries are switched off, since
they would bypass both). Answers are read as plain JSON and turned into domain objects:
the SDK's response models are never deserialized nor returned.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import hubspot
import hubspot.crm.contacts as sdk_contacts
import hubspot.crm.properties as sdk_properties
from urllib3.util.retry import Retry

from hubsync.domain.contact import Contact
from hubsync.hubspot.errors import (
    HubSpotAuthError,
    HubSpotError,
    HubSpotRequestError,
    HubSpotUnavailable,
)
from hubsync.hubspot.ratelimit import HubSpotLimiter
from hubsync.hubspot.retry import TRANSIENT_NETWORK_ERRORS, Retrier, RetryPolicy
from hubsync.hubspot.usage import CallLog
from hubsync.settings import Settings

Json = dict[str, Any]
T = TypeVar("T")

BATCH_MAX = 100
LIST_PAGE = 100
OBJECT_TYPE = "contacts"
NOT_FOUND_CATEGORY = "OBJECT_NOT_FOUND"
NO_RESULT_CATEGORY = "NO_RESULT"
UPSERT_ENDPOINT = "contacts.batch_upsert"
UPDATE_ENDPOINT = "contacts.batch_update"
WRITE_ENDPOINTS = (UPSERT_ENDPOINT, UPDATE_ENDPOINT)
EXISTING_ID = re.compile(r"Existing ID:\s*(\d+)")

# total=False makes urllib3 raise connection errors as they are instead of retrying them;
# without the other two a 429 carrying Retry-After would be retried or turned into
# MaxRetryError inside urllib3, out of our limiter's and counters' sight.
NO_URLLIB3_RETRIES = Retry(total=False, respect_retry_after_header=False, raise_on_status=False)

_SDK_API_ERRORS = (sdk_contacts.ApiException, sdk_properties.ApiException)


@dataclass(frozen=True, slots=True)
class WriteInput:
    trace_id: str  # unique within one call; sent as objectWriteTraceId, named in errors
    id: str  # the id_property value for upsert, the HubSpot object id for update
    properties: dict[str, str]


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    trace_id: str
    ok: bool
    contact_id: str | None = None
    created: bool = False
    error_category: str | None = None
    error_message: str | None = None
    # From a CONFLICT "Contact already exists. Existing ID: N".
    existing_contact_id: str | None = None
    # HubSpot refused the input's whole batch; the error may belong to another input, so
    # this one may succeed when sent again on its own.
    batch_rejected: bool = False
    # The new contact's marketing status, when HubSpot's answer carries it.
    marketing: bool | None = None

    @property
    def email_refused(self) -> bool:
        """HubSpot refused the input's e-mail address as invalid (code INVALID_EMAIL, which it
        puts inside the error message of a per-input error)."""
        return not self.ok and "INVALID_EMAIL" in f"{self.error_category} {self.error_message}"


class HubSpotGateway:
    def __init__(
        self,
        settings: Settings,
        *,
        limiter: HubSpotLimiter | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        client = hubspot.Client.create(
            access_token=settings.hubspot_token.get_secret_value(),
            host=settings.hubspot_base_url,
            retry=NO_URLLIB3_RETRIES,
        )
        # Each property access on the client builds a new API client and connection pool:
        # take them once.
        self._basic_api = client.crm.contacts.basic_api
        self._batch_api = client.crm.contacts.batch_api
        self._search_api = client.crm.contacts.search_api
        self._properties_api = client.crm.properties.core_api
        self._groups_api = client.crm.properties.groups_api
        self._base_url = settings.hubspot_base_url
        self._timeout_s = settings.hubspot_timeout_s
        self._limiter = limiter or HubSpotLimiter.from_settings(settings)
        self._retrier = Retrier(retry_policy or RetryPolicy.from_settings(settings))
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()  # HTTP attempts per endpoint, retries included
        self.retries: Counter[str] = self._retrier.retries
        self.usage = CallLog()  # statuses and the portal's daily API budget, as last seen

    # -- contacts: reads -------------------------------------------------------------------

    def list_contacts(self, properties: Sequence[str]) -> Iterator[Contact]:
        after: str | None = None
        while True:
            page = self._call(
                "contacts.list",
                self._basic_api.get_page,
                limit=LIST_PAGE,
                after=after,
                properties=list(properties),
            )
            yield from (_contact(raw) for raw in page.get("results", []))
            after = _next_after(page)
            if after is None:
                return

    def read_contacts(
        self, ids: Sequence[str], properties: Sequence[str], id_property: str | None = None
    ) -> list[Contact]:
        """Contacts by HubSpot id, or by the values of a unique property (`email`, the key
        property); values HubSpot does not know are simply absent. Unlike search, a batch
        read sees a write at once."""
        contacts: list[Contact] = []
        wanted = list(dict.fromkeys([*properties, *([id_property] if id_property else [])]))
        for chunk in _chunks(list(dict.fromkeys(ids)), BATCH_MAX):
            body = sdk_contacts.BatchReadInputSimplePublicObjectId(
                inputs=[sdk_contacts.SimplePublicObjectId(id=value) for value in chunk],
                properties=wanted,
                properties_with_history=[],
                id_property=id_property,
            )
            try:
                answer = self._call("contacts.batch_read", self._batch_api.read, body)
            except HubSpotRequestError as exc:
                if exc.category != NOT_FOUND_CATEGORY:
                    raise
                continue  # none of the chunk's values exists
            _raise_unexpected_read_errors(answer)
            contacts.extend(_contact(raw) for raw in answer.get("results", []))
        return contacts

    def count_marketing_contacts(self, *, leaving: bool = False) -> int:
        """The portal's marketing contacts (HubSpot's `total` of a search for one result,
        within the search rate limit); with `leaving`, those of them set non-marketing, who
        leave at the next update date."""
        filters = [("hs_marketable_status", "true")]
        if leaving:
            filters.append(("hs_marketable_until_renewal", "true"))
        request = sdk_contacts.PublicObjectSearchRequest(
            filter_groups=[
                sdk_contacts.FilterGroup(
                    filters=[
                        sdk_contacts.Filter(property_name=name, operator="EQ", value=value)
                        for name, value in filters
                    ]
                )
            ],
            properties=["hs_object_id"],
            limit=1,
        )
        answer = self._call("contacts.search", self._search_api.do_search, request, search=True)
        return int(answer.get("total", 0))

    # -- contacts: writes ------------------------------------------------------------------

    def upsert(self, id_property: str, inputs: Sequence[WriteInput]) -> list[WriteOutcome]:
        """Create or update by a unique property (e-mail or the key property), one outcome each.

        Raises only HubSpotAuthError and HubSpotUnavailable: a batch HubSpot refuses becomes
        failed outcomes for its inputs, so one bad batch does not stop a run.
        """
        _require_unique_trace_ids(inputs)

        def input_key(item: WriteInput) -> str:
            return item.properties.get(id_property) or item.id

        def result_key(raw: Json) -> str | None:
            value = (raw.get("properties") or {}).get(id_property)
            return value if isinstance(value, str) else None

        outcomes: list[WriteOutcome] = []
        for chunk in _chunks(list(inputs), BATCH_MAX):
            body = sdk_contacts.BatchInputSimplePublicObjectBatchInputUpsert(
                inputs=[
                    sdk_contacts.SimplePublicObjectBatchInputUpsert(
                        id=item.id,
                        id_property=id_property,
                        # HubSpot answers an update with the properties it was sent, and a
                        # result may lack the trace id: the key value is how we recognise it.
                        properties={id_property: item.id, **item.properties},
                        object_write_trace_id=item.trace_id,
                    )
                    for item in chunk
                ]
            )
            outcomes += self._write(
                UPSERT_ENDPOINT,
                self._batch_api.upsert,
                body,
                chunk,
                input_key=input_key,
                result_key=result_key,
            )
        return outcomes

    def update(self, inputs: Sequence[WriteInput]) -> list[WriteOutcome]:
        """Update contacts by HubSpot object id; same error contract as `upsert`."""
        _require_unique_trace_ids(inputs)
        outcomes: list[WriteOutcome] = []
        for chunk in _chunks(list(inputs), BATCH_MAX):
            body = sdk_contacts.BatchInputSimplePublicObjectBatchInput(
                inputs=[
                    sdk_contacts.SimplePublicObjectBatchInput(
                        id=item.id, properties=item.properties, object_write_trace_id=item.trace_id
                    )
                    for item in chunk
                ]
            )
            outcomes += self._write(
                UPDATE_ENDPOINT,
                self._batch_api.update,
                body,
                chunk,
                input_key=lambda item: item.id,
                result_key=lambda raw: str(raw.get("id")),
            )
        return outcomes

    def _write(
        self,
        endpoint: str,
        send: Callable[..., Any],
        body: object,
        chunk: list[WriteInput],
        *,
        input_key: Callable[[WriteInput], str],
        result_key: Callable[[Json], str | None],
    ) -> list[WriteOutcome]:
        try:
            answer = self._call(endpoint, send, body)
        except HubSpotRequestError as exc:
            if not 400 <= exc.status < 500:
                raise
            return _rejected_batch(chunk, exc)
        return _batch_outcomes(chunk, answer, input_key, result_key)

    # -- properties ------------------------------------------------------------------------

    def list_properties(self) -> list[Json]:
        answer = self._call("properties.list", self._properties_api.get_all, OBJECT_TYPE)
        return [_property(raw) for raw in answer.get("results", [])]

    def create_property(self, spec: Mapping[str, Any]) -> Json:
        """Create a contact property from HubSpot's JSON shape (name, label, type, ...)."""
        answer = self._call(
            "properties.create", self._properties_api.create, OBJECT_TYPE, dict(spec)
        )
        return _property(answer)

    def update_property_options(self, name: str, options: Sequence[Mapping[str, Any]]) -> Json:
        """Replace a property's options: HubSpot overwrites the list, so send all of them."""
        body = {"options": [dict(option) for option in options]}
        answer = self._call(
            "properties.update", self._properties_api.update, OBJECT_TYPE, name, body
        )
        return _property(answer)

    def list_groups(self) -> list[Json]:
        answer = self._call("property_groups.list", self._groups_api.get_all, OBJECT_TYPE)
        return [_group(raw) for raw in answer.get("results", [])]

    def create_group(self, name: str, label: str) -> Json:
        body = {"name": name, "label": label}
        answer = self._call("property_groups.create", self._groups_api.create, OBJECT_TYPE, body)
        return _group(answer)

    # -- plumbing --------------------------------------------------------------------------

    def _call(
        self,
        endpoint: str,
        send: Callable[..., Any],
        *args: Any,
        search: bool = False,
        **kwargs: Any,
    ) -> Json:
        def attempt() -> Json:
            self._limiter.acquire(search=search)
            with self._lock:
                self.calls[endpoint] += 1
            try:
                response = send(
                    *args, _preload_content=False, _request_timeout=self._timeout_s, **kwargs
                )
            except _SDK_API_ERRORS as exc:
                self.usage.record(endpoint, exc.status, exc.headers)
                error: HubSpotError = _request_error(endpoint, exc)
            except AttributeError as exc:
                # The SDK turns a TLS failure into an ApiException without a body, then fails
                # reading that body: the ApiException is left as this error's context.
                tls_failure = _tls_failure(exc.__context__)
                if tls_failure is None:
                    raise
                error = HubSpotUnavailable(
                    f"TLS handshake with {self._base_url} failed ({tls_failure}): check "
                    "HUBSYNC_HUBSPOT_BASE_URL; a server that speaks plain HTTP (a local "
                    "emulator) needs http://, not https://"
                )
            except BaseException:
                self.usage.record(endpoint, None, None)
                raise
            else:
                self.usage.record(endpoint, response.status, response.headers)
                return _read_json(response)
            # Raised outside the except block so that the SDK exception, whose text carries
            # the HTTP headers, is not even attached as __context__.
            raise error

        try:
            return self._retrier.call(endpoint, attempt)
        except HubSpotRequestError as exc:
            if exc.status == 429:  # the only 429 not retried: the daily limit
                raise HubSpotUnavailable(
                    f"HubSpot's daily API limit is used up ({endpoint}); it resets at midnight "
                    "in the portal's time zone"
                ) from exc
            raise
        except HubSpotUnavailable as exc:
            if isinstance(exc.__cause__, TRANSIENT_NETWORK_ERRORS):
                raise HubSpotUnavailable(
                    f"{exc}: check HUBSYNC_HUBSPOT_BASE_URL ({self._base_url}) and the network"
                ) from exc.__cause__
            raise


# -- answers to domain objects ---------------------------------------------------------------


def _read_json(response: Any) -> Json:
    try:
        data = response.data
    finally:
        response.release_conn()
    if not data:
        return {}
    parsed = json.loads(data)
    return parsed if isinstance(parsed, dict) else {}


def _tls_failure(exc: BaseException | None) -> str | None:
    """What went wrong, if `exc` is the SDK's report of a failed TLS handshake."""
    reason = getattr(exc, "reason", None) if isinstance(exc, _SDK_API_ERRORS) else None
    if not isinstance(reason, str) or not reason.startswith("SSLError"):
        return None
    return " ".join(reason.removeprefix("SSLError").split())


def _request_error(endpoint: str, exc: Any) -> HubSpotAuthError | HubSpotRequestError:
    status = int(exc.status or 0)
    if status in (401, 403):
        return HubSpotAuthError(status)
    body = _error_body(exc.body)
    return HubSpotRequestError(
        endpoint,
        status,
        category=body.get("category") or body.get("errorType"),
        message=body.get("message") or exc.reason,
        policy_name=body.get("policyName"),
        retry_after_s=_retry_after(exc.headers),
        body=body,
    )


def _error_body(raw: object) -> Json:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    value = headers.get("Retry-After") if headers else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # the HTTP-date form: fall back to our own backoff
        return None


def _contact(raw: Json) -> Contact:
    return Contact(id=str(raw["id"]), properties=dict(raw.get("properties") or {}))


def _next_after(page: Json) -> str | None:
    after = ((page.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after not in (None, "") else None


def _property(raw: Json) -> Json:
    return {
        "name": raw.get("name"),
        "label": raw.get("label"),
        "type": raw.get("type"),
        "fieldType": raw.get("fieldType"),
        "groupName": raw.get("groupName"),
        "hasUniqueValue": bool(raw.get("hasUniqueValue", False)),
        "options": [_option(option) for option in raw.get("options") or []],
        "modificationMetadata": dict(raw.get("modificationMetadata") or {}),
    }


def _option(raw: Json) -> Json:
    option = {
        "value": raw.get("value"),
        "label": raw.get("label"),
        "hidden": bool(raw.get("hidden", False)),
        "displayOrder": raw.get("displayOrder"),
    }
    if raw.get("description"):  # kept so that rewriting the full option list does not drop it
        option["description"] = raw["description"]
    return option


def _group(raw: Json) -> Json:
    return {
        "name": raw.get("name"),
        "label": raw.get("label"),
        "displayOrder": raw.get("displayOrder"),
    }


def _raise_unexpected_read_errors(answer: Json) -> None:
    """Unknown ids are expected; any other error would make the read silently incomplete."""
    for error in answer.get("errors") or []:
        if error.get("category") != NOT_FOUND_CATEGORY:
            raise HubSpotRequestError(
                "contacts.batch_read",
                207,
                category=error.get("category"),
                message=error.get("message"),
                body=error,
            )


# -- write answers to outcomes ---------------------------------------------------------------


def _batch_outcomes(
    chunk: list[WriteInput],
    answer: Json,
    input_key: Callable[[WriteInput], str],
    result_key: Callable[[Json], str | None],
) -> list[WriteOutcome]:
    """One outcome per input of a 200/207 answer.

    Results and errors are matched by objectWriteTraceId, else by the input's key (ignoring
    case: e-mails are case-insensitive in HubSpot). An error
    HubSpot ties to no input applies to every input it neither confirmed nor failed by name:
    an input counts as written only when HubSpot confirms it, so a doubt is a failure and
    the next run sends it again (writes are idempotent).
    """
    by_trace = {item.trace_id: item for item in chunk}
    by_key = {input_key(item).lower(): item.trace_id for item in chunk}
    outcomes: dict[str, WriteOutcome] = {}
    for raw in answer.get("results") or []:
        trace_id = raw.get("objectWriteTraceId") or by_key.get((result_key(raw) or "").lower())
        if trace_id in by_trace:
            outcomes[trace_id] = WriteOutcome(
                trace_id,
                ok=True,
                contact_id=str(raw.get("id")),
                created=bool(raw.get("new")),
                marketing=_marketing_status(raw),
            )
    unattributed: list[Json] = []
    for error in answer.get("errors") or []:
        named = _error_trace_ids(error, by_trace, by_key)
        if not named:
            unattributed.append(error)
        for trace_id in named:
            outcomes[trace_id] = _failed(trace_id, error)
    unconfirmed = [item.trace_id for item in chunk if item.trace_id not in outcomes]
    for trace_id in unconfirmed:
        outcomes[trace_id] = _unconfirmed(trace_id, unattributed, alone=len(unconfirmed) == 1)
    return [outcomes[item.trace_id] for item in chunk]


def _marketing_status(raw: Json) -> bool | None:
    status = (raw.get("properties") or {}).get("hs_marketable_status")
    return None if status not in ("true", "false") else status == "true"


def _error_trace_ids(
    error: Json, by_trace: Mapping[str, WriteInput], by_key: Mapping[str, str]
) -> list[str]:
    context = error.get("context") or {}
    traces = [trace for trace in _strings(context.get("objectWriteTraceId")) if trace in by_trace]
    if traces:
        return traces
    keys = [key.lower() for key in (*_strings(context.get("ids")), *_strings(context.get("id")))]
    return [by_key[key] for key in keys if key in by_key]


def _failed(trace_id: str, error: Json) -> WriteOutcome:
    message = error.get("message")
    return WriteOutcome(
        trace_id,
        ok=False,
        error_category=error.get("category"),
        error_message=message,
        existing_contact_id=_existing_id(message),
    )


def _unconfirmed(trace_id: str, unattributed: list[Json], *, alone: bool) -> WriteOutcome:
    if not unattributed:
        return WriteOutcome(
            trace_id,
            ok=False,
            error_category=NO_RESULT_CATEGORY,
            error_message="HubSpot's answer had neither a result nor an error for this input",
        )
    messages = list(dict.fromkeys(_error_text(error) for error in unattributed))
    # An existing id can only be pinned on an input when one error meets one input.
    existing = _existing_id(messages[0]) if alone and len(unattributed) == 1 else None
    return WriteOutcome(
        trace_id,
        ok=False,
        error_category=unattributed[0].get("category"),
        error_message="; ".join(messages),
        existing_contact_id=existing,
    )


def _rejected_batch(chunk: list[WriteInput], exc: HubSpotRequestError) -> list[WriteOutcome]:
    context = exc.body.get("context") or {}
    named = set(_strings(context.get("objectWriteTraceId"))) if isinstance(context, dict) else set()
    existing = _existing_id(exc.message)
    outcomes = []
    for item in chunk:
        own = len(chunk) == 1 or item.trace_id in named
        outcomes.append(
            WriteOutcome(
                item.trace_id,
                ok=False,
                error_category=exc.category or f"HTTP_{exc.status}",
                error_message=exc.message or exc.describe(),
                existing_contact_id=existing if own else None,
                batch_rejected=not own,
            )
        )
    return outcomes


def _error_text(error: Json) -> str:
    return str(error.get("message") or error.get("category") or "unknown error")


def _existing_id(message: object) -> str | None:
    match = EXISTING_ID.search(message) if isinstance(message, str) else None
    return match.group(1) if match else None


def _require_unique_trace_ids(inputs: Sequence[WriteInput]) -> None:
    trace_ids = [item.trace_id for item in inputs]
    if len(set(trace_ids)) != len(trace_ids):
        raise ValueError("each WriteInput needs its own trace_id")


# -- small helpers ---------------------------------------------------------------------------


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value]
    return []
