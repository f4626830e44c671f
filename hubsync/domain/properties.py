"""The HubSpot contact properties hubsync writes, and what each must look like in the portal."""

from __future__ import annotations

from dataclasses import dataclass

CUSTOM_GROUP = "contactinformation"

LIFECYCLE_STAGE = "lifecyclestage"
LEAD_STATUS = "hs_lead_status"
LIFECYCLE_CUSTOMER = "customer"
LEAD_STATUS_CONNECTED = "CONNECTED"
LEAD_STATUS_REFERRER = "REFERRER"


@dataclass(frozen=True, slots=True)
class PropertySpec:
    """One contact property as hubsync needs it to exist in HubSpot."""

    name: str
    label: str
    type: str  # HubSpot property type: string, number, datetime, enumeration, ...
    field_type: str
    unique: bool = False
    builtin: bool = False  # a HubSpot default property: checked, never created


# Properties hubsync owns (it may write and compare them). The key property is added by
# `managed_properties()` because its name is a setting.
_OWN_PROPERTIES: tuple[PropertySpec, ...] = (
    PropertySpec("email", "Email", "string", "text", builtin=True),
    PropertySpec(LIFECYCLE_STAGE, "Lifecycle Stage", "enumeration", "radio", builtin=True),
    PropertySpec(LEAD_STATUS, "Lead Status", "enumeration", "radio", builtin=True),
    PropertySpec("channel_title", "Channel title", "string", "text"),
    PropertySpec("channel_url", "Channel URL", "string", "text"),
    PropertySpec("total_subscribers", "Total subscribers", "number", "number"),
    PropertySpec("videoscount", "Videos count", "number", "number"),
    PropertySpec("date_signed_up_to_ypp", "Date signed up to YPP", "datetime", "date"),
    PropertySpec("dateytchannelcreated", "Date YouTube channel created", "datetime", "date"),
    PropertySpec("processed_at", "YPP processed at", "datetime", "date"),
    PropertySpec("yppstatus", "YPP status", "string", "text"),
    PropertySpec("referredby", "Referred by (Gleev channel id)", "string", "text"),
    PropertySpec("videocategoryid", "Video category id", "string", "text"),
    PropertySpec("synccategoryname", "Sync category name", "string", "text"),
    PropertySpec("hubsync_flag", "hubsync flag", "string", "text"),
)


# Contact properties HubSpot itself defines besides the builtin ones hubsync writes: those
# every contact answer carries.
_HUBSPOT_DEFAULTS = ("createdate", "firstname", "hs_object_id", "lastmodifieddate", "lastname")
# HubSpot's namespace for the properties it defines: lifecycle, lead status, object id, ...
_HUBSPOT_PREFIX = "hs_"


def key_property_problem(name: str) -> str | None:
    """Why `name` can never be the key property, or None.

    The key property must be a custom property of hubsync's own: one of HubSpot's properties
    is never unique (or, like hs_object_id, never writable), and one hubsync already writes
    would be overwritten with Gleev ids.
    """
    builtin = {spec.name for spec in _OWN_PROPERTIES if spec.builtin}
    if name in builtin or name in _HUBSPOT_DEFAULTS or name.startswith(_HUBSPOT_PREFIX):
        return f"{name} is one of HubSpot's own contact properties, which can never be the key"
    if any(spec.name == name for spec in _OWN_PROPERTIES):
        return f"{name} is a property hubsync already writes, so it cannot also be the key"
    return None


def key_property_spec(name: str) -> PropertySpec:
    """The unique property that keys contacts without an e-mail (default gleev_channel_id)."""
    return PropertySpec(name, "Gleev channel id", "string", "text", unique=True)


def managed_properties(key_property: str) -> tuple[PropertySpec, ...]:
    return (*_OWN_PROPERTIES, key_property_spec(key_property))


def managed_property_names(key_property: str) -> tuple[str, ...]:
    return tuple(spec.name for spec in managed_properties(key_property))
