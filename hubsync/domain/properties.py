"""The HubSpot contact properties hubsync writes: one table, the single place each is declared.

Each row says what the property is in HubSpot (name, type, field type), which attributes of
the channels table it reads, and how its value is derived from the parsed channel. Everything
else is derived from the table, in its order: a contact's property names and values
(`target.py`), the portal schema `schema check` and `schema apply` compare and create
(`portal_schema.py`), the DynamoDB projection and the attributes an IAM policy must allow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from hubsync.domain.categories import SYNC_CATEGORY_NAMES
from hubsync.domain.channel import Channel

CUSTOM_GROUP = "contactinformation"

EMAIL = "email"
LIFECYCLE_STAGE = "lifecyclestage"
LEAD_STATUS = "hs_lead_status"
FLAG = "hubsync_flag"
MARKETING_WANTED = "hubsync_marketing_wanted"
DEFAULT_KEY_PROPERTY = "gleev_channel_id"
LIFECYCLE_CUSTOMER = "customer"
LEAD_STATUS_CONNECTED = "CONNECTED"
LEAD_STATUS_REFERRER = "REFERRER"

ChannelValue = Callable[[Channel], str]
ReferrerValue = Callable[[int], str]  # from the referrer's Gleev id: all that is known of it


@dataclass(frozen=True, slots=True)
class PropertySpec:
    """One contact property hubsync writes: what it must be in HubSpot, and where its value
    comes from."""

    name: str
    label: str
    type: str  # HubSpot property type: string, number, datetime, enumeration, ...
    field_type: str
    reads: tuple[str, ...] = ()  # the channels table's attributes its value comes from
    # A signed-up channel's value; None for the one the planner decides (the channel's flags).
    customer: ChannelValue | None = None
    referrer: ReferrerValue | None = None  # a referrer's value; None: not written for referrers
    unique: bool = False
    builtin: bool = False  # a HubSpot default property: checked, never created
    key: bool = False  # the key property: its name is a setting (HUBSYNC_KEY_PROPERTY)
    # Written only when hubsync creates the contact (its value is decided then, see
    # marketing.py), never compared or updated: not part of the contact's hash.
    created_only: bool = False


@dataclass(frozen=True, eq=False)  # compared by identity: hashed on every target built
class PropertyTable:
    """The managed properties in the order a contact's names and values are written (which
    its hash depends on), and the attributes hubsync reads besides those the properties
    read: what identifies and classifies a channel."""

    properties: tuple[PropertySpec, ...]
    identity_attributes: tuple[str, ...]

    def specs(self, key_property: str) -> tuple[PropertySpec, ...]:
        """Every managed property, the key one under the name the settings give it."""
        return tuple(replace(s, name=key_property) if s.key else s for s in self.properties)

    def names(self, key_property: str) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.specs(key_property))

    def types(self, key_property: str) -> dict[str, str]:
        """HubSpot's type of each property, by name (how a value is compared)."""
        return {spec.name: spec.type for spec in self.specs(key_property)}

    def read_attributes(self) -> tuple[str, ...]:
        """The DynamoDB projection: every attribute hubsync reads, each once, in table order."""
        reads = (*self.identity_attributes, *(a for s in self.properties for a in s.reads))
        return tuple(dict.fromkeys(reads))

    def iam_attributes(self) -> list[str]:
        """The attributes an IAM policy must allow (dynamodb:Attributes), sorted."""
        return sorted(self.read_attributes())


def _always(value: str) -> Callable[[object], str]:
    return lambda _: value


# A signed-up channel's properties, in the order its contact's names and values are written.
# Adding a property is one row here (and `schema apply` to create it in the portal).
CONTACT_PROPERTIES = PropertyTable(
    properties=(
        PropertySpec(
            EMAIL, "Email", "string", "text", ("email",), lambda c: c.email or "", builtin=True
        ),
        PropertySpec(
            LIFECYCLE_STAGE,
            "Lifecycle Stage",
            "enumeration",
            "radio",
            customer=_always(LIFECYCLE_CUSTOMER),
            referrer=_always(LIFECYCLE_CUSTOMER),
            builtin=True,
        ),
        PropertySpec(
            LEAD_STATUS,
            "Lead Status",
            "enumeration",
            "radio",
            customer=_always(LEAD_STATUS_CONNECTED),
            referrer=_always(LEAD_STATUS_REFERRER),
            builtin=True,
        ),
        PropertySpec(
            DEFAULT_KEY_PROPERTY,
            "Gleev channel id",
            "string",
            "text",
            ("joystreamChannelId",),
            lambda c: str(c.gleev_id),
            referrer=str,
            unique=True,
            key=True,
        ),
        PropertySpec(
            "channel_title", "Channel title", "string", "text", ("title",), lambda c: c.title or ""
        ),
        PropertySpec(
            "channel_url",
            "Channel URL",
            "string",
            "text",
            ("id",),
            lambda c: f"channel/{c.youtube_id}",
        ),
        PropertySpec(
            "total_subscribers",
            "Total subscribers",
            "number",
            "number",
            ("statistics",),
            lambda c: "" if c.subscribers is None else str(c.subscribers),
        ),
        PropertySpec(
            "videoscount",
            "Videos count",
            "number",
            "number",
            ("statistics",),
            lambda c: "" if c.videos is None else str(c.videos),
        ),
        PropertySpec(
            "date_signed_up_to_ypp",
            "Date signed up to YPP",
            "datetime",
            "date",
            ("createdAt",),
            lambda c: c.created_at or "",
        ),
        PropertySpec(
            "dateytchannelcreated",
            "Date YouTube channel created",
            "datetime",
            "date",
            ("publishedAt",),
            lambda c: c.published_at or "",
        ),
        PropertySpec(
            "processed_at",
            "YPP processed at",
            "datetime",
            "date",
            ("processedAt",),
            lambda c: c.processed_at or "",
        ),
        PropertySpec(
            "yppstatus", "YPP status", "string", "text", ("yppStatus",), lambda c: c.ypp_status
        ),
        PropertySpec(
            "referredby",
            "Referred by (Gleev channel id)",
            "string",
            "text",
            ("referrerChannelId",),
            lambda c: str(c.referrer_gleev_id or ""),
        ),
        PropertySpec(
            "videocategoryid",
            "Video category id",
            "string",
            "text",
            ("videoCategoryId",),
            lambda c: c.video_category_id or "",
        ),
        PropertySpec(
            "synccategoryname",
            "Sync category name",
            "string",
            "text",
            ("videoCategoryId",),
            lambda c: SYNC_CATEGORY_NAMES.get(c.video_category_id or "", ""),
        ),
        PropertySpec(
            MARKETING_WANTED,
            "Marketing wanted (hubsync)",
            "bool",
            "booleancheckbox",
            created_only=True,
        ),
        PropertySpec(FLAG, "hubsync flag", "string", "text"),
    ),
    # The item's key (userId + id) tells items apart; the Gleev id, e-mail, YPP status,
    # sign-up time and referrer decide whether, as whom and in which order a channel is
    # synced. customUrl and updatedAt are read as well, though no property uses them yet.
    identity_attributes=(
        "id",
        "userId",
        "email",
        "joystreamChannelId",
        "referrerChannelId",
        "yppStatus",
        "createdAt",
        "customUrl",
        "updatedAt",
    ),
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
    own = [spec for spec in CONTACT_PROPERTIES.properties if not spec.key]
    builtin = {spec.name for spec in own if spec.builtin}
    if name in builtin or name in _HUBSPOT_DEFAULTS or name.startswith(_HUBSPOT_PREFIX):
        return f"{name} is one of HubSpot's own contact properties, which can never be the key"
    if any(spec.name == name for spec in own):
        return f"{name} is a property hubsync already writes, so it cannot also be the key"
    return None


def managed_properties(key_property: str) -> tuple[PropertySpec, ...]:
    return CONTACT_PROPERTIES.specs(key_property)


def managed_property_names(key_property: str) -> tuple[str, ...]:
    return CONTACT_PROPERTIES.names(key_property)
