"""The one lever an integration has over marketing status: say which contacts marketing wants.

HubSpot's API cannot set a contact's marketing status, and the portal may make every contact
this integration creates a marketing contact. hubsync writes `hubsync_marketing_wanted` on the
contacts it creates (true for the roles marketing asked for), so that a HubSpot workflow can
set the others non-marketing (README: Marketing-contact budget). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Collection

from hubsync.domain.links import Role
from hubsync.domain.plan import Plan
from hubsync.domain.properties import MARKETING_WANTED

ALL_ROLES = frozenset(Role)


def marketing_wanted(role: Role, wanted_roles: Collection[Role]) -> str:
    return "true" if role in wanted_roles else "false"


def mark_marketing_wanted(plan: Plan, wanted_roles: Collection[Role]) -> None:
    """Every new contact of the plan is created saying whether marketing wants it. Existing
    contacts (a converted lead is marketing's own) are never given the property."""
    for write in plan.creates:
        write.on_create = ((MARKETING_WANTED, marketing_wanted(write.target.role, wanted_roles)),)
