"""Run history in the state table: one item per run, kept `history_days`, newest first.

Items share one partition (`pk=history`), sorted by start time (`sk=<started_at>#<run_id>`),
so the last runs are one cheap query whatever the table holds; DynamoDB's TTL on
`expires_at` removes them after `history_days`. A run that could not complete (HubSpot or
DynamoDB unreachable) leaves no run record: the daemon keeps an entry for it with its error.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hubsync.result import RunRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

EXPIRES_AT = "expires_at"  # the state table's TTL attribute, Unix seconds
HISTORY_PK = "history"
DAY_S = 86_400


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One past run as `hubsync status` and /status show it."""

    run_id: str
    started_at: str
    mode: str
    outcome: str  # ok, failed, lease-lost, stopped, error
    reason: str
    counts: dict[str, int]
    api_calls: int
    duration_s: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "mode": self.mode,
            "outcome": self.outcome,
            "reason": self.reason,
            "counts": dict(self.counts),
            "api_calls": self.api_calls,
            "duration_s": self.duration_s,
        }


def entry_of(record: RunRecord, outcome: str) -> HistoryEntry:
    counts = {
        name: getattr(record.counts, name)
        for name in ("created", "updated", "unchanged", "failed", "rejected", "held")
    }
    return HistoryEntry(
        run_id=record.run_id,
        started_at=record.started_at,
        mode=record.mode,
        outcome=outcome,
        reason=record.verdict.reason,
        counts=counts,
        api_calls=record.api_calls.total,
        duration_s=record.duration_s,
    )


def record_outcome(record: RunRecord) -> str:
    """ok, failed, or why the run was halted (lease-lost, stopped)."""
    if record.verdict.ok:
        return "ok"
    halted = record.verdict.reason.split(":", 1)[0]
    return halted if halted in ("lease-lost", "stopped") else "failed"


class RunHistory:
    def __init__(self, client: DynamoDBClient, table_name: str, keep_days: int) -> None:
        self._client = client
        self._table_name = table_name
        self._keep_s = keep_days * DAY_S

    def append(self, record: RunRecord) -> None:
        self.add(entry_of(record, record_outcome(record)))

    def add(self, entry: HistoryEntry) -> None:
        self._client.put_item(
            TableName=self._table_name,
            Item={
                "pk": {"S": HISTORY_PK},
                "sk": {"S": f"{entry.started_at}#{entry.run_id}"},
                "entry": {"S": json.dumps(entry.as_dict(), sort_keys=True)},
                EXPIRES_AT: {"N": str(int(time.time() + self._keep_s))},
            },
        )

    def latest(self, limit: int = 10) -> list[HistoryEntry]:
        """The last `limit` runs, newest first; entries past their TTL but not yet removed by
        DynamoDB are left out."""
        response = self._client.query(
            TableName=self._table_name,
            KeyConditionExpression="pk = :pk",
            FilterExpression=f"{EXPIRES_AT} > :now",
            ExpressionAttributeValues={
                ":pk": {"S": HISTORY_PK},
                ":now": {"N": str(int(time.time()))},
            },
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )
        return [HistoryEntry(**json.loads(item["entry"]["S"])) for item in response["Items"]]
