"""Times the budget's step on a first run's plan: marking every new contact and holding half of
them in the fair order, in a fresh process.

Usage: python -m benchmarks.budget_hold N
"""

from __future__ import annotations

import sys
import time

from benchmarks.plan_memory import KEY, items
from hubsync.domain.budget import budget_step
from hubsync.domain.links import Role
from hubsync.domain.plan import PlanOptions, make_plan, read_source
from hubsync.domain.view import ContactView


def main() -> None:
    count = int(sys.argv[1])
    source = read_source(items(count))
    plan = make_plan(source, ContactView(KEY, complete=True), {}, PlanOptions(KEY, full=True))
    room = len(plan.creates) // 2
    started = time.monotonic()
    held = budget_step(plan, source.channels, {Role.CUSTOMER}, room)
    elapsed = time.monotonic() - started
    print(
        f"- {len(plan.creates):,} new contacts, room for {room:,}: {elapsed:.2f} s to mark them "
        f"and hold {len(held.held) - len(plan.held):,} in the fair order"
    )


if __name__ == "__main__":
    main()
