"""Alerting: every alert is logged, stored in the outbox, then sent to each sink.

`Alerting.enqueue(alerts)` is how any part of hubsync raises alerts; `deliver()` sends what
the outbox holds. Sinks are sent to in parallel, each within its own time budget, and a sink
that fails stops for this delivery: its alerts stay pending and go out on the next run.
Nothing here ever raises into a sync.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from hubsync.alerts import metrics
from hubsync.alerts.sink import Sink
from hubsync.domain.alert import SUMMARY, Alert, summarize
from hubsync.log import get_logger, mask_secrets
from hubsync.state.outbox import Outbox, StoredAlert
from hubsync.state.store import StateError

log = get_logger(__name__)


@dataclass
class SinkReport:
    sent: int = 0  # messages the sink accepted (a summary is one)
    delivered: list[str] = field(default_factory=list)  # alert keys it now has
    error: str | None = None


class Alerting:
    def __init__(self, outbox: Outbox, sinks: Sequence[Sink], timeout_s: float) -> None:
        self.outbox = outbox
        self.sinks = list(sinks)
        self.timeout_s = timeout_s

    def enqueue(self, alerts: Iterable[Alert]) -> list[Alert]:
        """Log each alert and store it for every sink; returns those newly stored (an alert
        whose key is already stored is the same alert, and is not queued again)."""
        names = [sink.name for sink in self.sinks]
        stamped = [a if a.created_at else replace(a, created_at=_now()) for a in alerts]
        queued = self.outbox.add(stamped, names)
        for alert in queued:
            log.info("alert", topic=alert.topic, key=alert.key, text=alert.text)
        return queued

    def deliver(self) -> dict[str, SinkReport]:
        """Send what the outbox holds to each sink; never raises."""
        if not self.sinks:
            return {}
        try:
            pending = self.outbox.pending()
        except StateError as exc:
            log.warning("alerts not delivered", reason=str(exc))
            return {}
        with ThreadPoolExecutor(max_workers=len(self.sinks)) as pool:
            futures = {
                sink.name: pool.submit(self._deliver_to, sink, pending) for sink in self.sinks
            }
        return {name: future.result() for name, future in futures.items()}

    def send_now(self, alert: Alert) -> None:
        """For when the outbox itself cannot be written (the state table is down): one try
        to every sink, without retries on later runs."""
        stamped = alert if alert.created_at else replace(alert, created_at=_now())
        log.info("alert", topic=stamped.topic, key=stamped.key, text=stamped.text)
        with ThreadPoolExecutor(max_workers=max(1, len(self.sinks))) as pool:
            for sink in self.sinks:
                pool.submit(self._send, sink, stamped)

    def _deliver_to(self, sink: Sink, pending: list[StoredAlert]) -> SinkReport:
        report = SinkReport()
        mine = [stored.alert for stored in pending if sink.name in stored.pending]
        started = time.monotonic()
        for message in summarize(mine):
            if time.monotonic() - started > self.timeout_s:
                report.error = "time budget spent; the rest goes on the next run"
                break
            keys = message.data["keys"] if message.topic == SUMMARY else [message.key]
            error = self._send(sink, message)
            try:
                if error is None:
                    self.outbox.mark_sent(keys, sink.name, _now())
                    report.sent += 1
                    report.delivered.extend(keys)
                else:
                    self.outbox.mark_failed(keys, sink.name, error)
            except StateError as exc:
                log.warning("alert delivery not recorded", sink=sink.name, reason=str(exc))
            if error is not None:
                report.error = error
                break
        return report

    def _send(self, sink: Sink, message: Alert) -> str | None:
        try:
            sink.send(message)
        except Exception as exc:
            error = mask_secrets(f"{type(exc).__name__}: {exc}")[:300]
            metrics.count_failed(sink.name)
            log.warning("alert not sent", sink=sink.name, key=message.key, reason=error)
            return error
        metrics.count_sent(sink.name)
        log.info("alert sent", sink=sink.name, key=message.key)
        return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
