"""Whether a run's writes went well enough to call the run done, and when to stop writing.

A run that refuses single records still completes (exit 0, the records are listed), but one
whose writes mostly fail is broken: the portal or the token is wrong, not the records, and
exit 0 would hide it. The same cause shows as batch after batch refused whole for the same
reason; sending the rest would only spend the portal's daily quota.
"""

from __future__ import annotations

from dataclasses import dataclass

# Batches in a row refused whole for the same reason before a run stops writing.
STOP_AFTER_FAILED_BATCHES = 3


@dataclass(frozen=True, slots=True)
class WriteTally:
    written: int  # writes HubSpot confirmed
    failed: int  # writes HubSpot refused or did not confirm
    not_attempted: int = 0  # writes left when the run stopped early; the next run sends them
    stopped_on: str | None = None  # the error category that stopped the run
    first_failure: str | None = None  # one failure, as an example of what went wrong


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    reason: str  # one line


COMPLETED = Verdict(True, "completed")


def judge_run(tally: WriteTally, max_failure_ratio: float) -> Verdict:
    """Failed when the run stopped early, when nothing it sent was written, or when more than
    `max_failure_ratio` of what it sent failed; done otherwise."""
    attempted = tally.written + tally.failed
    example = f" (first: {tally.first_failure})" if tally.first_failure else ""
    if tally.not_attempted:
        return Verdict(
            False,
            f"stopped after {STOP_AFTER_FAILED_BATCHES} batches in a row failed with "
            f"{tally.stopped_on}: {tally.failed} writes failed, {tally.not_attempted} not "
            f"attempted (the next run sends them){example}",
        )
    if tally.failed and not tally.written:
        return Verdict(False, f"no write succeeded, {tally.failed} failed{example}")
    if tally.failed > max_failure_ratio * attempted:
        return Verdict(
            False,
            f"{tally.failed} of {attempted} writes failed, more than "
            f"HUBSYNC_MAX_FAILURE_RATIO={max_failure_ratio:g} allows{example}",
        )
    if tally.failed:
        return Verdict(True, f"completed; {tally.failed} of {attempted} writes failed")
    return COMPLETED


@dataclass
class FailureStreak:
    """Counts batches in a row that HubSpot refused whole with one error category."""

    category: str | None = None
    length: int = 0

    def observe(self, batch_size: int, failure_categories: list[str]) -> bool:
        """Take one batch's failures; True when the run should stop writing."""
        categories = set(failure_categories)
        if len(failure_categories) != batch_size or len(categories) != 1:
            self.category, self.length = None, 0
            return False
        category = categories.pop()
        self.length = self.length + 1 if category == self.category else 1
        self.category = category
        return self.length >= STOP_AFTER_FAILED_BATCHES
