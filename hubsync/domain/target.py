"""What a channel's HubSpot contact should say: the desired properties and their hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from hubsync.domain.categories import SYNC_CATEGORY_NAMES
from hubsync.domain.channel import Channel
from hubsync.domain.links import Role
from hubsync.domain.properties import (
    LEAD_STATUS,
    LEAD_STATUS_CONNECTED,
    LEAD_STATUS_REFERRER,
    LIFECYCLE_CUSTOMER,
    LIFECYCLE_STAGE,
)


@dataclass(slots=True)  # not frozen: a million of them are built per run, and frozen is slow
class Target:
    """One contact hubsync wants in HubSpot: a customer, a duplicate or a referrer.

    Names and values are kept as two tuples (the names shared by every target of a shape)
    rather than a dict each: a million targets must fit in memory."""

    gleev_id: int
    role: Role
    names: tuple[str, ...]
    values: tuple[str, ...]  # "" means "should be empty"
    email: str | None = None
    flag: str = ""  # every flag of the channel, as written to the contact's hubsync_flag
    refused_email: str | None = None  # the channel's e-mail, left out because HubSpot refused it

    @property
    def properties(self) -> dict[str, str]:
        return dict(zip(self.names, self.values, strict=True))

    @property
    def fingerprint(self) -> str:
        """A hash of what the contact should say; equal hashes mean nothing to write."""
        text = f"{self.role.value}\x1e{chr(31).join(self.names)}\x1e{chr(31).join(self.values)}"
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@cache
def _customer_names(key_property: str, with_email: bool) -> tuple[str, ...]:
    names = (
        LIFECYCLE_STAGE,
        LEAD_STATUS,
        key_property,
        "channel_title",
        "channel_url",
        "total_subscribers",
        "videoscount",
        "date_signed_up_to_ypp",
        "dateytchannelcreated",
        "processed_at",
        "yppstatus",
        "referredby",
        "videocategoryid",
        "synccategoryname",
        "hubsync_flag",
    )
    return ("email", *names) if with_email else names


def _text(value: object) -> str:
    return "" if value is None else str(value)


def customer_target(
    channel: Channel,
    key_property: str,
    role: Role,
    flag: str = "",
    refused_email: str | None = None,
) -> Target:
    """A signed-up channel. Only the e-mail's primary channel (Role.CUSTOMER) carries the e-mail;
    a contact's e-mail is never cleared, so a channel without one leaves `email` out."""
    email = channel.email if role is Role.CUSTOMER else None
    values = (
        LIFECYCLE_CUSTOMER,
        LEAD_STATUS_CONNECTED,
        str(channel.gleev_id),
        _text(channel.title),
        f"channel/{channel.youtube_id}",
        _text(channel.subscribers),
        _text(channel.videos),
        channel.created_at or "",
        channel.published_at or "",
        channel.processed_at or "",
        channel.ypp_status,
        _text(channel.referrer_gleev_id),
        _text(channel.video_category_id),
        SYNC_CATEGORY_NAMES.get(channel.video_category_id or "", ""),
        flag,
    )
    names = _customer_names(key_property, email is not None)
    values = (email, *values) if email else values
    return Target(channel.gleev_id, role, names, values, email, flag, refused_email)


def referrer_target(gleev_id: int, key_property: str) -> Target:
    """A channel known only as someone's referrer: no e-mail, never an invented one."""
    names = (LIFECYCLE_STAGE, LEAD_STATUS, key_property)
    values = (LIFECYCLE_CUSTOMER, LEAD_STATUS_REFERRER, str(gleev_id))
    return Target(gleev_id, Role.REFERRER, names, values)
