"""After a run: update the conflict register, raise the alerts it calls for, deliver them.

It runs after the engine has recorded its result, for every run that wrote (a dry run or a
plan updates nothing and sends nothing), and it never fails the sync: a register or a sink
that cannot be reached is logged, and what was not sent goes out on the next run.

What a run reports becomes register entries through `INTAKE`: one function per kind of
report, so a new one plugs in with one line.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from hubsync.alerts import metrics
from hubsync.alerts.delivery import Alerting
from hubsync.alerts.sink import Sink
from hubsync.alerts.slack import SlackSink
from hubsync.alerts.sns import SnsSink
from hubsync.alerts.webhook import WebhookSink
from hubsync.aws import dynamodb_client
from hubsync.budgeting import LoggedBudgetAlerts
from hubsync.domain.alert import Alert
from hubsync.domain.budget_alerts import BudgetAlert
from hubsync.domain.changes import ChangeKind
from hubsync.domain.channel import EmailIssue
from hubsync.domain.conflict_messages import (
    budget_alert,
    conflict_alert,
    digest_alert,
    run_alert,
)
from hubsync.domain.conflicts import (
    Change,
    ChannelCard,
    ConflictRecord,
    ConflictState,
    Observed,
    RunScope,
    Update,
    open_by_kind,
    reconcile,
)
from hubsync.domain.plan import FLAG_SEPARATOR
from hubsync.log import get_logger
from hubsync.result import RunResult
from hubsync.settings import Settings
from hubsync.state.conflicts import ConflictRegister
from hubsync.state.outbox import Outbox
from hubsync.state.store import StateError, StateStore

log = get_logger(__name__)


class Reported(Protocol):
    """Anything a run reports that the register keeps: a conflict, a merge, a GDPR delete."""

    @property
    def gleev_ids(self) -> tuple[int, ...]: ...

    @property
    def detail(self) -> str: ...


def observed(kind: object, item: Reported) -> Observed:
    return Observed(
        kind=str(kind),
        gleev_ids=tuple(item.gleev_ids),
        detail=item.detail,
        email=getattr(item, "email", None),
        contact_ids=tuple(getattr(item, "contact_ids", ())),
    )


def _planner_conflicts(result: RunResult) -> Iterable[Observed]:
    return (observed(c.kind, c) for c in result.plan.conflicts)


def _email_flags(result: RunResult) -> Iterable[Observed]:
    """`missing-email` and `invalid-email` are flags on a synced channel; each its own entry."""
    issues = {issue.value for issue in EmailIssue}
    for flagged in result.plan.flagged:
        first = flagged.flag.split(FLAG_SEPARATOR)[0]
        if first in issues:
            reason = flagged.reason.split("; ")[0]
            yield Observed(first, (flagged.gleev_id,), reason)


def _contact_changes(result: RunResult) -> Iterable[Observed]:
    """Merges and GDPR deletes people made in HubSpot; a recreated contact needs nobody."""
    return (observed(c.kind, c) for c in result.contact_changes if c.kind != ChangeKind.RECREATED)


# One line per kind of report a run makes.
INTAKE: tuple[Callable[[RunResult], Iterable[Observed]], ...] = (
    _planner_conflicts,
    _email_flags,
    _contact_changes,
)


def run_scope(result: RunResult) -> RunScope:
    if result.channels:
        return RunScope(frozenset(o.gleev_id for o in result.channels), complete_view=False)
    return RunScope(None, complete_view=result.mode == "full")


def build_alerting(settings: Settings, client: Any) -> Alerting:
    timeout = settings.alert_timeout_s
    sinks: list[Sink] = []
    if settings.alert_slack_webhook_url:
        sinks.append(SlackSink(settings.alert_slack_webhook_url.get_secret_value(), timeout))
    if settings.alert_webhook_url:
        secret = settings.alert_webhook_secret
        sinks.append(
            WebhookSink(
                settings.alert_webhook_url, secret.get_secret_value() if secret else None, timeout
            )
        )
    if settings.alert_sns_topic_arn:
        sinks.append(SnsSink(settings.alert_sns_topic_arn, timeout))
    return Alerting(Outbox(client, settings.state_table), sinks, timeout)


class QueuedBudgetAlerts:
    """Budget alerts into the outbox, delivered with the run's other alerts after it; the log
    alone when the outbox cannot be reached (a budget alert never fails the sync)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, alert: BudgetAlert, run_id: str) -> None:
        try:
            client = dynamodb_client(self.settings.dynamo_endpoint_url)
            build_alerting(self.settings, client).enqueue([budget_alert(alert, run_id)])
        except Exception as exc:
            LoggedBudgetAlerts().send(alert, run_id)
            log.warning("budget alert not queued", error=f"{type(exc).__name__}: {exc}")


class AfterRun:
    """The register, the outbox and the sinks of one settings."""

    def __init__(self, settings: Settings, client: Any = None) -> None:
        self.settings = settings
        client = client or dynamodb_client(settings.dynamo_endpoint_url)
        self.register = ConflictRegister(client, settings.state_table)
        self.links = StateStore(client, settings.state_table)
        self.alerting = build_alerting(settings, client)

    def after_run(self, result: RunResult) -> list[Update]:
        """Register what the run saw, alert what changed, deliver; never raises."""
        if result.dry_run:
            return []
        updates: list[Update] = []
        try:
            updates = self._register(result)
            alerts = [self._conflict_alert(u.record, u.change) for u in updates if u.change]
            if not result.verdict.ok:
                reason = result.verdict.reason or "the run failed"
                alerts.append(run_alert(result.run_id, result.mode, reason, recorded=True))
            alerts.extend(self._digest())
            self.alerting.enqueue(alerts)
        except StateError as exc:
            log.warning("conflict register not updated", reason=str(exc))
        except Exception as exc:  # the sync is done; this must not undo it
            log.warning("after-run step failed", error=f"{type(exc).__name__}: {exc}")
        self.deliver()
        return updates

    def run_failed(self, run_id: str, mode: str, error: BaseException) -> None:
        """A run that stopped with an error, or could not write its records."""
        recorded = not isinstance(error, StateError)
        alert = run_alert(run_id, mode, str(error), recorded=recorded)
        try:
            self.alerting.enqueue([alert])
        except StateError:
            self.alerting.send_now(alert)
            return
        except Exception as exc:
            log.warning("after-run step failed", error=f"{type(exc).__name__}: {exc}")
            return
        self.deliver()

    def deliver(self) -> None:
        try:
            self.alerting.deliver()
        except Exception as exc:
            log.warning("alerts not delivered", error=f"{type(exc).__name__}: {exc}")

    def _register(self, result: RunResult) -> list[Update]:
        seen = [o for intake in INTAKE for o in intake(result)]
        register = self.register.load()
        now = _now()
        cards = _cards(result, {gid for o in seen for gid in o.gleev_ids})
        updates = reconcile(register, seen, run_scope(result), now, cards)
        updates = self._with_contacts(updates)
        self.register.save(u.record for u in updates)
        after = {**register, **{u.record.id: u.record for u in updates}}
        metrics.set_open_conflicts(open_by_kind(after.values()))
        changes = [u for u in updates if u.change]
        if changes:
            log.info(
                "conflict register updated",
                **{str(c): sum(u.change is c for u in changes) for c in Change},
            )
        return updates

    def _with_contacts(self, updates: list[Update]) -> list[Update]:
        """Each alerted channel's HubSpot contact, from hubsync's links (only for changes)."""
        wanted = {c.gleev_id for u in updates if u.change for c in u.record.channels}
        if not wanted:
            return updates
        links = self.links.links_of(wanted)
        return [replace(u, record=_with_links(u.record, links)) if u.change else u for u in updates]

    def _conflict_alert(self, record: ConflictRecord, change: Change) -> Alert:
        return conflict_alert(
            record,
            change,
            show_pii=self.settings.log_pii,
            portal_id=self.settings.hubspot_portal_id,
        )

    def _digest(self) -> list[Alert]:
        """At most one digest of the conflicts still open per HUBSYNC_ALERT_DIGEST_HOURS: its
        key names the period, so the outbox stores it once."""
        hours = self.settings.alert_digest_hours
        if not hours:
            return []
        still_open = [
            r for r in self.register.load().values() if r.state is not ConflictState.RESOLVED
        ]
        if not still_open:
            return []
        period = math.floor(time.time() / (hours * 3600))
        return [digest_alert(still_open, f"digest-{hours:g}h-{period}", self.settings.log_pii)]


def _cards(result: RunResult, gleev_ids: set[int]) -> dict[int, ChannelCard]:
    if result.source is None or not gleev_ids:
        return {}
    return {
        c.gleev_id: ChannelCard(c.gleev_id, c.youtube_id, c.title, c.created_at)
        for c in result.source.channels
        if c.gleev_id in gleev_ids
    }


def _with_links(record: ConflictRecord, links: Mapping[int, Any]) -> ConflictRecord:
    channels = tuple(
        replace(card, contact_id=links[card.gleev_id].contact_id)
        if card.gleev_id in links
        else card
        for card in record.channels
    )
    return replace(record, channels=channels)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def after_run(settings: Settings, result: RunResult) -> None:
    """The step `run_sync` takes after every run; never raises."""
    if result.dry_run:
        return
    try:
        AfterRun(settings).after_run(result)
    except Exception as exc:
        log.warning("after-run step failed", error=f"{type(exc).__name__}: {exc}")


def run_failed(settings: Settings, run_id: str, mode: str, error: BaseException) -> None:
    """Alert a run that stopped with `error`; never raises."""
    try:
        AfterRun(settings).run_failed(run_id, mode, error)
    except Exception as exc:
        log.warning("after-run step failed", error=f"{type(exc).__name__}: {exc}")
