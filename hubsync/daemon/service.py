"""`hubsync run`: the long-running scheduler.

APScheduler only marks runs as due (incremental every interval, full on the reconcile cron)
and tends the lease; the runs themselves happen one at a time on the daemon's own loop, so
two never overlap, and ticks that come during a run are coalesced (`PendingRuns`). Only the
replica holding the lease runs anything; the others wait as standbys. Every run goes through
`app.run_sync`, like `hubsync sync`, so whatever follows a run follows a daemon's run too.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from hubsync.app import build_engine, run_sync
from hubsync.aws import dynamodb_client
from hubsync.daemon.lease import LeaseKeeper, this_process
from hubsync.daemon.metrics import DaemonMetrics
from hubsync.daemon.progress import LogProgress
from hubsync.daemon.shutdown import Shutdown
from hubsync.domain.identity import UnknownChannelError
from hubsync.domain.lease import HolderKind, renew_every
from hubsync.domain.quota import quota_low
from hubsync.domain.resync import ResyncRequest
from hubsync.domain.schedule import Due, PendingRuns
from hubsync.engine import RunOptions, SyncEngine
from hubsync.hubspot.errors import HubSpotAuthError
from hubsync.hubspot.gateway import HubSpotGateway
from hubsync.hubspot.schema import preflight
from hubsync.log import get_logger, mask_secrets
from hubsync.report import result_fields, summary_lines
from hubsync.result import RECORDED_DETAILS, RunResult
from hubsync.settings import ConfigError, Settings
from hubsync.state.history import HistoryEntry, RunHistory, entry_of, record_outcome
from hubsync.state.lease import LeaseTable
from hubsync.state.replicas import ReplicaBoard
from hubsync.state.requests import RequestQueue
from hubsync.state.store import StateError, StateStore

log = get_logger(__name__)

RECENT_RUNS = 10  # kept in memory for /status
SKIPPED = "skipped-quota"
ERROR = "error"


@dataclass
class DaemonStatus:
    """What /status shows; written by the daemon's loop, read by the admin server."""

    started_at: float = field(default_factory=time.time)
    role: str = "standby"
    last_runs: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT_RUNS))
    last_success_at: float | None = None
    last_error: str | None = None
    quota_guard: bool = False
    running: str | None = None


class _Guard:
    """The daemon's write guard: not while stopping, and only with the lease."""

    def __init__(self, shutdown: Shutdown, keeper: LeaseKeeper) -> None:
        self._shutdown = shutdown
        self._keeper = keeper

    def check(self) -> None:
        self._shutdown.check()
        self._keeper.check()


class Daemon:
    def __init__(self, settings: Settings, shutdown: Shutdown | None = None) -> None:
        self.settings = settings
        self.shutdown = shutdown or Shutdown(settings.shutdown_grace_seconds)
        client = dynamodb_client(settings.dynamo_endpoint_url)
        self.store = StateStore(client, settings.state_table, history_days=settings.history_days)
        self.keeper = LeaseKeeper(
            LeaseTable(client, settings.state_table),
            this_process(HolderKind.DAEMON),
            settings.lease_ttl_seconds,
        )
        self.queue = RequestQueue(client, settings.state_table, settings.history_days)
        self.history = RunHistory(client, settings.state_table, settings.history_days)
        self.replicas = ReplicaBoard(client, settings.state_table)
        self.gateway = HubSpotGateway(settings)
        self.progress = LogProgress()
        self.engine: SyncEngine = build_engine(
            settings,
            hubspot=self.gateway,
            state=self.store,
            guard=_Guard(self.shutdown, self.keeper),
            progress=self.progress,
        )
        self.metrics = DaemonMetrics([self.gateway.usage], [lambda: self.gateway.retries])
        self.status = DaemonStatus()
        self.pending = PendingRuns()
        self._pending_lock = threading.Lock()
        self.scheduler = _scheduler(settings, self)
        self._requests_due = True

    # -- start and stop ---------------------------------------------------------------------

    def start(self) -> None:
        """Check the state table, try the lease, start the schedule, say how it stands. A
        state table out of reach is waited for (/readyz says so), not fatal."""
        try:
            self.store.ensure_table(self.settings.create_state_table)
        except StateError as exc:
            log.warning("state table not usable yet; retrying on schedule", error=str(exc))
        self.tend_lease()
        self.scheduler.start()
        log.info(
            "daemon started",
            role=self.status.role,
            next_incremental=self.next_run_time("incremental"),
            next_reconcile=self.next_run_time("reconcile"),
            holder=self.keeper.holder.describe(),
        )

    def stop(self) -> None:
        self.scheduler.shutdown(wait=False)
        self.keeper.release()
        self.metrics.lease_held.set(0)
        try:
            self.replicas.leave(self.keeper.holder)
        except Exception as exc:  # it expires by itself
            log.warning("could not remove this replica from the board", error=str(exc))
        log.info("daemon stopped")

    def serve(self) -> None:
        """The loop: one run at a time, until a signal."""
        while not self.shutdown.requested.is_set():
            self.shutdown.wake.wait(timeout=self.settings.request_poll_seconds)
            self.shutdown.wake.clear()
            if self.shutdown.requested.is_set() or not self.keeper.held:
                continue
            self.work_once()

    def work_once(self) -> None:
        """Run what is due now: a queued request first, else a scheduled run."""
        if self._requests_due:
            self._requests_due = False
            if self.run_next_request():
                self.shutdown.wake.set()  # more may be queued, or scheduled runs due
                return
        with self._pending_lock:
            due = self.pending.take()
        if due is not None:
            self.run_scheduled(due)

    # -- scheduler jobs (its threads) ---------------------------------------------------------

    def mark_due(self, due: Due) -> None:
        with self._pending_lock:
            self.pending.mark(due)
        self.shutdown.wake.set()

    def poll_requests(self) -> None:
        self._requests_due = True
        self.shutdown.wake.set()

    def tend_lease(self) -> None:
        """Renew the lease, or try to take it; keep this replica on the board."""
        if self.shutdown.requested.is_set():
            return
        try:
            held = self.keeper.renew() if self.keeper.held else self.keeper.try_acquire()
        except Exception as exc:
            log.warning("lease: the state table cannot be reached", error=mask_secrets(str(exc)))
            held = self.keeper.held
        role = "leader" if held else "standby"
        if role != self.status.role:
            log.info("role changed", role=role)
            if held:
                self.shutdown.wake.set()
        self.status.role = role
        self.metrics.lease_held.set(1 if held else 0)
        try:
            self.replicas.heartbeat(self.keeper.holder, role, 3 * self.settings.lease_ttl_seconds)
        except Exception as exc:
            log.warning("could not update this replica on the board", error=str(exc))

    # -- runs ---------------------------------------------------------------------------------

    def run_scheduled(self, due: Due) -> None:
        if self._quota_holds_back(due):
            return
        self._run(RunOptions(full=due is Due.FULL), label=due.value)

    def run_next_request(self) -> bool:
        """Run the oldest queued request, if any; True if one was run."""
        try:
            queued = self.queue.queued()
        except Exception as exc:
            log.warning("resync requests cannot be read", error=mask_secrets(str(exc)))
            return False
        self.metrics.queued.set(len(queued))
        for request in queued:
            if self.queue.claim(request):
                self._run_request(request)
                return True
        return False

    def _run_request(self, request: ResyncRequest) -> None:
        scope = request.scope
        options = RunOptions(full=scope.full, dry_run=scope.dry_run, channels=scope.channels)
        log.info("resync request picked up", request_id=request.id, **scope.as_dict())
        self.progress.report = self._reporter(request.id)
        try:
            result, error, code = self._run(options, label=f"resync {request.id}")
        finally:
            self.progress.report = None
        if result is not None and result.stopped_on in ("stopped", "lease-lost"):
            self.queue.requeue(request)  # whoever leads next runs it whole
            return
        if result is None:
            self.queue.finish(request.id, code, error=error)
            return
        record = result.record(RECORDED_DETAILS)
        self.queue.finish(
            request.id,
            0 if result.verdict.ok else 1,
            summary="\n".join(summary_lines(result)),
            result=result_fields(record),
        )

    def _reporter(self, request_id: str) -> Callable[[int, int], None]:
        """Progress written to the request, for `hubsync resync` to draw; never fails a run."""

        def report(sent: int, planned: int) -> None:
            try:
                self.queue.progress(request_id, sent, planned, sum(self.gateway.calls.values()))
            except Exception as exc:
                log.debug("request progress not saved", error=mask_secrets(str(exc)))

        return report

    def _run(self, options: RunOptions, *, label: str) -> tuple[RunResult | None, str | None, int]:
        """One run through `run_sync`; never raises. The result, or the error and the exit
        code `hubsync sync` would give."""
        self.status.running = label
        started = time.monotonic()
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        mode = "full" if options.full else "incremental"
        try:
            result = run_sync(self.settings, options, self.engine)
        except Exception as exc:
            code = 2 if isinstance(exc, UnknownChannelError | HubSpotAuthError | ConfigError) else 1
            message = " ".join(mask_secrets(f"{type(exc).__name__}: {exc}").split())
            log.error("run failed; the next tick tries again", run=label, error=message)
            duration = time.monotonic() - started
            self.metrics.observe_run(mode, ERROR, duration, {})
            self.status.last_error = message
            entry = HistoryEntry(
                uuid.uuid4().hex[:12], started_at, mode, ERROR, message, {}, 0, round(duration, 3)
            )
            self._remember(entry, keep=not options.dry_run)
            return None, message, code
        finally:
            self.status.running = None
        record = result.record(RECORDED_DETAILS)
        outcome = record_outcome(record)
        counts = entry_of(record, outcome).counts
        self.metrics.observe_run(result.mode, outcome, result.duration_s, counts)
        if result.budget is not None and not result.dry_run:
            self.metrics.observe_budget(result.budget)
        if result.verdict.ok:
            self.status.last_success_at = time.time()
            self.metrics.last_success.set(self.status.last_success_at)
        else:
            self.status.last_error = result.verdict.reason
        self.status.last_runs.appendleft(entry_of(record, outcome).as_dict())
        return result, None, 0 if result.verdict.ok else 1

    def _remember(self, entry: HistoryEntry, *, keep: bool) -> None:
        self.status.last_runs.appendleft(entry.as_dict())
        if keep:
            try:
                self.history.add(entry)
            except Exception as exc:
                log.warning("run history cannot be written", error=mask_secrets(str(exc)))

    def _quota_holds_back(self, due: Due) -> bool:
        """While the portal's daily calls are low, a tick makes only the preflight call, so
        that runs resume as soon as HubSpot's daily counter resets."""
        reserve = self.settings.daily_reserve
        daily = self.gateway.usage.daily
        if quota_low(daily.limit, daily.remaining, reserve):
            try:
                preflight(self.gateway, self.settings.key_property)
            except Exception as exc:
                log.warning("quota probe failed", error=mask_secrets(str(exc)))
            daily = self.gateway.usage.daily
        low = quota_low(daily.limit, daily.remaining, reserve)
        if low != self.status.quota_guard:
            log.warning(
                "quota guard " + ("on: scheduled runs skipped" if low else "off: runs resume"),
                daily_limit=daily.limit,
                daily_remaining=daily.remaining,
                reserve=reserve,
            )
        self.status.quota_guard = low
        self.metrics.quota_guard.set(1 if low else 0)
        if low:
            mode = "full" if due is Due.FULL else "incremental"
            self.metrics.runs.labels(mode, SKIPPED).inc()
            log.info("scheduled run skipped: daily quota reserve", mode=mode)
        return low

    # -- what /status shows -------------------------------------------------------------------

    def _queued_count(self) -> int | None:
        try:
            return len(self.queue.queued())
        except Exception:
            return None  # /status still answers while DynamoDB is away

    def next_run_time(self, job_id: str) -> str | None:
        job = self.scheduler.get_job(job_id)
        when = getattr(job, "next_run_time", None) if job else None
        return when.astimezone(UTC).isoformat(timespec="seconds") if when else None

    def status_dict(self) -> dict[str, Any]:
        status = self.status
        daily = self.gateway.usage.daily
        return {
            "role": status.role,
            "holder": self.keeper.holder.describe(),
            "running": status.running,
            "last_runs": list(status.last_runs),
            "last_success_at": _iso(status.last_success_at),
            "next_runs": {
                "incremental": self.next_run_time("incremental"),
                "reconcile": self.next_run_time("reconcile"),
            },
            "queued_requests": self._queued_count(),
            "last_error": status.last_error,
            "quota_guard": {
                "active": status.quota_guard,
                "daily_limit": daily.limit,
                "daily_remaining": daily.remaining,
                "reserve": self.settings.daily_reserve,
            },
        }


def _iso(when: float | None) -> str | None:
    return datetime.fromtimestamp(when, UTC).isoformat(timespec="seconds") if when else None


def _scheduler(settings: Settings, daemon: Daemon) -> BackgroundScheduler:
    # Its warnings are ticks skipped or missed while a run goes on: the coalescing we want.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    jobs: tuple[tuple[str, Callable[[], None], Any], ...] = (
        (
            "incremental",
            lambda: daemon.mark_due(Due.INCREMENTAL),
            IntervalTrigger(seconds=settings.sync_interval_seconds, timezone=UTC),
        ),
        (
            "reconcile",
            lambda: daemon.mark_due(Due.FULL),
            CronTrigger.from_crontab(settings.reconcile_cron, timezone=UTC),
        ),
        (
            "lease",
            daemon.tend_lease,
            IntervalTrigger(seconds=renew_every(settings.lease_ttl_seconds), timezone=UTC),
        ),
        (
            "requests",
            daemon.poll_requests,
            IntervalTrigger(seconds=settings.request_poll_seconds, timezone=UTC),
        ),
    )
    for job_id, action, trigger in jobs:
        scheduler.add_job(action, trigger, id=job_id, name=job_id)
    # A daemon that starts syncs at once, rather than one interval later.
    scheduler.get_job("incremental").modify(next_run_time=datetime.now(UTC))
    return scheduler
