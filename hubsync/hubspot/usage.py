"""What HubSpot's answers say beside their bodies: each call's status, and the portal's daily
API budget from the `X-HubSpot-RateLimit-Daily*` headers every answer carries.

The daily limit is shared with every other integration of the portal (the platform's own
backend included): the remaining count is the portal's, not hubsync's, which is why it is
read from HubSpot rather than counted here.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

DAILY_LIMIT_HEADER = "X-HubSpot-RateLimit-Daily"
DAILY_REMAINING_HEADER = "X-HubSpot-RateLimit-Daily-Remaining"
NO_ANSWER = "none"  # the status label of a call that got no HTTP answer


@dataclass(frozen=True, slots=True)
class DailyUsage:
    limit: int | None = None
    remaining: int | None = None


class CallLog:
    """Counts calls by endpoint and status, and keeps the last daily usage seen; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._statuses: Counter[tuple[str, str]] = Counter()
        self._daily = DailyUsage()

    def record(self, endpoint: str, status: int | None, headers: Mapping[str, str] | None) -> None:
        daily = _daily_usage(headers)
        with self._lock:
            self._statuses[(endpoint, str(status) if status else NO_ANSWER)] += 1
            if daily is not None:
                self._daily = daily

    @property
    def statuses(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._statuses)

    @property
    def daily(self) -> DailyUsage:
        with self._lock:
            return self._daily


def _daily_usage(headers: Mapping[str, str] | None) -> DailyUsage | None:
    if not headers:
        return None
    limit, remaining = headers.get(DAILY_LIMIT_HEADER), headers.get(DAILY_REMAINING_HEADER)
    if limit is None or remaining is None:
        return None
    try:
        return DailyUsage(int(limit), int(remaining))
    except ValueError:
        return None
