"""Whether a daemon is ready (GET /readyz): what a load balancer or Kubernetes asks."""

from __future__ import annotations

from dataclasses import dataclass

# A leader whose last successful run is older than this many intervals is not ready.
STALE_INTERVALS = 3


@dataclass(frozen=True, slots=True)
class Probe:
    dynamo: str | None  # None when reachable, else why not
    hubspot: str | None
    leader: bool
    started_at: float  # Unix seconds, when the daemon started
    last_success_at: float | None
    now: float
    interval_s: float


def unready_reasons(probe: Probe) -> list[str]:
    """Empty when ready. A standby is ready when it can reach both services; the leader must
    also have run successfully within the last intervals (or be that young)."""
    reasons = [f"DynamoDB: {probe.dynamo}"] if probe.dynamo else []
    if probe.hubspot:
        reasons.append(f"HubSpot: {probe.hubspot}")
    if probe.leader:
        since = probe.last_success_at if probe.last_success_at is not None else probe.started_at
        window = STALE_INTERVALS * probe.interval_s
        if probe.now - since > window:
            reasons.append(f"no successful run in the last {window:g} s")
    return reasons
