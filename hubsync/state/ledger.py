"""The marketing-contact budget's records in the state table: the ledger of runs, the channels
held for want of room, and which budget alerts have gone out.

Keys follow the table's pk/sk scheme (state/store.py): `pk=budget-ledger`, `sk=<time>#<run id>`
for each run's entry (a query of one partition, in time order; `expires_at` lets DynamoDB's TTL
drop it after LEDGER_DAYS); `pk=budget-held`, `sk=<Gleev id>` for each held channel;
`pk=budget`, `sk=alerts` for the alert state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from hubsync.aws import error_code, translate_aws_errors, write_batches
from hubsync.domain.budget import RunBudget
from hubsync.domain.budget_alerts import AlertState
from hubsync.state.history import EXPIRES_AT
from hubsync.state.store import StateError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LEDGER_DAYS = 400  # a year of history, and the same month a year ago
_LEDGER_PK = "budget-ledger"
_HELD_PK = "budget-held"
_ALERTS_KEY = {"pk": {"S": "budget"}, "sk": {"S": "alerts"}}


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    run_id: str
    at: datetime  # when the run began, UTC
    budget: RunBudget


@dataclass(frozen=True, slots=True)
class HeldChannel:
    gleev_id: int
    reason: str
    since: str  # ISO 8601: the run that first held it


class BudgetBook:
    """The budget's records in hubsync's state table. A missing table reads as empty (a dry
    run or `hubsync budget` before the first run); writing needs it to exist."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    # -- the ledger -------------------------------------------------------------------------

    def append(self, entry: LedgerEntry) -> None:
        at = entry.at.astimezone(UTC)
        expires = at + timedelta(days=LEDGER_DAYS)
        item = {
            "pk": {"S": _LEDGER_PK},
            "sk": {"S": f"{at.isoformat(timespec='seconds')}#{entry.run_id}"},
            "run_id": {"S": entry.run_id},
            "entry": {"S": json.dumps(asdict(entry.budget), sort_keys=True)},
            EXPIRES_AT: {"N": str(int(expires.timestamp()))},
        }
        with self._errors():
            self._client.put_item(TableName=self._table_name, Item=item)

    def entries(self, since: datetime) -> list[LedgerEntry]:
        """The ledger's entries from `since` on, oldest first."""
        start = since.astimezone(UTC).isoformat(timespec="seconds")
        items = self._query(
            "pk = :pk AND sk >= :start", {":pk": {"S": _LEDGER_PK}, ":start": {"S": start}}
        )
        return [_entry(item) for item in items]

    # -- held channels ----------------------------------------------------------------------

    def held(self) -> dict[int, HeldChannel]:
        items = self._query("pk = :pk", {":pk": {"S": _HELD_PK}})
        channels = (_held(item) for item in items)
        return {channel.gleev_id: channel for channel in channels}

    def replace_held(self, held: Mapping[int, HeldChannel], before: Iterable[int]) -> None:
        """Keep exactly `held`, given the Gleev ids held `before`: writes only the change."""
        was = set(before)
        puts = [{"PutRequest": {"Item": _held_item(h)}} for g, h in held.items() if g not in was]
        deletes = [
            {"DeleteRequest": {"Key": _held_key(gleev_id)}} for gleev_id in was - held.keys()
        ]
        with self._errors():
            write_batches(self._client, self._table_name, [*puts, *deletes])

    # -- alerts -----------------------------------------------------------------------------

    def alert_state(self) -> AlertState:
        with self._errors():
            try:
                response = self._client.get_item(
                    TableName=self._table_name, Key=_ALERTS_KEY, ConsistentRead=True
                )
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return AlertState()
                raise
        item = response.get("Item")
        if not item:
            return AlertState()
        return AlertState(**json.loads(item["state"]["S"]))

    def save_alert_state(self, state: AlertState) -> None:
        item = {**_ALERTS_KEY, "state": {"S": json.dumps(asdict(state), sort_keys=True)}}
        with self._errors():
            self._client.put_item(TableName=self._table_name, Item=item)

    # -- DynamoDB ---------------------------------------------------------------------------

    def _query(self, condition: str, values: dict[str, Any]) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self._table_name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        with self._errors():
            while True:
                try:
                    response = self._client.query(**request)
                except ClientError as exc:
                    if error_code(exc) == "ResourceNotFoundException":
                        return
                    raise
                yield from response.get("Items", [])
                if "LastEvaluatedKey" not in response:
                    return
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _errors(self) -> AbstractContextManager[None]:
        return translate_aws_errors(
            StateError,
            f"state table '{self._table_name}' does not exist: run `hubsync sync` once with "
            "HUBSYNC_CREATE_STATE_TABLE=true, or create it (see README)",
        )


def _entry(item: dict[str, Any]) -> LedgerEntry:
    sk = item["sk"]["S"]
    try:
        at = datetime.fromisoformat(sk.split("#", 1)[0])
        return LedgerEntry(item["run_id"]["S"], at, RunBudget(**json.loads(item["entry"]["S"])))
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(f"budget ledger entry {sk!r} cannot be read ({exc!r})") from exc


def _held_key(gleev_id: int) -> dict[str, dict[str, str]]:
    return {"pk": {"S": _HELD_PK}, "sk": {"S": str(gleev_id)}}


def _held_item(held: HeldChannel) -> dict[str, dict[str, str]]:
    return {
        **_held_key(held.gleev_id),
        "reason": {"S": held.reason},
        "since": {"S": held.since},
    }


def _held(item: dict[str, Any]) -> HeldChannel:
    try:
        return HeldChannel(int(item["sk"]["S"]), item["reason"]["S"], item["since"]["S"])
    except (KeyError, ValueError) as exc:
        raise StateError(f"held channel {item.get('sk')!r} cannot be read ({exc!r})") from exc
