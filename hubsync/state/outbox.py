"""The alert outbox in the state table: an alert is stored before it is sent, and each sink's
delivery is marked as it succeeds, so a sink that is down gets it on a later run, once.

Items are `pk=alert`, `sk=<key>` (one partition, read by a query): the alert as JSON,
`pending` (the sinks still to send it to; gone once all have it), `sent` (sink -> when),
`errors` (sink -> the last failure) and `conflict_id` for a conflict's alert history. Alerts
expire (`expires_at`, the table's TTL attribute) 90 days after they were last touched.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hubsync.aws import UnprocessedItemsError, translate_aws_errors, write_batches
from hubsync.domain.alert import Alert
from hubsync.state.history import EXPIRES_AT
from hubsync.state.store import StateError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_PK = "alert"
KEEP_S = 90 * 24 * 3600


@dataclass(frozen=True, slots=True)
class StoredAlert:
    alert: Alert
    pending: frozenset[str]
    sent: dict[str, str] = field(default_factory=dict)  # sink -> when
    errors: dict[str, str] = field(default_factory=dict)  # sink -> its last failure


class Outbox:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, alerts: Sequence[Alert], sinks: Sequence[str]) -> list[Alert]:
        """Store `alerts` for `sinks`; returns those newly stored. An alert whose key is
        already stored is the same alert: it is never queued twice."""
        known = self._stored_keys({alert.key for alert in alerts})
        new = list({a.key: a for a in alerts if a.key not in known}.values())
        requests = [{"PutRequest": {"Item": _new_item(alert, sinks)}} for alert in new]
        with self._errors():
            try:
                write_batches(self._client, self._table, requests)
            except UnprocessedItemsError as exc:
                raise StateError(str(exc)) from exc
        return new

    def _stored_keys(self, keys: set[str]) -> set[str]:
        ordered = [_key(key) for key in sorted(keys)]
        found: set[str] = set()
        with self._errors():
            for start in range(0, len(ordered), 100):
                request: Any = {
                    self._table: {
                        "Keys": ordered[start : start + 100],
                        "ProjectionExpression": "sk",
                    }
                }
                while request:
                    response = self._client.batch_get_item(RequestItems=request)
                    found.update(
                        i["sk"]["S"] for i in response.get("Responses", {}).get(self._table, [])
                    )
                    request = response.get("UnprocessedKeys") or None
        return found

    def pending(self) -> list[StoredAlert]:
        """Alerts some sink has not had yet, oldest first."""
        return self._query("attribute_exists(pending)")

    def of_conflict(self, conflict_id: str) -> list[StoredAlert]:
        return self._query("conflict_id = :cid", {":cid": {"S": conflict_id}})

    def mark_sent(self, keys: Iterable[str], sink: str, at: str) -> None:
        for key in keys:
            self._update(
                key,
                "DELETE pending :sink SET sent.#sink = :at, expires_at = :exp REMOVE errors.#sink",
                {":sink": {"SS": [sink]}, ":at": {"S": at}, ":exp": _expiry()},
                sink,
            )

    def mark_failed(self, keys: Iterable[str], sink: str, error: str) -> None:
        for key in keys:
            self._update(key, "SET errors.#sink = :error", {":error": {"S": error[:500]}}, sink)

    def _update(self, key: str, expression: str, values: dict[str, Any], sink: str) -> None:
        with self._errors():
            self._client.update_item(
                TableName=self._table,
                Key=_key(key),
                UpdateExpression=expression,
                ExpressionAttributeNames={"#sink": sink},
                ExpressionAttributeValues=values,
            )

    def _query(self, condition: str, values: dict[str, Any] | None = None) -> list[StoredAlert]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "FilterExpression": condition,
            "ExpressionAttributeValues": {":pk": {"S": _PK}, **(values or {})},
            "ConsistentRead": True,
        }
        found: list[StoredAlert] = []
        with self._errors():
            while True:
                response = self._client.query(**request)
                found.extend(map(_stored, response.get("Items", [])))
                if "LastEvaluatedKey" not in response:
                    break
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return sorted(found, key=lambda s: (s.alert.created_at, s.alert.key))

    def _errors(self) -> Any:
        return translate_aws_errors(
            StateError, f"state table '{self._table}' does not exist: alerts cannot be stored"
        )


def _new_item(alert: Alert, sinks: Sequence[str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        **_key(alert.key),
        "alert": {"S": json.dumps(_alert_item(alert), sort_keys=True)},
        "sent": {"M": {}},
        "errors": {"M": {}},
        "created_at": {"S": alert.created_at},
        EXPIRES_AT: _expiry(),
    }
    if sinks:
        item["pending"] = {"SS": sorted(set(sinks))}
    conflict_id = alert.data.get("conflict_id")
    if isinstance(conflict_id, str):
        item["conflict_id"] = {"S": conflict_id}
    return item


def _key(key: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": _PK}, "sk": {"S": key}}


def _expiry() -> dict[str, str]:
    return {"N": str(int(time.time()) + KEEP_S)}


def _alert_item(alert: Alert) -> dict[str, Any]:
    return {
        "key": alert.key,
        "topic": alert.topic,
        "title": alert.title,
        "sections": list(alert.sections),
        "data": alert.data,
        "created_at": alert.created_at,
    }


def _stored(item: dict[str, Any]) -> StoredAlert:
    pk = f"{item['pk']['S']}/{item['sk']['S']}"
    try:
        data = json.loads(item["alert"]["S"])
        alert = Alert(**{**data, "sections": tuple(data["sections"])})
        return StoredAlert(
            alert,
            frozenset(item.get("pending", {}).get("SS", [])),
            {k: v["S"] for k, v in item.get("sent", {}).get("M", {}).items()},
            {k: v["S"] for k, v in item.get("errors", {}).get("M", {}).items()},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(f"state item {pk!r} is not a valid alert ({exc!r}): delete it") from exc
