"""Counters the daemon's /metrics reads: alerts sent and failed by sink, open conflicts by
kind (`hubsync_alerts_sent_total{sink}`, `hubsync_alerts_failed_total{sink}`,
`hubsync_conflicts_open{kind}`). Process-wide; updated by every run's after-run step."""

from __future__ import annotations

import threading
from collections import Counter

_lock = threading.Lock()
_sent: Counter[str] = Counter()
_failed: Counter[str] = Counter()
_open: dict[str, int] = {}


def count_sent(sink: str, n: int = 1) -> None:
    with _lock:
        _sent[sink] += n


def count_failed(sink: str, n: int = 1) -> None:
    with _lock:
        _failed[sink] += n


def set_open_conflicts(by_kind: dict[str, int]) -> None:
    with _lock:
        _open.clear()
        _open.update(by_kind)


def alerts_sent() -> dict[str, int]:
    """Messages each sink accepted since the process started (a summary counts once)."""
    with _lock:
        return dict(_sent)


def alerts_failed() -> dict[str, int]:
    with _lock:
        return dict(_failed)


def open_conflicts() -> dict[str, int]:
    """Open or acknowledged conflicts by kind, as of the last run that updated the register."""
    with _lock:
        return dict(_open)
