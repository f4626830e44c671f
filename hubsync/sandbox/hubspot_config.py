"""Settings of the HubSpot sandbox portal: limits, portal switches and injected faults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SandboxConfig:
    """How the emulated portal behaves. Mutable while the sandbox runs, except where noted."""

    # Bearer token required on every path, /_sandbox/ ones included (401 otherwise).
    token: str = "sandbox-token"
    # Requests allowed per rolling window of `rate_window_s` seconds; None = no limit.
    requests_per_10s: int | None = 100
    rate_window_s: float = 10.0
    # POST .../search requests allowed per rolling second; None = no limit.
    search_per_second: int | None = 5
    # Requests allowed per day (the daily counter never resets in the sandbox); None = no limit.
    daily_limit: int | None = 1_000_000
    # A write at time t is seen by search with its new values only from t + this delay.
    search_index_delay_s: float = 0.0
    # The portal switch "contacts created by this integration are marketing contacts".
    marketing_on_create: bool = True
    # hs_lead_status has the portal's custom REFERRER option (read at start).
    referrer_option: bool = True
    # Lifecycle stage given to contacts created without one (None: left empty).
    default_lifecycle_stage: str | None = None
    # Share of requests answered 500/502/503 before anything is done.
    fault_rate: float = 0.0
    # Share of requests whose connection is closed without an answer before anything is done.
    drop_rate: float = 0.0
    # Seconds added before every answer.
    latency_s: float = 0.0
    # Seed of the random choice of faults (None: unpredictable; read at start).
    seed: int | None = None
