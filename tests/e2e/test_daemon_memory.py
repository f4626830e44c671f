"""The daemon's memory stays flat over hundreds of runs: RSS at run 50 and at run 500 of a
subprocess daemon syncing every few hundredths of a second against the sandbox."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.daemons import Daemons, wait_until
from tests.e2e.world import World
from tests.unit.factories import channel_item

RUNS = 500
EARLY = 50


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_memory_stays_flat_over_500_runs(world: World, daemons: Daemons) -> None:
    world.put(*(channel_item(100 + n) for n in range(5)))
    daemon = daemons.start(HUBSYNC_SYNC_INTERVAL_SECONDS="0.02")
    rss: dict[int, int] = {}

    def runs() -> int:
        status = daemon.http("GET", "/metrics").body.decode()
        return int(
            sum(
                float(line.rsplit(" ", 1)[1])
                for line in status.splitlines()
                if line.startswith("hubsync_runs_total{")
            )
        )

    def reached(count: int) -> bool:
        if runs() >= count:
            rss[count] = _rss_kib(daemon.process.pid)
            return True
        return False

    wait_until(lambda: reached(EARLY), 60, daemon.describe)
    # Memory, not speed: a run takes 0.3 to 0.5 s here, more as the state table grows,
    # since moto's server walks the whole table for every query.
    wait_until(lambda: reached(RUNS), 450, daemon.describe)

    growth = (rss[RUNS] - rss[EARLY]) / rss[EARLY]
    print(
        f"\nRSS at run {EARLY}: {rss[EARLY] / 1024:.1f} MiB, at run {RUNS}: "
        f"{rss[RUNS] / 1024:.1f} MiB ({growth:+.1%})"
    )
    assert growth < 0.05
