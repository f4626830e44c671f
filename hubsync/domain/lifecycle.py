"""Lifecycle stage and lead status: only ever forward, never over someone else's later stage."""

from __future__ import annotations

from hubsync.domain.properties import (
    LEAD_STATUS_CONNECTED,
    LEAD_STATUS_REFERRER,
    LIFECYCLE_CUSTOMER,
)

# HubSpot's default stages in their order. "other" is last in HubSpot's ordering too.
STAGE_ORDER = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
_RANK = {stage: rank for rank, stage in enumerate(STAGE_ORDER)}


def lifecycle_update(current: str | None, wanted: str = LIFECYCLE_CUSTOMER) -> str | None:
    """The stage to write, or None to leave the contact's stage as it is.

    A stage at or past `wanted` stays (HubSpot would ignore a backward move anyway, and we
    must not report it as drift forever). An unknown custom stage cannot be ordered, so it
    is left alone too.
    """
    if not current:
        return wanted
    rank = _RANK.get(current)
    if rank is None or rank >= _RANK[wanted]:
        return None
    return wanted


def lead_status_update(current: str | None, wanted: str) -> str | None:
    """The lead status to write, or None. A signed-up contact is never demoted to REFERRER."""
    if current == wanted:
        return None
    if wanted == LEAD_STATUS_REFERRER and current == LEAD_STATUS_CONNECTED:
        return None
    return wanted
