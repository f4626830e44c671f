"""The daemon's Prometheus metrics, in a registry of its own (not the global one), so that
several daemons can live in one process (tests) and other parts can add theirs to it.

HubSpot calls, retries and the daily usage are read from the gateways' own counters when
Prometheus scrapes, so they cover every call, the readiness probe's included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hubsync.alerts import metrics as alerts
from hubsync.budget_metrics import BUDGET_HELP, budget_gauges
from hubsync.domain.budget import RunBudget
from hubsync.hubspot.usage import CallLog

CONTACT_RESULTS = ("created", "updated", "unchanged", "failed", "rejected", "held")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Runs last from a second (nothing changed) to many minutes (a first full run).
DURATION_BUCKETS = (1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


class _HubSpotCollector(Collector):
    def __init__(
        self, logs: Sequence[CallLog], retries: Sequence[Callable[[], Mapping[str, int]]]
    ) -> None:
        self._logs = list(logs)
        self._retries = list(retries)

    def collect(self) -> Iterable[Metric]:
        calls = CounterMetricFamily(
            "hubsync_hubspot_calls",
            "HubSpot HTTP calls by endpoint and status (status 'none': no answer)",
            labels=["endpoint", "status"],
        )
        statuses: dict[tuple[str, str], int] = {}
        for log in self._logs:
            for key, count in log.statuses.items():
                statuses[key] = statuses.get(key, 0) + count
        for (endpoint, status), count in sorted(statuses.items()):
            calls.add_metric([endpoint, status], count)
        yield calls
        limited = sum(count for (_, status), count in statuses.items() if status == "429")
        yield CounterMetricFamily(
            "hubsync_hubspot_rate_limited", "HubSpot answers 429 (rate limited)", value=limited
        )
        retries = CounterMetricFamily(
            "hubsync_hubspot_retries", "HubSpot calls retried, by endpoint", labels=["endpoint"]
        )
        totals: dict[str, int] = {}
        for read in self._retries:
            for endpoint, count in read().items():
                totals[endpoint] = totals.get(endpoint, 0) + count
        for endpoint, count in sorted(totals.items()):
            retries.add_metric([endpoint], count)
        yield retries
        daily = next((log.daily for log in self._logs if log.daily.limit is not None), None)
        for name, value, help_text in (
            ("limit", daily.limit if daily else None, "HubSpot's daily API call limit"),
            (
                "remaining",
                daily.remaining if daily else None,
                "the portal's API calls left today, as HubSpot last said",
            ),
        ):
            if value is not None:
                yield GaugeMetricFamily(f"hubsync_hubspot_daily_{name}", help_text, value=value)


class _AlertsAndBudgetCollector(Collector):
    """Alerts by sink and open conflicts by kind (counted by every run's after-run step), and
    the marketing-contact budget as the last run that wrote left it."""

    def __init__(self) -> None:
        self.budget: RunBudget | None = None

    def collect(self) -> Iterable[Metric]:
        for name, help_text, counts in (
            ("hubsync_alerts_sent", "Alert messages each sink accepted", alerts.alerts_sent()),
            (
                "hubsync_alerts_failed",
                "Alert deliveries that failed, by sink",
                alerts.alerts_failed(),
            ),
        ):
            family = CounterMetricFamily(name, help_text, labels=["sink"])
            for sink, count in sorted(counts.items()):
                family.add_metric([sink], count)
            yield family
        conflicts = GaugeMetricFamily(
            "hubsync_conflicts_open", "Open or acknowledged conflicts, by kind", labels=["kind"]
        )
        for kind, count in sorted(alerts.open_conflicts().items()):
            conflicts.add_metric([kind], count)
        yield conflicts
        for name, value in budget_gauges(self.budget).items():
            yield GaugeMetricFamily(name, BUDGET_HELP[name], value=value)


class DaemonMetrics:
    def __init__(
        self, logs: Sequence[CallLog], retries: Sequence[Callable[[], Mapping[str, int]]]
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.runs = Counter(
            "hubsync_runs", "Runs by mode and outcome", ["mode", "outcome"], registry=self.registry
        )
        self.duration = Histogram(
            "hubsync_run_duration_seconds",
            "How long runs took",
            ["mode"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.contacts = Counter(
            "hubsync_contacts",
            "Contacts by what runs did with them",
            ["result"],
            registry=self.registry,
        )
        self.lease_held = Gauge(
            "hubsync_lease_held", "1 while this replica holds the lease", registry=self.registry
        )
        self.last_success = Gauge(
            "hubsync_last_success_timestamp_seconds",
            "When the last successful run finished (Unix seconds)",
            registry=self.registry,
        )
        self.quota_guard = Gauge(
            "hubsync_quota_guard_active",
            "1 while scheduled runs are skipped to keep the portal's daily reserve",
            registry=self.registry,
        )
        self.queued = Gauge(
            "hubsync_resync_requests_queued", "Resync requests waiting", registry=self.registry
        )
        self._hubspot = _HubSpotCollector(logs, retries)
        self.registry.register(self._hubspot)
        self._alerts_and_budget = _AlertsAndBudgetCollector()
        self.registry.register(self._alerts_and_budget)

    def watch(self, log: CallLog, retries: Callable[[], Mapping[str, int]]) -> None:
        """Count another gateway's calls too (the readiness probe's)."""
        self._hubspot._logs.append(log)
        self._hubspot._retries.append(retries)

    def observe_run(
        self, mode: str, outcome: str, duration_s: float, counts: Mapping[str, int]
    ) -> None:
        self.runs.labels(mode, outcome).inc()
        self.duration.labels(mode).observe(duration_s)
        for result in CONTACT_RESULTS:
            if counts.get(result):
                self.contacts.labels(result).inc(counts[result])

    def observe_budget(self, budget: RunBudget) -> None:
        self._alerts_and_budget.budget = budget

    def render(self) -> bytes:
        return generate_latest(self.registry)
