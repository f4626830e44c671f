"""Settings of the HubSpot sandbox portal: limits, portal switches and injected faults."""

from __future__ import annotations

from dataclasses import dataclass, field

LOST_ANSWER_KINDS = ("bad-gateway", "drop", "timeout")


@dataclass
class SandboxConfig:
    """How the emulated portal behaves. Mutable while the sandbox runs, except where noted."""

    # Bearer token required on every path, /_sandbox/ ones included (401 otherwise).
    token: str = "sandbox-token"
    # Requests allowed per rolling window of `rate_window_s` seconds; None = no limit.
    requests_per_10s: int | None = 100
    rate_window_s: float = 10.0
    # Requests allowed per rolling second, refused with policyName SECONDLY; None = no limit.
    requests_per_second: int | None = None
    # POST .../search requests allowed per rolling second; None = no limit.
    search_per_second: int | None = 5
    # Requests allowed per day (the daily counter never resets in the sandbox); None = no limit.
    daily_limit: int | None = 1_000_000
    # Calls the portal's other integrations made today: they count against `daily_limit`, and
    # the X-HubSpot-RateLimit-Daily-Remaining header every answer carries shows it.
    daily_used_elsewhere: int = 0
    # Share of 429 answers (other than the daily one) that carry a Retry-After header.
    retry_after_rate: float = 0.5
    # A write at time t is seen by search with its new values only from t + this delay.
    search_index_delay_s: float = 0.0
    # The portal switch "contacts created by this integration are marketing contacts"
    # (Settings > Integrations > Marketing contacts; knowledge.hubspot.com/integrations/
    # manage-marketing-contacts-settings-for-your-integrations). On: a contact created through
    # the API has hs_marketable_status "true", and search counts it; off: "false". The API
    # itself can never set the status (same source): the property is read-only.
    marketing_on_create: bool = True
    # hs_lead_status has the portal's custom REFERRER option (read at start).
    referrer_option: bool = True
    # Lifecycle stage given to contacts created without one (None: left empty).
    default_lifecycle_stage: str | None = None
    # Batch upsert and update answer 207 with per-input errors when every input has an
    # objectWriteTraceId, as batch create does. False: one bad input refuses the whole batch.
    batch_errors_per_input: bool = False
    # Share of successful batch write results that echo their input's objectWriteTraceId.
    trace_id_echo_rate: float = 0.5
    # A merge gives the surviving contact a new id; False: it keeps the primary's id.
    merge_creates_new_id: bool = True
    # Share of requests answered 500/502/503 before anything is done.
    fault_rate: float = 0.0
    # Share of requests whose connection is closed without an answer before anything is done.
    drop_rate: float = 0.0
    # Answers lost after the request was carried out: a share of all requests, and the
    # Nth calls of endpoints counted since the last reset of the request counts, e.g.
    # {"POST /crm/v3/objects/contacts/batch/upsert": {1, 3}}.
    lost_answer_rate: float = 0.0
    lost_answer_calls: dict[str, set[int]] = field(default_factory=dict)
    # How an answer is lost, drawn among these: "bad-gateway" (502 with an HTML page),
    # "drop" (connection closed), "timeout" (silence for `lost_answer_timeout_s`, then closed).
    lost_answer_kinds: tuple[str, ...] = LOST_ANSWER_KINDS
    # Longer than hubsync's default HubSpot timeout (30 s), so that the caller gives up first.
    lost_answer_timeout_s: float = 35.0
    # Seconds added before every answer.
    latency_s: float = 0.0
    # Seed of every random choice: faults, lost answers, Retry-After, the order of batch
    # results and which of them echo their trace id (None: unpredictable; read at start).
    seed: int | None = None
