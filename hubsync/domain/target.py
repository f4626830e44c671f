"""What a channel's HubSpot contact should say: the desired properties and their hash."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from hubsync.domain.channel import Channel
from hubsync.domain.links import Role
from hubsync.domain.properties import CONTACT_PROPERTIES, EMAIL, PropertyTable


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


@dataclass(frozen=True, slots=True)
class _Shape:
    """The names one kind of contact is written with (shared by every contact of that kind),
    and how each value is derived."""

    names: tuple[str, ...]
    values: tuple[Callable[[Any], str], ...]
    flag_at: int | None = None  # where the planner's flags go


@cache
def _customer_shape(table: PropertyTable, key_property: str, with_email: bool) -> _Shape:
    """Only the e-mail's primary channel carries the e-mail; a contact's e-mail is never
    cleared, so a contact without one leaves `email` out."""
    specs = [
        s
        for s in table.specs(key_property)
        if not s.created_only and (with_email or s.name != EMAIL)
    ]
    planned = [n for n, spec in enumerate(specs) if spec.customer is None]
    return _Shape(
        tuple(spec.name for spec in specs),
        tuple(spec.customer or _no_value for spec in specs),
        planned[0] if planned else None,
    )


@cache
def _referrer_shape(table: PropertyTable, key_property: str) -> _Shape:
    specs = [spec for spec in table.specs(key_property) if spec.referrer is not None]
    return _Shape(
        tuple(spec.name for spec in specs), tuple(spec.referrer for spec in specs if spec.referrer)
    )


def _no_value(_: object) -> str:
    return ""


def customer_target(
    channel: Channel,
    key_property: str,
    role: Role,
    flag: str = "",
    refused_email: str | None = None,
    table: PropertyTable = CONTACT_PROPERTIES,
) -> Target:
    """A signed-up channel: the e-mail's primary channel (Role.CUSTOMER) or a duplicate."""
    email = channel.email if role is Role.CUSTOMER else None
    shape = _customer_shape(table, key_property, email is not None)
    values = [value(channel) for value in shape.values]
    if shape.flag_at is not None:
        values[shape.flag_at] = flag
    return Target(channel.gleev_id, role, shape.names, tuple(values), email, flag, refused_email)


def referrer_target(
    gleev_id: int, key_property: str, table: PropertyTable = CONTACT_PROPERTIES
) -> Target:
    """A channel known only as someone's referrer: no e-mail, never an invented one."""
    shape = _referrer_shape(table, key_property)
    values = tuple(value(gleev_id) for value in shape.values)
    return Target(gleev_id, Role.REFERRER, shape.names, values)
