"""The marketing-contact budget: what the count costs, and which new contacts fit under the limit.

HubSpot bills by marketing contacts, and its API cannot make a contact non-marketing: the only
levers hubsync has are which contacts it creates, and when. Pure: no I/O. The engine applies
`hold_over_budget` to a plan after `make_plan`, so that a dry run and a real run hold exactly
the same channels.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from hubsync.domain.channel import Channel
from hubsync.domain.gc_pause import cyclic_gc_paused
from hubsync.domain.links import Role
from hubsync.domain.marketing import mark_marketing_wanted
from hubsync.domain.plan import Action, Held, Plan, Write

# A channel held by the budget has this reason, then why: `budget: ...`.
BUDGET_REASON = "budget"
BLOCK = 1000  # HubSpot sells marketing contacts in blocks of 1,000
LATEST = "\uffff"  # sorts after every sign-up time, as Channel.signup_order does


class BudgetPolicy(StrEnum):
    WARN = "warn"  # create every new contact, and alert when the limit is crossed
    HOLD = "hold"  # create new contacts only while under the limit


@dataclass(frozen=True, slots=True)
class CostModel:
    """The monthly bill: a base price that includes some contacts, then a price for every
    block of 1,000 contacts started beyond them."""

    base_eur: float = 170.0
    included_contacts: int = 1000
    eur_per_block: float = 40.0

    def monthly_eur(self, marketing_contacts: int) -> float:
        beyond = max(0, marketing_contacts - self.included_contacts)
        return self.base_eur + math.ceil(beyond / BLOCK) * self.eur_per_block


@dataclass(frozen=True, slots=True)
class Budget:
    """What ops pay for and how hubsync keeps to it."""

    limit: int | None = None  # None: no limit, the count is still tracked
    policy: BudgetPolicy = BudgetPolicy.HOLD
    warn_ratio: float = 0.9
    cost: CostModel = CostModel()

    def room(self, count: int) -> int | None:
        """How many new contacts a run may create; None for as many as it likes."""
        if self.limit is None or self.policy is BudgetPolicy.WARN:
            return None
        return max(0, self.limit - count)


def is_budget_hold(held: Held) -> bool:
    return held.reason == BUDGET_REASON or held.reason.startswith(f"{BUDGET_REASON}:")


def creates_new_contact(write: Write) -> bool:
    """A write that may add a marketing contact: a new contact. Updates (a lead converted in
    place included) touch a contact that is already counted."""
    return write.action is Action.CREATE


def referral_counts(channels: Iterable[Channel]) -> Counter[int]:
    """How many signed-up channels each Gleev id referred."""
    return Counter(
        c.referrer_gleev_id for c in channels if c.signed_up and c.referrer_gleev_id is not None
    )


def in_fair_order(creates: Sequence[Write], channels: Iterable[Channel]) -> list[Write]:
    """Signed-up customers, earliest sign-up first; then referrers, most referrals first;
    then duplicate-e-mail secondaries, earliest sign-up first. The Gleev id breaks ties, so
    the order is the same on every run."""
    channel_list = list(channels)
    by_id = {c.gleev_id: c for c in channel_list}
    referrals = referral_counts(channel_list)
    tiers: dict[Role, list[Write]] = {role: [] for role in Role}
    for write in creates:
        tiers[write.target.role].append(write)

    def signup(write: Write) -> tuple[str, int]:
        channel = by_id.get(write.target.gleev_id)
        return channel.signup_order if channel else (LATEST, write.target.gleev_id)

    def most_referrals(write: Write) -> tuple[int, int]:
        return (-referrals[write.target.gleev_id], write.target.gleev_id)

    return [
        *sorted(tiers[Role.CUSTOMER], key=signup),
        *sorted(tiers[Role.REFERRER], key=most_referrals),
        *sorted(tiers[Role.DUPLICATE], key=signup),
    ]


def budget_step(
    plan: Plan, channels: Iterable[Channel], wanted_roles: Collection[Role], room: int | None
) -> Plan:
    """What the budget does to a run's plan: every new contact says whether marketing wants
    it, and those that do not fit in `room` are held."""
    with cyclic_gc_paused():
        mark_marketing_wanted(plan, wanted_roles)
        return hold_over_budget(plan, channels, room)


def hold_over_budget(plan: Plan, channels: Iterable[Channel], room: int | None) -> Plan:
    """The plan with the new contacts that do not fit in `room` held (reason `budget`), in
    the fair order; updates are never held. `room` None: nothing is held."""
    creates = [w for w in plan.writes if creates_new_contact(w)]
    if room is None or len(creates) <= room:
        return plan
    ordered = in_fair_order(creates, channels)
    over = {id(w) for w in ordered[room:]}
    # The same words on every run: the ledger keeps the reason of the run that first held it.
    reason = f"{BUDGET_REASON}: no room under the marketing-contact limit"
    held = [Held(w.target.gleev_id, reason) for w in ordered[room:]]
    return replace(
        plan,
        writes=[w for w in plan.writes if id(w) not in over],
        held=[*plan.held, *held],
    )


@dataclass(frozen=True, slots=True)
class RunBudget:
    """What one run did to the marketing-contact count, as the run result, its record and the
    budget ledger keep it. A dry run's figures are what the run would do."""

    count_before: int  # the portal's marketing contacts when the run began
    # Of those, set non-marketing: they leave at the next update date. None: not counted,
    # the run had no new contact to create.
    leaving: int | None
    created: int  # new contacts that count as marketing contacts
    count_after: int
    limit: int | None
    policy: str
    held: int  # new contacts held by the budget
    released: int  # channels held by an earlier run, created by this one
    cost_eur: float  # the forecast monthly cost at count_after
    cost_with_held_eur: float  # the same once the held contacts are created too


def run_budget(
    budget: Budget,
    *,
    count_before: int,
    leaving: int | None,
    created: int,
    held: int,
    released: int,
) -> RunBudget:
    after = count_before + created
    return RunBudget(
        count_before=count_before,
        leaving=leaving,
        created=created,
        count_after=after,
        limit=budget.limit,
        policy=budget.policy.value,
        held=held,
        released=released,
        cost_eur=budget.cost.monthly_eur(after),
        cost_with_held_eur=budget.cost.monthly_eur(after + held),
    )
