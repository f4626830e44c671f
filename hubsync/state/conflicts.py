"""The conflict register in the state table: one item per conflict, kept whole for ops.

Items are `pk=conflict`, `sk=<id>`, with the record as JSON in `record` (readable in the AWS
console as it is) and its `state` and `kind` beside it: one partition, so the register is read
by a query, never by scanning the links beside it. E-mail addresses are kept
unmasked: the register is ops' tool for resolving them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from hubsync.aws import UnprocessedItemsError, translate_aws_errors, write_batches
from hubsync.domain.conflicts import ChannelCard, ConflictRecord, ConflictState, HistoryEntry
from hubsync.state.store import StateError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_PK = "conflict"


class UnknownConflictError(Exception):
    """No conflict has the id given."""


class ConflictRegister:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def load(self) -> dict[str, ConflictRecord]:
        records: dict[str, ConflictRecord] = {}
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": _PK}},
            "ConsistentRead": True,
        }
        with self._errors():
            while True:
                response = self._client.query(**request)
                for item in response.get("Items", []):
                    record = _record(item)
                    records[record.id] = record
                if "LastEvaluatedKey" not in response:
                    return records
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def get(self, conflict_id: str) -> ConflictRecord:
        with self._errors():
            item = self._client.get_item(
                TableName=self._table, Key=_key(conflict_id), ConsistentRead=True
            ).get("Item")
        if not item:
            raise UnknownConflictError(
                f"no conflict {conflict_id!r}: `hubsync conflicts --state all` lists them"
            )
        return _record(item)

    def save(self, records: Iterable[ConflictRecord]) -> None:
        latest = {record.id: record for record in records}
        requests = [{"PutRequest": {"Item": _item(r)}} for r in latest.values()]
        with self._errors():
            try:
                write_batches(self._client, self._table, requests)
            except UnprocessedItemsError as exc:
                raise StateError(str(exc)) from exc

    def _errors(self) -> Any:
        return translate_aws_errors(
            StateError,
            f"state table '{self._table}' does not exist: no run has recorded conflicts yet",
        )


def _key(conflict_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": _PK}, "sk": {"S": conflict_id}}


def _item(record: ConflictRecord) -> dict[str, Any]:
    return {
        **_key(record.id),
        "record": {"S": json.dumps(asdict(record), sort_keys=True)},
        "state": {"S": str(record.state)},
        "kind": {"S": record.kind},
        "last_seen": {"S": record.last_seen},
    }


def _record(item: dict[str, Any]) -> ConflictRecord:
    pk = f"{item['pk']['S']}/{item['sk']['S']}"
    try:
        data = json.loads(item["record"]["S"])
        return ConflictRecord(
            **{
                **data,
                "state": ConflictState(data["state"]),
                "gleev_ids": tuple(data["gleev_ids"]),
                "contact_ids": tuple(data["contact_ids"]),
                "channels": tuple(ChannelCard(**c) for c in data["channels"]),
                "history": tuple(HistoryEntry(**h) for h in data["history"]),
            }
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(
            f"state item {pk!r} is not a valid conflict ({exc!r}): fix or delete it"
        ) from exc
