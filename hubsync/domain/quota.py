"""The daily quota guard: HubSpot's daily API limit is the portal's, shared with every other
integration (the platform's own backend included). When the calls left for today fall below
the reserve, scheduled runs wait for HubSpot's daily counter to reset; ops' requests and a
run already going are not held back."""

from __future__ import annotations


def quota_low(limit: int | None, remaining: int | None, reserve: float) -> bool:
    """Whether fewer calls are left today than `reserve` (a share of the daily limit). Not
    knowing the numbers (HubSpot did not send them) never holds runs back."""
    if limit is None or remaining is None:
        return False
    return remaining < reserve * limit
