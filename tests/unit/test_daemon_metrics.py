"""The daemon's metrics, as Prometheus parses them."""

from __future__ import annotations

import math

from prometheus_client.parser import text_string_to_metric_families

from hubsync.alerts import metrics as alerts
from hubsync.daemon.metrics import DaemonMetrics
from hubsync.domain.budget import RunBudget
from hubsync.hubspot.usage import CallLog


def _samples(metrics: DaemonMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.render().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_runs_contacts_calls_and_daily_usage_are_exposed() -> None:
    log, probe_log = CallLog(), CallLog()
    retries = {"contacts.batch_upsert": 2}
    metrics = DaemonMetrics([log], [lambda: retries])
    metrics.watch(probe_log, lambda: {})
    log.record(
        "contacts.batch_upsert",
        200,
        {"X-HubSpot-RateLimit-Daily": "1000", "X-HubSpot-RateLimit-Daily-Remaining": "400"},
    )
    log.record("contacts.batch_upsert", 429, {})
    probe_log.record("properties.list", None, None)
    metrics.observe_run("full", "ok", 12.5, {"created": 3, "unchanged": 7, "failed": 0})
    metrics.observe_run("incremental", "lease-lost", 1.0, {"updated": 1})

    samples = _samples(metrics)

    assert samples[("hubsync_runs_total", (("mode", "full"), ("outcome", "ok")))] == 1
    assert (
        samples[("hubsync_runs_total", (("mode", "incremental"), ("outcome", "lease-lost")))] == 1
    )
    assert samples[("hubsync_run_duration_seconds_count", (("mode", "full"),))] == 1
    assert samples[("hubsync_contacts_total", (("result", "created"),))] == 3
    assert samples[("hubsync_contacts_total", (("result", "unchanged"),))] == 7
    assert samples[("hubsync_contacts_total", (("result", "updated"),))] == 1
    calls = "hubsync_hubspot_calls_total"
    assert samples[(calls, (("endpoint", "contacts.batch_upsert"), ("status", "200")))] == 1
    assert samples[(calls, (("endpoint", "contacts.batch_upsert"), ("status", "429")))] == 1
    assert samples[(calls, (("endpoint", "properties.list"), ("status", "none")))] == 1
    assert samples[("hubsync_hubspot_rate_limited_total", ())] == 1
    assert samples[("hubsync_hubspot_retries_total", (("endpoint", "contacts.batch_upsert"),))] == 2
    assert samples[("hubsync_hubspot_daily_limit", ())] == 1000
    assert samples[("hubsync_hubspot_daily_remaining", ())] == 400


def test_daily_usage_is_absent_until_hubspot_sent_it_and_two_daemons_do_not_share() -> None:
    first, second = DaemonMetrics([CallLog()], []), DaemonMetrics([CallLog()], [])
    first.observe_run("full", "ok", 1, {})

    assert ("hubsync_hubspot_daily_limit", ()) not in _samples(first)
    assert ("hubsync_runs_total", (("mode", "full"), ("outcome", "ok"))) not in _samples(second)


def test_a_malformed_daily_header_keeps_the_last_good_values() -> None:
    log = CallLog()
    log.record(
        "x", 200, {"X-HubSpot-RateLimit-Daily": "10", "X-HubSpot-RateLimit-Daily-Remaining": "4"}
    )
    log.record(
        "x", 200, {"X-HubSpot-RateLimit-Daily": "ten", "X-HubSpot-RateLimit-Daily-Remaining": "4"}
    )
    log.record("x", 200, {})
    assert (log.daily.limit, log.daily.remaining) == (10, 4)


def test_alerts_conflicts_and_the_budget_are_served_under_their_agreed_names() -> None:
    metrics = DaemonMetrics([CallLog()], [])
    alerts.count_sent("webhook", 2)
    alerts.count_failed("slack")
    alerts.set_open_conflicts({"duplicate-email": 3})
    metrics.observe_budget(RunBudget(990, 0, 12, 1002, None, "warn", 0, 0, 210.0, 210.0))

    samples = _samples(metrics)

    assert samples[("hubsync_alerts_sent_total", (("sink", "webhook"),))] >= 2
    assert samples[("hubsync_alerts_failed_total", (("sink", "slack"),))] >= 1
    assert samples[("hubsync_conflicts_open", (("kind", "duplicate-email"),))] == 3
    assert samples[("hubsync_marketing_contacts", ())] == 1002
    assert math.isnan(samples[("hubsync_marketing_contact_limit", ())])
    assert samples[("hubsync_budget_held_contacts", ())] == 0
    assert samples[("hubsync_budget_forecast_monthly_eur", ())] == 210.0
