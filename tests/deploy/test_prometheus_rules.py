"""deploy/prometheus-rules.yml: a valid rule file whose every expression parses as PromQL
and uses only the metrics hubsync serves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.deploy.prometheus_rules import metric_names, rule_metric_names, rules

# The metric names the daemon, the alerts and the budget serve on /metrics (histograms by
# their own name). Once the daemon is here, compare with its /metrics instead.
SERVED = {
    "hubsync_runs_total",
    "hubsync_run_duration_seconds",
    "hubsync_contacts_total",
    "hubsync_hubspot_calls_total",
    "hubsync_hubspot_rate_limited_total",
    "hubsync_hubspot_retries_total",
    "hubsync_lease_held",
    "hubsync_last_success_timestamp_seconds",
    "hubsync_hubspot_daily_limit",
    "hubsync_hubspot_daily_remaining",
    "hubsync_quota_guard_active",
    "hubsync_resync_requests_queued",
    "hubsync_conflicts_open",
    "hubsync_alerts_sent_total",
    "hubsync_alerts_failed_total",
    "hubsync_marketing_contacts",
    "hubsync_marketing_contact_limit",
    "hubsync_budget_held_contacts",
    "hubsync_budget_forecast_monthly_eur",
}
SEVERITIES = {"page", "ticket"}
DURATION = r"^\d+[smhd]$"


def test_every_rule_is_a_complete_alert() -> None:
    found = rules()
    assert len(found) >= 10
    names = [rule["alert"] for rule in found]
    assert len(names) == len(set(names))
    for rule in found:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        if "for" in rule:
            assert re.match(DURATION, rule["for"]), rule["alert"]


def test_every_expression_parses_and_uses_served_metrics_only() -> None:
    for rule in rules():
        assert metric_names(rule["expr"]), rule["alert"]
    assert rule_metric_names() <= SERVED, rule_metric_names() - SERVED


def test_the_rules_watch_the_lease_runs_quota_conflicts_and_budget() -> None:
    used = rule_metric_names()
    for metric in (
        "hubsync_lease_held",
        "hubsync_last_success_timestamp_seconds",
        "hubsync_quota_guard_active",
        "hubsync_conflicts_open",
        "hubsync_budget_held_contacts",
    ):
        assert metric in used


def test_a_broken_expression_or_an_unknown_metric_is_found(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        metric_names("sum(hubsync_lease_held")
    rules_file = tmp_path / "rules.yml"
    rules_file.write_text(
        "groups:\n- name: x\n  rules:\n  - alert: A\n"
        "    expr: rate(hubsync_run_duration_seconds_count[5m]) > hubsync_leases_held\n"
    )
    assert rule_metric_names(rules_file) - SERVED == {"hubsync_leases_held"}
