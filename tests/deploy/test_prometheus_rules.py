"""deploy/prometheus-rules.yml: a valid rule file whose every expression parses as PromQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.deploy.prometheus_rules import metric_names, rule_metric_names, rules

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


def test_every_expression_parses_and_selects_hubsyncs_metrics() -> None:
    # That the daemon serves each of them is checked against its /metrics, in
    # tests/e2e/test_as_the_image_runs.py.
    for rule in rules():
        names = metric_names(rule["expr"])
        assert names and all(name.startswith("hubsync_") for name in names), rule["alert"]


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


def test_a_broken_expression_is_found_and_histogram_series_read_by_their_histogram(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValueError):
        metric_names("sum(hubsync_lease_held")
    rules_file = tmp_path / "rules.yml"
    rules_file.write_text(
        "groups:\n- name: x\n  rules:\n  - alert: A\n"
        "    expr: rate(hubsync_run_duration_seconds_count[5m]) > hubsync_leases_held\n"
    )
    assert rule_metric_names(rules_file) == {"hubsync_run_duration_seconds", "hubsync_leases_held"}
