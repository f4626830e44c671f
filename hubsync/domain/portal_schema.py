"""Does the HubSpot portal have the contact properties hubsync writes, in the shape it needs?

Pure: compares HubSpot's property definitions (plain dicts, as the Properties API returns
them) with the table of managed properties (`properties.py`), and says for each finding
whether `schema apply` can fix it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hubsync.domain.properties import (
    CONTACT_PROPERTIES,
    CUSTOM_GROUP,
    LEAD_STATUS,
    LEAD_STATUS_REFERRER,
    LIFECYCLE_CUSTOMER,
    LIFECYCLE_STAGE,
    PropertySpec,
    PropertyTable,
)

Definition = Mapping[str, Any]

REFERRER_LABEL = "Referrer"
# HubSpot's checkbox properties (type bool) are created with their two options.
BOOLEAN_OPTIONS = [
    {"label": "Yes", "value": "true", "displayOrder": 0, "hidden": False},
    {"label": "No", "value": "false", "displayOrder": 1, "hidden": False},
]


class FindingKind(StrEnum):
    OK = "ok"
    MISSING = "missing"
    WRONG_TYPE = "wrong_type"
    NOT_UNIQUE = "not_unique"
    MISSING_OPTION = "missing_option"
    MISSING_GROUP = "missing_group"


@dataclass(frozen=True, slots=True)
class SchemaFinding:
    name: str  # the property (or, for MISSING_GROUP, the property group)
    kind: FindingKind
    detail: str
    fixable: bool  # `schema apply` can fix it
    spec: PropertySpec | None = None
    option: str | None = None  # the missing option value, for MISSING_OPTION

    @property
    def ok(self) -> bool:
        return self.kind is FindingKind.OK


def compare_schema(
    definitions: Sequence[Definition],
    key_property: str,
    table: PropertyTable = CONTACT_PROPERTIES,
) -> list[SchemaFinding]:
    """One finding per managed property, the first problem found or OK."""
    by_name = {definition.get("name"): definition for definition in definitions}
    return [_check(spec, by_name.get(spec.name)) for spec in table.specs(key_property)]


def readiness_problem(findings: Sequence[SchemaFinding]) -> str | None:
    """What keeps a sync from running on this portal, in one line; None when it is ready.

    Every finding counts: a missing property or option fails the writes that need it, and a
    key property that is not unique lets an upsert land on whichever contact has the value.
    """
    problems = [finding for finding in findings if not finding.ok]
    by_hand = [f"{finding.name}: {finding.detail}" for finding in problems if not finding.fixable]
    fixable = [finding.name for finding in problems if finding.fixable]
    if fixable:
        by_hand.append(f"missing or incomplete: {', '.join(fixable)} (run `hubsync schema apply`)")
    return "; ".join(by_hand) or None


def compare_group(group_names: Collection[str]) -> SchemaFinding:
    """hubsync creates its own properties in CUSTOM_GROUP, which must therefore exist."""
    if CUSTOM_GROUP in group_names:
        return SchemaFinding(CUSTOM_GROUP, FindingKind.OK, "property group exists", fixable=False)
    return SchemaFinding(
        CUSTOM_GROUP,
        FindingKind.MISSING_GROUP,
        "property group is missing; hubsync creates its properties in it",
        fixable=True,
    )


def _check(spec: PropertySpec, definition: Definition | None) -> SchemaFinding:
    if definition is None:
        return _missing(spec)
    if definition.get("type") != spec.type:
        return _wrong_type(spec, str(definition.get("type")))
    if spec.unique and not definition.get("hasUniqueValue"):
        return _not_unique(spec)
    if spec.name == LEAD_STATUS and not _has_option(definition, LEAD_STATUS_REFERRER):
        return _missing_referrer(spec, definition)
    if spec.name == LIFECYCLE_STAGE and not _has_option(definition, LIFECYCLE_CUSTOMER):
        return _missing_customer_stage(spec)
    return SchemaFinding(spec.name, FindingKind.OK, f"{spec.type}, as needed", False, spec)


def _missing(spec: PropertySpec) -> SchemaFinding:
    if spec.builtin:
        detail = (
            "HubSpot default property is not visible: check that the app has the "
            "crm.schemas.contacts.read scope; hubsync cannot create HubSpot's own properties"
        )
        return SchemaFinding(spec.name, FindingKind.MISSING, detail, False, spec)
    unique = ", unique" if spec.unique else ""
    detail = f"not in the portal; `schema apply` creates it ({spec.type}/{spec.field_type}{unique})"
    return SchemaFinding(spec.name, FindingKind.MISSING, detail, True, spec)


def _wrong_type(spec: PropertySpec, actual: str) -> SchemaFinding:
    detail = (
        f"is of type {actual} in HubSpot but hubsync writes {spec.type}: change the "
        "property's field type in HubSpot, or archive it (its values are lost) and run "
        "`schema apply` to recreate it"
    )
    return SchemaFinding(spec.name, FindingKind.WRONG_TYPE, detail, False, spec)


def _not_unique(spec: PropertySpec) -> SchemaFinding:
    detail = (
        "exists but is not unique (hasUniqueValue is false), so contacts cannot be upserted "
        "by it, and HubSpot cannot make an existing property unique. Either create a new "
        "unique property: set HUBSYNC_KEY_PROPERTY to a new name and run `schema apply`; or "
        f"archive {spec.name} in HubSpot (its values are lost) and run `schema apply` to "
        "recreate it as unique"
    )
    return SchemaFinding(spec.name, FindingKind.NOT_UNIQUE, detail, False, spec)


def _missing_referrer(spec: PropertySpec, definition: Definition) -> SchemaFinding:
    metadata = definition.get("modificationMetadata") or {}
    if metadata.get("readOnlyOptions"):
        detail = (
            f"has no {LEAD_STATUS_REFERRER} option and HubSpot marks its options read-only: "
            "add the option in HubSpot (Settings > Properties > Lead Status)"
        )
        return SchemaFinding(
            spec.name, FindingKind.MISSING_OPTION, detail, False, spec, LEAD_STATUS_REFERRER
        )
    detail = f"has no {LEAD_STATUS_REFERRER} option; `schema apply` adds it"
    return SchemaFinding(
        spec.name, FindingKind.MISSING_OPTION, detail, True, spec, LEAD_STATUS_REFERRER
    )


def _missing_customer_stage(spec: PropertySpec) -> SchemaFinding:
    # Lifecycle stages are a pipeline edited in HubSpot's settings, not a plain option list.
    detail = (
        f"has no {LIFECYCLE_CUSTOMER!r} stage: restore it in HubSpot "
        "(Settings > Objects > Contacts > Lifecycle stage); hubsync does not edit the pipeline"
    )
    return SchemaFinding(
        spec.name, FindingKind.MISSING_OPTION, detail, False, spec, LIFECYCLE_CUSTOMER
    )


def _has_option(definition: Definition, value: str) -> bool:
    return any(option.get("value") == value for option in definition.get("options") or [])


def property_create_body(spec: PropertySpec) -> dict[str, Any]:
    """HubSpot's JSON for creating a managed property in hubsync's group."""
    return {
        "name": spec.name,
        "label": spec.label,
        "type": spec.type,
        "fieldType": spec.field_type,
        "groupName": CUSTOM_GROUP,
        "hasUniqueValue": spec.unique,
        **({"options": BOOLEAN_OPTIONS} if spec.type == "bool" else {}),
    }


def options_with_referrer(definition: Definition) -> list[dict[str, Any]]:
    """hs_lead_status's full option list plus REFERRER (HubSpot replaces the whole list)."""
    options = [dict(option) for option in definition.get("options") or []]
    orders = [
        option["displayOrder"] for option in options if option.get("displayOrder") is not None
    ]
    referrer = {
        "value": LEAD_STATUS_REFERRER,
        "label": REFERRER_LABEL,
        "hidden": False,
        "displayOrder": max(orders, default=-1) + 1,
    }
    return [*options, referrer]
