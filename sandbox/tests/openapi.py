"""Checks recorded HubSpot exchanges against HubSpot's official OpenAPI documents.

Where the documents are stricter than the live API, or wrong, an entry of SPEC_EXEMPTIONS
relaxes them; SPEC_EXEMPTIONS.md beside this file lists the same entries for readers.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from hubsync_sandbox.hubspot import Exchange

# The parts of HubSpot's official documents the checks use (hubspot_openapi/README.md).
SPECS_DIR = Path(__file__).with_name("hubspot_openapi")
# Each spec document and the paths it describes.
SPEC_FILES = {
    "crm-contacts-v3.json": "/crm/v3/objects/contacts",
    "crm-properties-v3.json": "/crm/v3/properties/",
}
SPEC_HOST = "https://api.hubapi.com"
EXEMPTIONS_FILE = Path(__file__).with_name("SPEC_EXEMPTIONS.md")

Spec = dict[str, Any]


@dataclass(frozen=True)
class Exemption:
    """One way the live API departs from its spec, and how the check allows for it."""

    reason: str
    patch: Callable[[Spec], None] | None = None  # edits a spec document in place
    unchecked_prefix: str | None = None  # exchanges under this path are not checked


def _schemas(spec: Spec) -> dict[str, Any]:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


def _operations(spec: Spec, path_prefix: str = "") -> Iterable[dict[str, Any]]:
    for path, path_item in spec["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in path_item and path.startswith(path_prefix):
                yield path_item[method]


def _set_required(required: list[str], *schema_names: str) -> Callable[[Spec], None]:
    def patch(spec: Spec) -> None:
        for name in schema_names:
            schema = _schemas(spec).get(name)
            if schema is not None and required:
                schema["required"] = required
            elif schema is not None:
                schema.pop("required", None)  # OpenAPI 3.0 forbids an empty list

    return patch


def _sorts_as_objects(spec: Spec) -> None:
    search = _schemas(spec).get("PublicObjectSearchRequest")
    if search is not None:
        sort = {
            "type": "object",
            "required": ["propertyName"],
            "properties": {
                "propertyName": {"type": "string"},
                "direction": {"type": "string", "enum": ["ASCENDING", "DESCENDING"]},
            },
        }
        search["properties"]["sorts"]["items"] = {"oneOf": [{"type": "string"}, sort]}


def _nullable_property_values(spec: Spec) -> None:
    for schema in _schemas(spec).values():
        values = schema.get("properties", {}).get("properties", {})
        if values.get("type") == "object" and values.get("additionalProperties", {}).get("type"):
            values["additionalProperties"]["nullable"] = True


def _json_error_content(spec: Spec) -> None:
    for response in spec["components"].get("responses", {}).values():
        content = response.get("content", {})
        if "*/*" in content:
            content["application/json"] = content.pop("*/*")


def _no_content_without_body(spec: Spec) -> None:
    for operation in _operations(spec):
        no_content = operation["responses"].get("204")
        if no_content is not None and not no_content.get("content"):
            no_content.pop("content", None)


def _error_response(
    status: str, schema_name: str, required: list[str], path_prefix: str
) -> Callable[[Spec], None]:
    """Declares an error answer whose body lacks fields the spec's Error requires."""

    def patch(spec: Spec) -> None:
        schemas = _schemas(spec)
        schemas[schema_name] = {**copy.deepcopy(schemas["Error"]), "required": required}
        response = {
            "description": f"{status} as the live API sends it",
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
            },
        }
        for operation in _operations(spec, path_prefix):
            operation["responses"][status] = response

    return patch


SPEC_EXEMPTIONS: dict[str, Exemption] = {
    "error-content-json": Exemption(
        "Error answers are declared with media type */*, which a checker cannot parse; "
        "HubSpot sends them as application/json.",
        _json_error_content,
    ),
    "no-content-204": Exemption(
        "204 answers declare an empty content map, which a checker reads as a body that must "
        "be present; HubSpot's 204 answers have no body.",
        _no_content_without_body,
    ),
    "search-request-fields-optional": Exemption(
        "PublicObjectSearchRequest requires after, filterGroups, limit, properties and sorts; "
        "the live API requires none of them (the search guide's examples omit most).",
        _set_required([], "PublicObjectSearchRequest"),
    ),
    "search-sorts-objects": Exemption(
        "PublicObjectSearchRequest.sorts is typed as a list of strings; the search guide sends "
        "{propertyName, direction} objects, which the live API accepts.",
        _sorts_as_objects,
    ),
    "batch-read-fields-optional": Exemption(
        "BatchReadInputSimplePublicObjectId requires properties and propertiesWithHistory; "
        "the live API needs only inputs.",
        _set_required(["inputs"], "BatchReadInputSimplePublicObjectId"),
    ),
    "create-associations-optional": Exemption(
        "SimplePublicObjectInputForCreate and SimplePublicObjectBatchInputForCreate require "
        "associations; the live API creates contacts without them.",
        _set_required(
            ["properties"],
            "SimplePublicObjectInputForCreate",
            "SimplePublicObjectBatchInputForCreate",
        ),
    ),
    "null-property-values": Exemption(
        "Object properties are typed as strings; the live API answers null for a requested "
        "property that has no value.",
        _nullable_property_values,
    ),
    "multi-status-error-fields": Exemption(
        "StandardError (an entry of a 207 answer's errors) requires context, errors and links; "
        "HubSpot's documented multi-status answer has only status, category, message and "
        "context, and OBJECT_NOT_FOUND entries of batch reads look the same.",
        _set_required(["status", "category", "message"], "StandardError"),
    ),
    "rate-limit-429-body": Exemption(
        "The ten-second, per-second and daily 429 bodies carry errorType, policyName and "
        "groupName instead of the category the spec's Error requires.",
        _error_response("429", "RateLimitError", ["message", "correlationId"], "/crm/"),
    ),
    "not-found-404-body": Exemption(
        'A contact id that does not exist gets 404 {"status":"error","message":"resource not '
        'found","correlationId":...} without the category the spec\'s Error requires.',
        _error_response(
            "404", "NotFoundError", ["message", "correlationId"], "/crm/v3/objects/contacts/"
        ),
    ),
    "account-info-unchecked": Exemption(
        "The account-info API (daily usage) has no spec document here; its exchanges are "
        "not checked.",
        unchecked_prefix="/account-info/",
    ),
}


def exemptions_markdown() -> str:
    """The text of SPEC_EXEMPTIONS.md, generated from SPEC_EXEMPTIONS."""
    lines = [
        "# Exemptions from HubSpot's OpenAPI documents",
        "",
        "Exchanges with the sandbox (and whatever else is journaled) are checked against the",
        "official documents `crm-contacts-v3.json` and `crm-properties-v3.json`. Where the",
        "documents are stricter than the live API or wrong, the check is relaxed as listed",
        "here, once per departure. `sandbox/tests/openapi.py` holds the same list as",
        "`SPEC_EXEMPTIONS`; a test keeps this file equal to it.",
        "",
    ]
    for name, exemption in SPEC_EXEMPTIONS.items():
        lines.append(f"- **{name}**: {exemption.reason}")
    return "\n".join(lines) + "\n"


@cache
def _openapi(file_name: str) -> OpenAPI:
    spec = json.loads((SPECS_DIR / file_name).read_text())
    for exemption in SPEC_EXEMPTIONS.values():
        if exemption.patch is not None:
            exemption.patch(spec)
    return OpenAPI.from_dict(spec)


def spec_for(path: str) -> str | None:
    """The spec document that describes `path`, if any."""
    for file_name, prefix in SPEC_FILES.items():
        if path.startswith(prefix):
            return file_name
    return None


def is_unchecked(path: str) -> bool:
    """Whether an exemption leaves exchanges under `path` unchecked."""
    return any(
        e.unchecked_prefix and path.startswith(e.unchecked_prefix) for e in SPEC_EXEMPTIONS.values()
    )


def _describe(error: BaseException) -> str:
    """An openapi-core error with the schema errors that caused it."""
    parts = [f"{type(error).__name__}: {error}"]
    cause = error.__cause__
    while cause is not None:
        parts.append(f"{type(cause).__name__}: {cause}")
        parts.extend(f"  - {e.message}" for e in getattr(cause, "schema_errors", ()))
        cause = cause.__cause__
    return "\n".join(parts)


def _content_type(headers: dict[str, str]) -> str:
    lowered = {name.lower(): value for name, value in headers.items()}
    return lowered.get("content-type", "application/json")


def _as_bytes(body: Any) -> bytes | None:
    return None if body is None else json.dumps(body).encode()


def validate_exchange(exchange: Exchange) -> None:
    """Raises AssertionError when the request or the answer departs from the spec."""
    if is_unchecked(exchange.path):
        return
    file_name = spec_for(exchange.path)
    if file_name is None:
        raise AssertionError(f"No HubSpot spec covers {exchange.method} {exchange.path}")
    request = MockRequest(
        SPEC_HOST,
        exchange.method,
        exchange.path,
        args=exchange.query,
        headers=exchange.headers,
        data=_as_bytes(exchange.request_body),
        content_type=_content_type(exchange.headers),
    )
    response = MockResponse(
        _as_bytes(exchange.response_body) or b"",
        status_code=exchange.status,
        headers=exchange.response_headers,
        content_type=_content_type(exchange.response_headers),
    )
    openapi = _openapi(file_name)
    where = f"{exchange.method} {exchange.path} -> {exchange.status}"
    with warnings.catch_warnings():
        # openapi-core cannot check the oauth2 scheme; the sandbox checks the token itself.
        warnings.filterwarnings("ignore", message="Unsupported scheme type")
        try:
            openapi.validate_request(request)
        except Exception as error:
            raise AssertionError(f"request {where}\n{_describe(error)}") from error
        try:
            openapi.validate_response(request, response)
        except Exception as error:
            raise AssertionError(f"response {where}\n{_describe(error)}") from error


def assert_valid_exchanges(journal: Iterable[Exchange]) -> None:
    """Checks every exchange and reports all departures at once."""
    failures = []
    for exchange in journal:
        try:
            validate_exchange(exchange)
        except AssertionError as failure:
            failures.append(str(failure))
    assert not failures, f"{len(failures)} exchanges depart from the spec:\n\n" + "\n\n".join(
        failures
    )
