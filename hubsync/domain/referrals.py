"""Referral chains that loop: a channel that, through its referrers, referred itself."""

from __future__ import annotations

from collections.abc import Iterable

from hubsync.domain.channel import Channel

REFERRAL_CYCLE = "referral-cycle"


def referral_cycles(synced: Iterable[Channel]) -> dict[int, str]:
    """Each synced channel on a referral cycle, with the cycle written out as the reason.

    A channel has one referrer at most, so following referrers from any channel either ends
    or runs into exactly one cycle. Which link of a cycle is wrong cannot be told from the
    data: every member is flagged and its `referredby` kept as the source says."""
    referrer_of = {
        c.gleev_id: c.referrer_gleev_id for c in synced if c.referrer_gleev_id is not None
    }
    seen: set[int] = set()
    cycles: dict[int, str] = {}
    for start in referrer_of:
        path: list[int] = []
        node: int | None = start
        while node in referrer_of and node not in seen:
            seen.add(node)
            path.append(node)
            node = referrer_of[node]
        if node in path:
            loop = path[path.index(node) :]
            reason = "referral cycle " + " -> ".join(str(n) for n in [*loop, node])
            cycles.update((member, reason) for member in loop)
    return cycles
