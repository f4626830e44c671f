"""The verdict of a run its write guard stopped: never done, whatever it wrote before.

A run stopped because its lease was lost, or because hubsync is shutting down, left writes
unsent; they are not lost (only what HubSpot confirmed is remembered), the next run sends
them. It is reported as failed, naming the reason, so that it is retried and never counted
as a success.
"""

from __future__ import annotations

from typing import Protocol

from hubsync.domain.verdict import Verdict


class Halt(Protocol):
    outcome: str


def halted_verdict(halt: Halt, written: int) -> Verdict:
    return Verdict(
        False,
        f"{halt.outcome}: {halt} ({written} writes confirmed before; the next run sends the rest)",
    )
