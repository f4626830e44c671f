"""What a channel's HubSpot contact should say: the desired properties and their hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from hubsync.domain.categories import SYNC_CATEGORY_NAMES
from hubsync.domain.channel import Channel
from hubsync.domain.links import Role
from hubsync.domain.properties import (
    LEAD_STATUS_CONNECTED,
    LEAD_STATUS_REFERRER,
    LIFECYCLE_CUSTOMER,
)
from hubsync.domain.values import datetime_value


@dataclass(frozen=True, slots=True)
class Target:
    """One contact hubsync wants in HubSpot: a customer, a duplicate or a referrer."""

    gleev_id: int
    role: Role
    properties: dict[str, str]  # every managed property; "" means "should be empty"
    flag: str = ""  # why the contact is not the usual e-mail contact, also written to HubSpot

    @property
    def email(self) -> str | None:
        return self.properties.get("email") or None

    @property
    def fingerprint(self) -> str:
        """A hash of what the contact should say; equal hashes mean nothing to write."""
        names = "\x1f".join(self.properties)
        values = "\x1f".join(self.properties.values())
        text = f"{self.role}\x1e{names}\x1e{values}"
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _text(value: object) -> str:
    return "" if value is None else str(value)


def customer_target(channel: Channel, key_property: str, role: Role, flag: str = "") -> Target:
    """A signed-up channel. Only the e-mail's primary channel (Role.CUSTOMER) carries the e-mail;
    a contact's e-mail is never cleared, so a channel without one leaves `email` out."""
    properties = {"email": channel.email} if role is Role.CUSTOMER and channel.email else {}
    properties |= {
        "lifecyclestage": LIFECYCLE_CUSTOMER,
        "hs_lead_status": LEAD_STATUS_CONNECTED,
        key_property: str(channel.gleev_id),
        "channel_title": _text(channel.title),
        "channel_url": f"channel/{channel.youtube_id}",
        "total_subscribers": _text(channel.subscribers),
        "videoscount": _text(channel.videos),
        "date_signed_up_to_ypp": datetime_value(channel.created_at),
        "dateytchannelcreated": datetime_value(channel.published_at),
        "processed_at": datetime_value(channel.processed_at),
        "yppstatus": channel.ypp_status,
        "referredby": _text(channel.referrer_gleev_id),
        "videocategoryid": _text(channel.video_category_id),
        "synccategoryname": SYNC_CATEGORY_NAMES.get(channel.video_category_id or "", ""),
        "hubsync_flag": flag,
    }
    return Target(channel.gleev_id, role, properties, flag)


def referrer_target(gleev_id: int, key_property: str) -> Target:
    """A channel known only as someone's referrer: no e-mail, never an invented one."""
    properties = {
        "lifecyclestage": LIFECYCLE_CUSTOMER,
        "hs_lead_status": LEAD_STATUS_REFERRER,
        key_property: str(gleev_id),
    }
    return Target(gleev_id, Role.REFERRER, properties)
