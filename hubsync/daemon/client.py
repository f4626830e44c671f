"""What the commands `resync`, `status` and `health` do: they talk to the state table (and
`health` to the admin server), so they work from anywhere, with or without a daemon."""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from hubsync.aws import dynamodb_client, translate_aws_errors
from hubsync.daemon.progress import BarProgress
from hubsync.domain.resync import RequestState, ResyncRequest, ResyncScope
from hubsync.settings import Settings
from hubsync.state.history import RunHistory
from hubsync.state.lease import LeaseTable
from hubsync.state.replicas import ReplicaBoard
from hubsync.state.requests import RequestQueue
from hubsync.state.store import StateError

POLL_S = 0.5
HEALTH_TIMEOUT_S = 5.0
LAST_RUNS = 10


class NotPickedUp(StateError):
    """No daemon took the request in time; it stays queued."""


def _missing_table(settings: Settings) -> str:
    return f"state table '{settings.state_table}' does not exist: no run or daemon has used it yet"


def submit_and_wait(
    settings: Settings,
    *,
    full: bool,
    dry_run: bool,
    channels: tuple[str, ...],
    wait: bool,
    timeout_s: float,
    say: Callable[[str], None],
) -> ResyncRequest | None:
    queue = RequestQueue(
        dynamodb_client(settings.dynamo_endpoint_url), settings.state_table, settings.history_days
    )
    with translate_aws_errors(StateError, _missing_table(settings)):
        request_id, merged = queue.submit(ResyncScope(full, channels, dry_run))
        if merged:
            say(f"merged into resync request {request_id}, already queued with the same scope")
        else:
            say(f"resync request {request_id} queued")
        if not wait:
            print(request_id)
            return None
        bar = _bar_on_terminal()
        try:
            return _wait(queue, request_id, timeout_s, bar)
        finally:
            if bar is not None:
                bar.close()


class _Bar:
    def __init__(self) -> None:
        self.calls = 0
        self.bar = BarProgress(lambda: self.calls)

    def show(self, progress: dict[str, int]) -> None:
        self.calls = progress.get("calls", 0)
        self.bar.advance(progress.get("sent", 0), progress.get("planned", 0))

    def close(self) -> None:
        self.bar.close()


def _bar_on_terminal() -> _Bar | None:
    return _Bar() if sys.stderr.isatty() else None


def _wait(
    queue: RequestQueue, request_id: str, timeout_s: float, bar: _Bar | None = None
) -> ResyncRequest:
    deadline = time.monotonic() + timeout_s
    while True:
        request = queue.get(request_id)
        if bar is not None and request is not None and request.progress:
            bar.show(request.progress)
        if request is not None and request.state is RequestState.DONE:
            return request
        queued = request is None or request.state is RequestState.QUEUED
        if queued and time.monotonic() >= deadline:
            raise NotPickedUp(
                f"no daemon picked up resync request {request_id} within {timeout_s:g} s: it "
                "stays queued, and a daemon that starts later runs it; to sync now without "
                "a daemon, run `hubsync sync`"
            )
        time.sleep(POLL_S)


def read_status(settings: Settings) -> dict[str, Any]:
    client = dynamodb_client(settings.dynamo_endpoint_url)
    table = settings.state_table
    with translate_aws_errors(StateError, _missing_table(settings)):
        lease = LeaseTable(client, table).read()
        now = time.time()
        return {
            "lease": {
                "held": lease.held_at(now),
                "holder": lease.holder.describe() if lease.holder else None,
                "fence": lease.fence,
                "until": lease.until,
            },
            "replicas": [r.as_dict() for r in ReplicaBoard(client, table).live()],
            "last_runs": [e.as_dict() for e in RunHistory(client, table, 1).latest(LAST_RUNS)],
            "queued_requests": [r.as_dict() for r in RequestQueue(client, table).queued()],
        }


def status_lines(report: dict[str, Any]) -> list[str]:
    lease = report["lease"]
    lines = [f"lease: {'held by ' + lease['holder'] if lease['held'] else 'free'}"]
    replicas = report["replicas"]
    lines.append(f"replicas ({len(replicas)} live):")
    lines += [f"  {r['role']:<8} {r['host']} pid {r['pid']}" for r in replicas] or ["  none"]
    lines.append("last runs:")
    for run in report["last_runs"]:
        counts = run["counts"]
        lines.append(
            f"  {run['started_at']} {run['mode']:<11} {run['outcome']:<13} "
            f"{counts.get('created', 0)} created, {counts.get('updated', 0)} updated, "
            f"{counts.get('unchanged', 0)} unchanged, {counts.get('failed', 0)} failed; "
            f"{run['api_calls']} calls, {run['duration_s']:.1f} s"
            + ("" if run["outcome"] == "ok" else f" ({run['reason']})")
        )
    if not report["last_runs"]:
        lines.append("  none")
    queued = report["queued_requests"]
    lines.append(f"queued resync requests: {len(queued)}")
    lines += [
        f"  {r['id']} full={r['full']} dry_run={r['dry_run']} "
        f"channels={','.join(r['channels']) or 'all'}"
        for r in queued
    ]
    return lines


def probe_health(settings: Settings) -> tuple[bool, str]:
    host = settings.admin_host
    host = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host
    url = f"http://{host}:{settings.admin_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=HEALTH_TIMEOUT_S) as answer:
            return answer.status == 200, f"healthy: {url} answered {answer.status}"
    except urllib.error.HTTPError as exc:
        return False, f"unhealthy: {url} answered {exc.code}"
    except (OSError, urllib.error.URLError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"unhealthy: {url} did not answer ({reason})"
