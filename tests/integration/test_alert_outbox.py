"""The alert outbox and the conflict register against moto's DynamoDB server, with the real
boto3; the sinks are small in-memory recorders (the real ones are exercised end to end)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest

from hubsync.alerts import metrics
from hubsync.alerts.delivery import Alerting
from hubsync.domain.alert import BURST_LIMIT, Alert
from hubsync.domain.conflicts import Observed, RunScope, acknowledge, reconcile
from hubsync.state.conflicts import ConflictRegister, UnknownConflictError
from hubsync.state.outbox import Outbox
from hubsync.state.store import StateStore
from tests.conftest import DynamoTables


@dataclass
class Recorder:
    name: str
    fail: bool = False
    delay_s: float = 0.0
    got: list[Alert] = field(default_factory=list)

    def send(self, alert: Alert) -> None:
        time.sleep(self.delay_s)
        if self.fail:
            raise ConnectionError("connection refused")
        self.got.append(alert)


def alert(n: int, conflict_id: str | None = None) -> Alert:
    data = {"conflict_id": conflict_id} if conflict_id else {}
    return Alert(f"key-{n}", "conflict-opened", f"conflict {n}", ("body",), data)


@pytest.fixture
def outbox(dynamo_tables: DynamoTables) -> Outbox:
    return Outbox(dynamo_tables.client, dynamo_tables.state)


def test_an_alert_is_stored_once_and_sent_once_per_sink(outbox: Outbox) -> None:
    slack, hook = Recorder("slack"), Recorder("webhook")
    alerting = Alerting(outbox, [slack, hook], timeout_s=2)

    assert [a.key for a in alerting.enqueue([alert(1), alert(1)])] == ["key-1"]
    assert alerting.enqueue([alert(1)]) == []
    alerting.deliver()
    alerting.deliver()

    assert [a.key for a in slack.got] == ["key-1"] == [a.key for a in hook.got]
    assert outbox.pending() == []


def test_a_failing_sink_keeps_its_alerts_and_gets_them_next_time(outbox: Outbox) -> None:
    slack, hook = Recorder("slack"), Recorder("webhook", fail=True)
    alerting = Alerting(outbox, [slack, hook], timeout_s=2)
    failed_before = metrics.alerts_failed().get("webhook", 0)
    alerting.enqueue([alert(1), alert(2)])

    reports = alerting.deliver()

    assert reports["webhook"].error == "ConnectionError: connection refused"
    assert reports["slack"].delivered == ["key-1", "key-2"]
    [first, second] = outbox.pending()
    assert first.pending == {"webhook"} and "connection refused" in first.errors["webhook"]
    assert second.errors == {}  # not tried: the sink stopped at its first failure
    assert metrics.alerts_failed()["webhook"] == failed_before + 1
    hook.fail = False
    alerting.deliver()
    assert [a.key for a in hook.got] == ["key-1", "key-2"]
    assert len(slack.got) == 2 and outbox.pending() == []


def test_a_burst_is_one_message_that_marks_every_alert_sent(outbox: Outbox) -> None:
    slack = Recorder("slack")
    alerting = Alerting(outbox, [slack], timeout_s=2)
    alerting.enqueue([alert(n) for n in range(BURST_LIMIT + 1)])

    alerting.deliver()

    [summary] = slack.got
    assert summary.topic == "summary" and len(summary.data["keys"]) == BURST_LIMIT + 1
    assert outbox.pending() == []


def test_a_slow_sink_stops_within_its_budget(outbox: Outbox) -> None:
    slow = Recorder("slack", delay_s=0.4)
    alerting = Alerting(outbox, [slow], timeout_s=0.5)
    alerting.enqueue([alert(n) for n in range(5)])

    started = time.monotonic()
    report = alerting.deliver()["slack"]

    assert time.monotonic() - started < 1.5
    assert 1 <= report.sent < 5 and report.error is not None
    assert len(outbox.pending()) == 5 - report.sent


def test_alerts_of_a_conflict_are_its_history(outbox: Outbox) -> None:
    alerting = Alerting(outbox, [], timeout_s=1)
    alerting.enqueue([alert(1, "cabc"), alert(2, "cdef"), alert(3, "cabc")])

    assert [s.alert.key for s in outbox.of_conflict("cabc")] == ["key-1", "key-3"]
    assert outbox.pending() == []  # no sink: logged and kept as history only


def test_the_register_round_trips_and_acknowledges(dynamo_tables: DynamoTables) -> None:
    register = ConflictRegister(dynamo_tables.client, dynamo_tables.state)
    observed = Observed("duplicate-email", (101, 102), "2 channels", email="Jane@Example.com")
    [update] = reconcile({}, [observed], RunScope(None, True), "2026-01-01T00:00:00+00:00")
    register.save([update.record])

    assert register.load() == {update.record.id: update.record}
    acked = acknowledge(update.record, "on it", "ops", "2026-01-02T00:00:00+00:00")
    register.save([acked])
    assert register.get(update.record.id) == acked
    assert register.get(update.record.id).email == "Jane@Example.com"
    with pytest.raises(UnknownConflictError):
        register.get("cnope")


def test_links_of_reads_just_the_channels_asked(dynamo_tables: DynamoTables) -> None:
    from hubsync.domain.links import Link, Role

    store = StateStore(dynamo_tables.client, dynamo_tables.state)
    store.save_links(Link(n, str(5000 + n), "h", Role.CUSTOMER) for n in range(1, 151))

    found = store.links_of([3, 120, 999])

    assert {n: link.contact_id for n, link in found.items()} == {3: "5003", 120: "5120"}
    assert len(store.links_of(range(1, 151))) == 150
