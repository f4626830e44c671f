"""The contact properties endpoints: definitions and groups."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from hubsync_sandbox.hubspot.errors import SandboxHubSpotError, validation_error
from hubsync_sandbox.hubspot.routes.base import (
    ApiRequest,
    ApiResponse,
    Route,
    require_object,
    require_string,
)
from hubsync_sandbox.hubspot.rules.properties import (
    FIELD_TYPES_BY_TYPE,
    MAX_UNIQUE_PROPERTIES,
    PROPERTY_TYPES,
    Option,
    PropertyDefinition,
    PropertyGroup,
)
from hubsync_sandbox.hubspot.rules.values import now_ms
from hubsync_sandbox.hubspot.store import SandboxStore

PROPERTIES = "/crm/v3/properties/{objectType}"
CONTACT_OBJECT_TYPES = ("contacts", "0-1")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
UNIQUE_VALUE_TYPES = ("string", "number")


def list_properties(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    _require_contacts(request)
    if request.query_flag("archived"):
        return ApiResponse(200, {"results": []})
    return ApiResponse(200, {"results": store.property_definitions()})


def get_property(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    _require_contacts(request)
    with store.lock:
        return ApiResponse(200, _existing(store, request.path_params["propertyName"]).to_json())


def create_property(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    _require_contacts(request)
    body = require_object(request.body)
    with store.lock:
        definition = _new_definition(store, body)
        if store.catalog.get(definition.name) is not None:
            raise SandboxHubSpotError(
                409, f"Property named '{definition.name}' already exists.", "OBJECT_ALREADY_EXISTS"
            )
        store.add_property(definition)
        return ApiResponse(201, definition.to_json())


def update_property(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    _require_contacts(request)
    body = require_object(request.body)
    with store.lock:
        current = _existing(store, request.path_params["propertyName"])
        updated = _updated_definition(store, current, body)
        store.add_property(updated)
        return ApiResponse(200, updated.to_json())


def list_groups(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    _require_contacts(request)
    with store.lock:
        return ApiResponse(200, {"results": [g.to_json() for g in store.catalog.groups()]})


def create_group(store: SandboxStore, request: ApiRequest) -> ApiResponse:
    _require_contacts(request)
    body = require_object(request.body)
    name, label = require_string(body, "name"), require_string(body, "label")
    if not _NAME.match(name):
        raise validation_error(f"Group name {name!r} must be lower case letters, digits and _.")
    group = PropertyGroup(name, label, _int(body, "displayOrder", -1))
    with store.lock:
        if store.catalog.group(name) is not None:
            raise SandboxHubSpotError(
                409, f"Property group named '{name}' already exists.", "OBJECT_ALREADY_EXISTS"
            )
        store.catalog.add_group(group)
    return ApiResponse(201, group.to_json())


def _new_definition(store: SandboxStore, body: dict[str, Any]) -> PropertyDefinition:
    name = require_string(body, "name")
    if not _NAME.match(name):
        raise validation_error(
            f"Property name {name!r} must start with a lower case letter and hold only "
            "lower case letters, digits and _."
        )
    kind, field_type = require_string(body, "type"), require_string(body, "fieldType")
    _raise_for_bad_type(kind, field_type)
    unique = body.get("hasUniqueValue", False) is True
    if unique:
        _raise_for_bad_unique(store, kind)
    now = now_ms()
    return PropertyDefinition(
        name=name,
        label=require_string(body, "label"),
        type=kind,
        field_type=field_type,
        group_name=_existing_group(store, require_string(body, "groupName")),
        options=_options(body.get("options")) if kind == "enumeration" else (),
        has_unique_value=unique,
        hubspot_defined=False,
        hidden=body.get("hidden", False) is True,
        form_field=body.get("formField", True) is not False,
        description=str(body.get("description") or ""),
        display_order=_int(body, "displayOrder", -1),
        created_at_ms=now,
        updated_at_ms=now,
    )


def _updated_definition(
    store: SandboxStore, current: PropertyDefinition, body: dict[str, Any]
) -> PropertyDefinition:
    if current.read_only_definition:
        raise validation_error(f"The definition of the property {current.name} is read-only.")
    if "hasUniqueValue" in body and body["hasUniqueValue"] != current.has_unique_value:
        raise validation_error("hasUniqueValue cannot be changed once a property exists.")
    kind = body.get("type", current.type)
    field_type = body.get("fieldType", current.field_type)
    if kind != current.type and current.hubspot_defined:
        raise validation_error(f"The type of the HubSpot property {current.name} cannot change.")
    _raise_for_bad_type(kind, field_type)
    options = _options(body["options"]) if "options" in body else current.options
    return replace(
        current,
        label=body.get("label", current.label),
        description=str(body.get("description", current.description)),
        group_name=_existing_group(store, body.get("groupName", current.group_name)),
        type=kind,
        field_type=field_type,
        options=options if kind == "enumeration" else (),
        hidden=body.get("hidden", current.hidden) is True,
        form_field=body.get("formField", current.form_field) is not False,
        display_order=_int(body, "displayOrder", current.display_order),
        updated_at_ms=now_ms(),
    )


def _raise_for_bad_type(kind: Any, field_type: Any) -> None:
    if kind not in PROPERTY_TYPES:
        raise validation_error(
            f"{kind!r} is not a valid property type: {', '.join(PROPERTY_TYPES)}."
        )
    if field_type not in FIELD_TYPES_BY_TYPE[kind]:
        allowed = ", ".join(sorted(FIELD_TYPES_BY_TYPE[kind]))
        raise validation_error(f"fieldType {field_type!r} does not fit type {kind}: use {allowed}.")


def _raise_for_bad_unique(store: SandboxStore, kind: str) -> None:
    if kind not in UNIQUE_VALUE_TYPES:
        raise validation_error(f"Only {' and '.join(UNIQUE_VALUE_TYPES)} properties can be unique.")
    if len(store.catalog.unique_names()) >= MAX_UNIQUE_PROPERTIES:
        raise validation_error(
            f"An object can have at most {MAX_UNIQUE_PROPERTIES} properties with unique values."
        )


def _options(raw: Any) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        raise validation_error("An enumeration property needs a non-empty list of options.")
    options = []
    for order, item in enumerate(raw):
        item = require_object(item, "Each option")
        options.append(
            Option(
                value=require_string(item, "value"),
                label=require_string(item, "label"),
                display_order=_int(item, "displayOrder", order),
                hidden=item.get("hidden", False) is True,
                description=str(item.get("description") or ""),
            )
        )
    values = [option.value for option in options]
    if len(set(values)) != len(values):
        raise validation_error("Option values must be unique.")
    return tuple(options)


def _int(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise validation_error(f"{name} must be an integer.")
    return value


def _existing(store: SandboxStore, name: str) -> PropertyDefinition:
    definition = store.catalog.get(name)
    if definition is None:
        raise SandboxHubSpotError(404, f"Property {name} does not exist", "OBJECT_NOT_FOUND")
    return definition


def _existing_group(store: SandboxStore, name: str) -> str:
    if store.catalog.group(name) is None:
        raise validation_error(f"Property group {name} does not exist.")
    return name


def _require_contacts(request: ApiRequest) -> None:
    object_type = request.path_params["objectType"]
    if object_type not in CONTACT_OBJECT_TYPES:
        raise SandboxHubSpotError(
            404, f"The sandbox emulates contacts only, not {object_type}.", "OBJECT_NOT_FOUND"
        )


ROUTES = (
    Route("GET", PROPERTIES, list_properties),
    Route("POST", PROPERTIES, create_property),
    Route("GET", PROPERTIES + "/groups", list_groups),
    Route("POST", PROPERTIES + "/groups", create_group),
    Route("GET", PROPERTIES + "/{propertyName}", get_property),
    Route("PATCH", PROPERTIES + "/{propertyName}", update_property),
)
