"""Conflicts and alerts end to end: moto's DynamoDB and SNS, the HubSpot sandbox, and loopback
receivers standing in for Slack and a JSON webhook; the real clients over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import structlog

from hubsync.alerts.webhook import verify
from hubsync.domain.conflicts import ConflictState
from hubsync.log import configure_logging, show_pii
from hubsync.state.conflicts import ConflictRegister
from hubsync.state.store import StateError
from tests.e2e.receiver import Receiver, start_receiver
from tests.e2e.test_cli import hubsync
from tests.e2e.test_guard_rails import drop_option_after_preflight
from tests.e2e.world import World, clean_env
from tests.unit.factories import channel_item

SECRET = "whsec-0123456789abcdef"


@dataclass
class Topic:
    arn: str
    sqs: Any
    queue_url: str

    def messages(self) -> list[dict[str, Any]]:
        """What SNS published since the last call (moto delivers to the subscribed queue)."""
        found: list[dict[str, Any]] = []
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            batch = answer.get("Messages", [])
            if not batch:
                return found
            for message in batch:
                found.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )


@dataclass
class Sinks:
    slack: Receiver
    webhook: Receiver
    topic: Topic

    def counts(self) -> tuple[int, int, int]:
        return len(self.slack.received), len(self.webhook.received), len(self.topic.messages())


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    handlers = list(logging.getLogger().handlers)
    yield
    structlog.reset_defaults()
    logging.getLogger().handlers[:] = handlers
    show_pii(False)


@pytest.fixture
def sinks(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sinks]:
    endpoint = world.tables.endpoint_url
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", endpoint)
    session = boto3.session.Session(region_name="us-east-1")
    sns = session.client("sns", endpoint_url=endpoint)
    sqs = session.client("sqs", endpoint_url=endpoint)
    name = f"hubsync-alerts-{uuid.uuid4().hex[:8]}"
    arn = sns.create_topic(Name=name)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])
    with start_receiver() as slack, start_receiver() as webhook:
        world.overrides.update(
            alert_slack_webhook_url=f"{slack.url}/services/T000/B000/XXXX",
            alert_webhook_url=f"{webhook.url}/hooks/hubsync",
            alert_webhook_secret=SECRET,
            alert_sns_topic_arn=arn,
            alert_timeout_s=1,
        )
        yield Sinks(slack, webhook, Topic(arn, sqs, queue_url))


def shared(gleev_id: int, email: str = "shared@example.com", day: int = 1) -> dict[str, Any]:
    return channel_item(gleev_id, email=email, createdAt=f"2024-02-{day:02d}T00:00:00Z")


def register(world: World) -> dict[str, Any]:
    return ConflictRegister(world.tables.client, world.tables.state).load()


def test_a_new_duplicate_alerts_once_across_runs_and_a_restart_then_resolves_once(
    world: World, sinks: Sinks, tmp_path: Path
) -> None:
    world.put(shared(101, day=1), shared(102, day=2))

    for _ in range(4):
        world.sync()
    restarted = hubsync("sync", env=clean_env(**world.env(), **_alert_env(world)), cwd=tmp_path)
    assert restarted.returncode == 0, restarted.stderr

    assert sinks.counts() == (1, 1, 1)
    [record] = register(world).values()
    assert record.state is ConflictState.OPEN
    assert record.kind == "duplicate-email" and record.gleev_ids == (101, 102)
    assert record.email == "shared@example.com"  # the register keeps it whole
    [opened] = sinks.slack.received
    assert "New conflict" in opened.json()["text"]

    world.put(shared(102, email="second@example.com", day=2))
    world.sync()
    world.sync()

    assert sinks.counts() == (2, 2, 1)  # SNS's queue was read out above: one new message
    [record] = register(world).values()
    assert record.state is ConflictState.RESOLVED
    assert "Resolved" in sinks.slack.received[-1].json()["text"]
    assert sinks.webhook.received[-1].json()["topic"] == "conflict-resolved"


def test_acknowledging_silences_and_a_third_channel_reopens(
    world: World, sinks: Sinks, tmp_path: Path
) -> None:
    world.put(shared(101, day=1), shared(102, day=2))
    world.sync()
    [conflict_id] = register(world)
    env = clean_env(**world.env(), **_alert_env(world))

    acked = hubsync("conflicts", "ack", conflict_id, "--note", "asking the creators", env=env)

    assert acked.returncode == 0, acked.stderr
    listed = hubsync("conflicts", "--state", "acknowledged", "--json", env=env)
    [entry] = json.loads(listed.stdout)["conflicts"]
    assert (entry["id"], entry["state"], entry["note"]) == (
        conflict_id,
        "acknowledged",
        "asking the creators",
    )
    assert hubsync("conflicts", env=env).stdout.strip() == "no conflicts"  # none open
    unknown = hubsync("conflicts", "show", "cnothere", env=env)
    assert unknown.returncode == 2 and "no conflict 'cnothere'" in unknown.stderr
    world.sync(full=True)
    assert register(world)[conflict_id].state is ConflictState.ACKNOWLEDGED
    assert len(sinks.webhook.received) == 1

    world.put(shared(103, day=3))
    world.sync()

    record = register(world)[conflict_id]
    assert record.state is ConflictState.OPEN
    assert record.gleev_ids == (101, 102, 103)
    assert [r.json()["topic"] for r in sinks.webhook.received] == [
        "conflict-opened",
        "conflict-reopened",
    ]
    shown = hubsync("conflicts", "show", conflict_id, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "acknowledged" in shown.stdout and "asking the creators" in shown.stdout
    assert "conflict-reopened" in shown.stdout and "sent: slack" in shown.stdout


def test_a_sink_answering_500_fails_nothing_and_gets_the_alert_next_run_once(
    world: World, sinks: Sinks
) -> None:
    sinks.webhook.status = 500
    world.put(shared(101, day=1), shared(102, day=2))

    result = world.sync()

    assert result.verdict.ok
    assert (len(sinks.slack.received), len(sinks.webhook.received)) == (1, 0)
    sinks.webhook.status = 200
    world.sync()
    world.sync()
    assert (len(sinks.slack.received), len(sinks.webhook.received)) == (1, 1)
    assert sinks.webhook.received[0].json()["topic"] == "conflict-opened"


def test_a_sink_that_hangs_costs_at_most_its_timeout_and_delivers_next_run(
    world: World, sinks: Sinks
) -> None:
    sinks.slack.hang_s = 5  # alert_timeout_s is 1
    world.put(shared(101, day=1), shared(102, day=2))

    started = time.monotonic()
    result = world.sync()
    elapsed = time.monotonic() - started

    assert result.verdict.ok
    # The run itself, plus at most the sink's budget and one request's timeout.
    assert elapsed - result.duration_s < 3.5
    assert len(sinks.slack.received) == 0 and len(sinks.webhook.received) == 1
    sinks.slack.hang_s = 0
    world.sync()
    world.sync()
    assert len(sinks.slack.received) == 1


def test_webhook_signature_verifies_and_a_replay_or_altered_body_fails(
    world: World, sinks: Sinks
) -> None:
    world.put(shared(101, day=1), shared(102, day=2))
    world.sync()

    [request] = sinks.webhook.received
    headers = {k.lower(): v for k, v in request.headers.items()}
    timestamp, signature = headers["x-hubsync-timestamp"], headers["x-hubsync-signature"]
    # The documented recipe, written out: HMAC-SHA256 of "<timestamp>.<body>".
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256)
    assert signature == f"sha256={expected.hexdigest()}"
    assert abs(time.time() - int(timestamp)) < 60
    assert headers["x-hubsync-idempotency-key"] == request.json()["key"]
    assert verify(SECRET, timestamp, request.body, signature)
    assert not verify(SECRET, timestamp, request.body + b" ", signature)
    assert not verify(SECRET, timestamp, request.body, signature, now=int(timestamp) + 3600)
    assert not verify("another-secret", timestamp, request.body, signature)


def test_emails_are_masked_in_alerts_and_logs_unless_pii_is_allowed(
    world: World, sinks: Sinks, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("json", "INFO")
    world.put(shared(101, day=1), shared(102, day=2))
    world.sync()

    masked = sinks.webhook.received[0].body.decode() + sinks.slack.received[0].body.decode()
    assert "shared@example.com" not in masked and "s***@example.com" in masked
    logged = capsys.readouterr().err
    assert '"event": "alert"' in logged and "s***@example.com" in logged
    assert "shared@example.com" not in logged

    world.put(shared(201, "pair@example.com", day=1), shared(202, "pair@example.com", day=2))
    world.sync(log_pii=True)

    shown = sinks.webhook.received[1].body.decode()
    assert "pair@example.com" in shown
    assert "pair@example.com" in capsys.readouterr().err


def test_a_burst_of_300_conflicts_sends_one_summary_per_sink(world: World, sinks: Sinks) -> None:
    items = []
    for n in range(300):
        email = f"pair{n}@example.com"
        items += [shared(1000 + 2 * n, email, day=1), shared(1001 + 2 * n, email, day=2)]
    world.put(*items)

    world.sync()

    assert len(register(world)) == 300
    [slack], [webhook] = sinks.slack.received, sinks.webhook.received
    [sns] = sinks.topic.messages()
    assert webhook.json()["topic"] == "summary"
    assert webhook.json()["data"]["counts"] == {"conflict-opened": 300}
    assert "300 alerts" in slack.json()["text"] and "300 alerts" in sns["Subject"]
    assert "280 more" in webhook.json()["text"]
    world.sync()
    assert sinks.counts() == (1, 1, 0)


def _alert_env(world: World) -> dict[str, str]:
    settings = world.settings()
    slack = settings.alert_slack_webhook_url
    secret = settings.alert_webhook_secret
    return {
        "HUBSYNC_ALERT_SLACK_WEBHOOK_URL": slack.get_secret_value() if slack else "",
        "HUBSYNC_ALERT_WEBHOOK_URL": settings.alert_webhook_url or "",
        "HUBSYNC_ALERT_WEBHOOK_SECRET": secret.get_secret_value() if secret else "",
        "HUBSYNC_ALERT_SNS_TOPIC_ARN": settings.alert_sns_topic_arn or "",
        "HUBSYNC_ALERT_TIMEOUT_S": "1",
    }


def test_a_failed_run_is_alerted_once(world: World, sinks: Sinks) -> None:
    world.put(channel_item(101), channel_item(102))
    drop_option_after_preflight(world, "hs_lead_status", "CONNECTED")

    result = world.sync()

    assert not result.verdict.ok
    [failed] = [r.json() for r in sinks.webhook.received]
    assert failed["topic"] == "run-failed"
    assert failed["key"] == f"run-{result.run_id}-failed"
    assert "no write succeeded" in failed["text"]
    assert len(sinks.slack.received) == 1 and len(sinks.topic.messages()) == 1


def test_a_run_that_cannot_use_its_state_table_is_alerted_without_the_outbox(
    world: World, sinks: Sinks
) -> None:
    world.put(channel_item(101))
    world.tables.client.delete_table(TableName=world.tables.state)

    with pytest.raises(StateError):
        world.sync()

    [unrecorded] = [r.json() for r in sinks.webhook.received]
    assert unrecorded["topic"] == "run-unrecorded"
    assert "could not write its records" in unrecorded["title"]
    world.tables.client.create_table(  # the fixture deletes it after the test
        TableName=world.tables.state,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def test_a_dry_run_and_a_plan_update_no_register_and_send_nothing(
    world: World, sinks: Sinks, tmp_path: Path
) -> None:
    world.put(shared(101, day=1), shared(102, day=2))

    result = world.sync(dry_run=True)
    planned = hubsync("plan", env=clean_env(**world.env(), **_alert_env(world)), cwd=tmp_path)

    assert planned.returncode == 0, planned.stderr
    assert len(result.plan.conflicts) == 1
    assert register(world) == {}
    assert sinks.counts() == (0, 0, 0)


def test_a_digest_of_open_conflicts_goes_out_once_per_period(world: World, sinks: Sinks) -> None:
    world.put(shared(101, day=1), shared(102, day=2))

    world.sync(alert_digest_hours=24)
    world.sync(alert_digest_hours=24)

    topics = [r.json()["topic"] for r in sinks.webhook.received]
    assert sorted(topics) == ["conflict-opened", "digest"]
    [digest] = [r.json() for r in sinks.webhook.received if r.json()["topic"] == "digest"]
    assert digest["title"] == "hubsync: 1 conflict still open"


def test_budget_crossings_go_through_every_sink_once(world: World, sinks: Sinks) -> None:
    world.overrides.update(marketing_contact_limit=2)
    world.put(*(channel_item(300 + n) for n in range(3)))

    world.sync()
    world.sync()

    sent = {r.json()["topic"]: r.json()["text"] for r in sinks.webhook.received}
    assert len(sinks.webhook.received) == 2
    assert sorted(sent) == ["budget-holding", "budget-limit-reached"]
    assert len(sinks.slack.received) == 2 and len(sinks.topic.messages()) == 2
    assert "`hubsync budget` lists the held channels" in sent["budget-holding"]
