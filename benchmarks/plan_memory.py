"""Times make_plan() over N synthetic channels in a fresh process and reports its peak memory.

Usage: python -m benchmarks.plan_memory first-run|no-change N
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Iterator
from typing import Any

from hubsync.domain.links import Link
from hubsync.domain.plan import PlanOptions, make_plan, read_source
from hubsync.domain.view import ContactView

KEY = "gleev_channel_id"


def items(count: int) -> Iterator[dict[str, Any]]:
    for n in range(count):
        yield {
            "id": f"UC{n:022d}",
            "userId": f"user-{n}",
            "email": f" Creator{n % (count - count // 50)}@Example.com",  # ~2% share an e-mail
            "joystreamChannelId": 1_000 + n,
            "referrerChannelId": 1_000 + n // 7 if n % 3 == 0 else None,
            "title": f"Channel number {n}",
            "customUrl": f"@channel{n}",
            "statistics": {"subscriberCount": n % 50_000, "videoCount": n % 700},
            "yppStatus": "Unverified" if n % 9 == 0 else "Verified::Gold",
            "videoCategoryId": "4209603-2",
            "publishedAt": "2019-05-06T07:08:09Z",
            "createdAt": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00.000Z",
            "updatedAt": "2024-12-01T00:00:00.000Z",
            "processedAt": "2024-12-02T00:00:00.000Z",
        }


def main() -> None:
    scenario, count = sys.argv[1], int(sys.argv[2])
    options = PlanOptions(key_property=KEY, full=scenario == "first-run")
    links: dict[int, Link] = {}
    if scenario == "no-change":
        first = make_plan(read_source(items(count)), ContactView(KEY, complete=True), {}, options)
        links = {
            w.target.gleev_id: Link(w.target.gleev_id, str(n), w.target.fingerprint, w.target.role)
            for n, w in enumerate(first.writes)
        }
        del first
    started = time.monotonic()
    source = read_source(items(count))
    result = make_plan(source, ContactView(KEY, complete=scenario == "first-run"), links, options)
    elapsed = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ok = elapsed < 20 and peak_mb < 2048
    print(
        f"- {scenario}: {elapsed:.1f} s, peak {peak_mb:.0f} MB; {len(result.writes):,} writes, "
        f"{result.unchanged:,} unchanged, {len(result.conflicts):,} conflicts  "
        f"[{'ok' if ok else 'MISSED'}]"
    )


if __name__ == "__main__":
    main()
