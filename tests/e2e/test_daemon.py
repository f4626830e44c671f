"""`hubsync run` in subprocesses against moto's DynamoDB server and the HubSpot sandbox, with
real signals and real HTTP."""

from __future__ import annotations

import signal

from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.daemons import Daemons, daemons
from tests.e2e.world import World
from tests.unit.factories import channel_item

__all__ = ["daemons"]  # the fixture


def _metric(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def test_the_daemon_syncs_on_its_schedule_and_stops_cleanly_on_sigterm(
    world: World, daemons: Daemons
) -> None:
    world.put(*(channel_item(100 + n) for n in range(20)))
    daemon = daemons.start()

    started = daemon.events("daemon started")[0]
    assert started["role"] == "leader"
    assert started["next_incremental"] and started["next_reconcile"]
    daemon.wait_for("run finished", count=2)
    assert len(world.contacts()) == 20

    metrics = daemon.http("GET", "/metrics").body.decode()
    assert _metric(metrics, "hubsync_runs_total", mode="full", outcome="ok") == 1
    assert _metric(metrics, "hubsync_runs_total", mode="incremental", outcome="ok") >= 1
    assert _metric(metrics, "hubsync_contacts_total", result="created") == 20
    assert _metric(metrics, "hubsync_lease_held") == 1
    assert _metric(metrics, "hubsync_hubspot_daily_limit") == 1_000_000

    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit(timeout_s=20) == 0
    status = daemons.hubsync("status", "--json")
    assert status.returncode == 0, status.stderr
    assert '"held": false' in status.stdout
