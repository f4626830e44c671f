"""The portal's contact property definitions and groups, and the check of written values."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from hubsync_sandbox.hubspot.errors import PropertyIssue
from hubsync_sandbox.hubspot.rules.values import (
    MAX_STRING_LENGTH,
    format_date,
    format_instant,
    is_midnight_utc,
    is_number,
    is_plausible_email,
    is_within_string_limit,
    now_ms,
    parse_timestamp_ms,
)

LIFECYCLE_STAGES = (
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
)
LEAD_STATUSES = (
    ("NEW", "New"),
    ("OPEN", "Open"),
    ("IN_PROGRESS", "In Progress"),
    ("OPEN_DEAL", "Open Deal"),
    ("UNQUALIFIED", "Unqualified"),
    ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
    ("CONNECTED", "Connected"),
    ("BAD_TIMING", "Bad Timing"),
)
REFERRER_STATUS = ("REFERRER", "Referrer")
# A contact's other e-mail addresses, and the ids of contacts merged into it: both hold
# semicolon-separated values, as HubSpot's multi-value properties do.
ADDITIONAL_EMAILS = "hs_additional_emails"
MERGED_OBJECT_IDS = "hs_merged_object_ids"

# Properties every contact answer carries when the caller names none.
DEFAULT_READ_PROPERTIES = (
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
)
# Properties added to every answer that names its properties.
ALWAYS_READ_PROPERTIES = ("createdate", "hs_object_id", "lastmodifieddate")

PROPERTY_TYPES = ("bool", "date", "datetime", "enumeration", "number", "phone_number", "string")
FIELD_TYPES_BY_TYPE = {
    "bool": {"booleancheckbox"},
    "date": {"date"},
    "datetime": {"date"},
    "enumeration": {"booleancheckbox", "checkbox", "radio", "select"},
    "number": {"number", "calculation_equation"},
    "phone_number": {"phonenumber"},
    "string": {"text", "textarea", "html", "file", "phonenumber"},
}
MAX_UNIQUE_PROPERTIES = 10


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    display_order: int
    hidden: bool = False
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": self.value,
            "description": self.description,
            "displayOrder": self.display_order,
            "hidden": self.hidden,
        }


@dataclass(frozen=True)
class PropertyDefinition:
    name: str
    label: str
    type: str
    field_type: str
    group_name: str
    options: tuple[Option, ...] = ()
    has_unique_value: bool = False
    read_only_value: bool = False
    read_only_definition: bool = False
    calculated: bool = False
    hubspot_defined: bool = True
    hidden: bool = False
    form_field: bool = True
    description: str = ""
    display_order: int = -1
    created_at_ms: int = field(default_factory=now_ms)
    updated_at_ms: int = field(default_factory=now_ms)

    def option_rank(self, value: str) -> int:
        """Position of an option, the order of lifecycle stages."""
        for rank, option in enumerate(self.options):
            if option.value == value:
                return rank
        return -1

    def to_json(self) -> dict[str, Any]:
        return {
            "updatedAt": format_instant(self.updated_at_ms),
            "createdAt": format_instant(self.created_at_ms),
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": [option.to_json() for option in self.options],
            "displayOrder": self.display_order,
            "calculated": self.calculated,
            "externalOptions": False,
            "hasUniqueValue": self.has_unique_value,
            "hidden": self.hidden,
            "hubspotDefined": self.hubspot_defined,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.read_only_definition,
                "readOnlyOptions": self.read_only_definition,
                "readOnlyValue": self.read_only_value,
            },
            "formField": self.form_field,
            "archived": False,
        }


@dataclass(frozen=True)
class PropertyGroup:
    name: str
    label: str
    display_order: int = -1

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "displayOrder": self.display_order,
            "archived": False,
        }


def options_from(pairs: tuple[tuple[str, str], ...]) -> tuple[Option, ...]:
    return tuple(Option(value, label, order) for order, (value, label) in enumerate(pairs))


_TRUE_FALSE = options_from((("true", "Yes"), ("false", "No")))

DEFAULT_GROUPS = (
    PropertyGroup("contactinformation", "Contact information", 0),
    PropertyGroup("emailinformation", "Email information", 1),
    PropertyGroup("contact_activity", "Contact activity", 2),
    PropertyGroup("conversioninformation", "Conversion information", 3),
    PropertyGroup("sales_properties", "Sales properties", 4),
    PropertyGroup("analyticsinformation", "Web analytics history", 5),
)


def _text(name: str, label: str, field_type: str = "text") -> PropertyDefinition:
    return PropertyDefinition(name, label, "string", field_type, "contactinformation")


def _read_only(definition: PropertyDefinition) -> PropertyDefinition:
    return replace(definition, read_only_value=True, read_only_definition=True, form_field=False)


def default_properties(referrer_option: bool) -> list[PropertyDefinition]:
    """HubSpot's built-in contact properties the sandbox portal starts with."""
    lead_statuses = LEAD_STATUSES + ((REFERRER_STATUS,) if referrer_option else ())
    return [
        _text("email", "Email"),
        _text("firstname", "First Name"),
        _text("lastname", "Last Name"),
        _text("phone", "Phone Number", field_type="phonenumber"),
        _text("mobilephone", "Mobile Phone Number", field_type="phonenumber"),
        _text("company", "Company Name"),
        _text("jobtitle", "Job Title"),
        _text("website", "Website URL"),
        _text("address", "Street Address"),
        _text("city", "City"),
        _text("state", "State/Region"),
        _text("zip", "Postal Code"),
        _text("country", "Country/Region"),
        PropertyDefinition(
            "lifecyclestage",
            "Lifecycle Stage",
            "enumeration",
            "radio",
            "contactinformation",
            options=options_from(LIFECYCLE_STAGES),
        ),
        PropertyDefinition(
            "hs_lead_status",
            "Lead Status",
            "enumeration",
            "radio",
            "sales_properties",
            options=options_from(lead_statuses),
        ),
        _read_only(
            PropertyDefinition(
                "createdate", "Create Date", "datetime", "date", "contactinformation"
            )
        ),
        _read_only(
            PropertyDefinition(
                "lastmodifieddate", "Last Modified Date", "datetime", "date", "contactinformation"
            )
        ),
        _read_only(
            PropertyDefinition(
                "hs_object_id",
                "Record ID",
                "number",
                "number",
                "contactinformation",
                calculated=True,
            )
        ),
        _read_only(
            PropertyDefinition(
                "hs_marketable_status",
                "Marketing contact status",
                "enumeration",
                "booleancheckbox",
                "contactinformation",
                options=_TRUE_FALSE,
                calculated=True,
            )
        ),
        _read_only(
            PropertyDefinition(
                "hs_marketable_until_renewal",
                "Marketing contact until next update",
                "enumeration",
                "booleancheckbox",
                "contactinformation",
                options=_TRUE_FALSE,
                calculated=True,
            )
        ),
        _read_only(_text("hs_marketable_reason_type", "Marketing contact status source type")),
        _read_only(_text("hs_marketable_reason_id", "Marketing contact status source name")),
        _read_only(_text(ADDITIONAL_EMAILS, "Additional email addresses", "textarea")),
        _read_only(
            PropertyDefinition(
                MERGED_OBJECT_IDS,
                "Merged Contact IDs",
                "enumeration",
                "checkbox",
                "contactinformation",
                calculated=True,
            )
        ),
    ]


def split_values(value: str | None) -> list[str]:
    """The values of a semicolon-separated property, in order, without blanks."""
    return [part for part in (value or "").split(";") if part]


class PropertyCatalog:
    """The property definitions of one portal. Not locked: its owner holds the lock."""

    def __init__(self, referrer_option: bool) -> None:
        self._groups = {group.name: group for group in DEFAULT_GROUPS}
        self._properties = {p.name: p for p in default_properties(referrer_option)}

    def get(self, name: str) -> PropertyDefinition | None:
        return self._properties.get(name)

    def all(self) -> list[PropertyDefinition]:
        return list(self._properties.values())

    def unique_names(self) -> list[str]:
        return [p.name for p in self._properties.values() if p.has_unique_value]

    def groups(self) -> list[PropertyGroup]:
        return list(self._groups.values())

    def group(self, name: str) -> PropertyGroup | None:
        return self._groups.get(name)

    def add_group(self, group: PropertyGroup) -> None:
        self._groups[group.name] = group

    def put(self, definition: PropertyDefinition) -> None:
        self._properties[definition.name] = definition

    def check_values(
        self, values: dict[str, str], *, allow_read_only: frozenset[str] = frozenset()
    ) -> tuple[dict[str, str], list[PropertyIssue]]:
        """Normalizes written values the way HubSpot stores them, and lists the bad ones."""
        normalized: dict[str, str] = {}
        issues: list[PropertyIssue] = []
        for name, value in values.items():
            definition = self._properties.get(name)
            if definition is None:
                issues.append(
                    PropertyIssue(
                        name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'
                    )
                )
            elif definition.read_only_value and name not in allow_read_only:
                message = f'"{name}" is a calculated property; its value cannot be set.'
                issues.append(PropertyIssue(name, "READ_ONLY_VALUE", message, value))
            elif value == "":
                normalized[name] = ""
            else:
                stored, issue = _normalize(definition, value)
                if issue is None:
                    normalized[name] = stored
                else:
                    issues.append(issue)
        return normalized, issues


def _normalize(definition: PropertyDefinition, value: str) -> tuple[str, PropertyIssue | None]:
    name, kind = definition.name, definition.type
    if name in ("email", ADDITIONAL_EMAILS):
        return _normalize_emails(name, value)
    if kind == "number":
        if is_number(value):
            return value, None
        return value, PropertyIssue(
            name, "INVALID_INTEGER", f"{value} was not a valid number.", value
        )
    if kind in ("datetime", "date"):
        return _normalize_time(definition, value)
    if kind == "bool":
        if value.lower() in ("true", "false"):
            return value.lower(), None
        return value, PropertyIssue(
            name, "INVALID_BOOLEAN", f"{value} was not a valid boolean.", value
        )
    if kind == "enumeration":
        return _normalize_option(definition, value)
    if kind == "string" and not is_within_string_limit(value):
        # HubSpot refuses the value (VALIDATION_ERROR); its exact error code is undocumented.
        message = f"{name} is longer than {MAX_STRING_LENGTH} characters."
        return value, PropertyIssue(name, "MAX_LENGTH_EXCEEDED", message)
    return value, None


def _normalize_emails(name: str, value: str) -> tuple[str, PropertyIssue | None]:
    """E-mails are stored trimmed and lower case: HubSpot matches them without case."""
    parts = value.split(";") if name == ADDITIONAL_EMAILS else [value]
    emails = [part.strip().lower() for part in parts if part.strip()]
    if emails and all(is_plausible_email(email) for email in emails):
        return ";".join(emails), None
    return value, PropertyIssue(name, "INVALID_EMAIL", f"Email address {value} is invalid", value)


def _normalize_time(definition: PropertyDefinition, value: str) -> tuple[str, PropertyIssue | None]:
    ms = parse_timestamp_ms(value)
    if ms is None:
        return value, PropertyIssue(
            definition.name, "INVALID_LONG", f"{value} was not a valid long.", value
        )
    if definition.type == "datetime":
        return format_instant(ms), None
    if not is_midnight_utc(ms):
        message = f"{value} is not a valid date: date properties must be set to midnight UTC."
        return value, PropertyIssue(definition.name, "INVALID_DATE", message, value)
    return format_date(ms), None


def _normalize_option(
    definition: PropertyDefinition, value: str
) -> tuple[str, PropertyIssue | None]:
    allowed = {option.value for option in definition.options}
    chosen = value.split(";") if definition.field_type == "checkbox" else [value]
    if all(choice in allowed for choice in chosen):
        return value, None
    listing = ", ".join(
        f'label: "{o.label}"\nvalue: "{o.value}"\ndisplay_order: {o.display_order}\n'
        f"hidden: {str(o.hidden).lower()}\nread_only: false\n"
        for o in definition.options
    )
    message = f"{value} was not one of the allowed options: [{listing}]"
    return value, PropertyIssue(definition.name, "INVALID_OPTION", message, value)
