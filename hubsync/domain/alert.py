"""An alert: what a person is told, once, through every configured sink.

Anything may raise one (a conflict that opened, a run that failed, a budget running out): it
is stored in the outbox before it is sent, and its `key` is the idempotency key every sink
sees on every retry. A burst of alerts for one sink is summarised into one message.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# More alerts than this for one sink in one delivery become one summary message ...
BURST_LIMIT = 10
# ... which names the first this many.
SUMMARY_SHOWN = 20
SUMMARY = "summary"  # the topic of a burst's one message


@dataclass(frozen=True, slots=True)
class Alert:
    key: str  # stable: the same alert has the same key however often it is sent
    topic: str  # what happened, e.g. "conflict-opened", "run-failed"
    title: str  # one line
    sections: tuple[str, ...] = ()  # paragraphs of plain text (URLs as they are)
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable facts (JSON)
    created_at: str = ""  # ISO 8601, UTC; set when enqueued

    @property
    def text(self) -> str:
        return "\n\n".join((self.title, *self.sections))

    def payload(self) -> dict[str, Any]:
        """What the JSON webhook receives."""
        return {
            "key": self.key,
            "topic": self.topic,
            "title": self.title,
            "text": self.text,
            "created_at": self.created_at,
            "data": self.data,
        }


def summarize(alerts: Sequence[Alert]) -> list[Alert]:
    """The messages one sink gets for `alerts`: each alone, or one summary for a burst (its
    `data["keys"]` names the alerts it stands for)."""
    if len(alerts) <= BURST_LIMIT:
        return list(alerts)
    counts = Counter(alert.topic for alert in alerts)
    by_topic = ", ".join(f"{n} {topic}" for topic, n in sorted(counts.items()))
    shown = [f"- {alert.title}" for alert in alerts[:SUMMARY_SHOWN]]
    more = len(alerts) - len(shown)
    if more:
        shown.append(f"... and {more} more: `hubsync conflicts` lists every open conflict")
    keys = "\n".join(alert.key for alert in alerts)
    return [
        Alert(
            key="summary-" + hashlib.sha256(keys.encode()).hexdigest()[:16],
            topic=SUMMARY,
            title=f"hubsync: {len(alerts)} alerts ({by_topic})",
            sections=("\n".join(shown),),
            data={
                "counts": dict(sorted(counts.items())),
                "keys": [alert.key for alert in alerts],
            },
            created_at=max(alert.created_at for alert in alerts),
        )
    ]
