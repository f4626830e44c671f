"""The lease item in the state table (`pk=lease`, `sk=sync`): who may sync, by conditional
writes.

Taking it succeeds only when nobody holds it or its time is up, and bumps the fencing counter;
renewing and releasing succeed only for the holder whose counter is still the item's. The item
has no `expires_at`: DynamoDB's TTL would delete it, and the counter with it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from hubsync.aws import error_code
from hubsync.domain.lease import FREE, Holder, HolderKind, LeaseState

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_KEY: dict[str, Any] = {"pk": {"S": "lease"}, "sk": {"S": "sync"}}
_LOST = "ConditionalCheckFailedException"


class LeaseTable:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    def read(self) -> LeaseState:
        item = self._client.get_item(TableName=self._table_name, Key=_KEY, ConsistentRead=True)
        return _state(item.get("Item"))

    def acquire(self, holder: Holder, ttl_s: float, now: float) -> int | None:
        """Take the lease if it is free or expired; the new fencing counter, or None."""
        try:
            answer = self._client.update_item(
                TableName=self._table_name,
                Key=_KEY,
                UpdateExpression=(
                    "SET #owner = :owner, #kind = :kind, host = :host, pid = :pid, "
                    "lease_until = :until, fence = if_not_exists(fence, :zero) + :one"
                ),
                ConditionExpression="attribute_not_exists(#owner) OR lease_until <= :now",
                ExpressionAttributeNames={"#owner": "owner", "#kind": "kind"},
                ExpressionAttributeValues={
                    **_holder_values(holder),
                    ":until": _number(now + ttl_s),
                    ":now": _number(now),
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if error_code(exc) == _LOST:
                return None
            raise
        return int(answer["Attributes"]["fence"]["N"])

    def renew(self, holder: Holder, fence: int, ttl_s: float, now: float) -> bool:
        """Extend the lease; False when it is no longer this holder's."""
        return self._held_update(
            holder, fence, "SET lease_until = :until", {":until": _number(now + ttl_s)}
        )

    def release(self, holder: Holder, fence: int) -> bool:
        """Free the lease now, so that a standby need not wait for it to expire."""
        return self._held_update(
            holder,
            fence,
            "REMOVE #owner, #kind, host, pid SET lease_until = :zero",
            {":zero": {"N": "0"}},
        )

    def _held_update(
        self, holder: Holder, fence: int, expression: str, values: dict[str, Any]
    ) -> bool:
        try:
            self._client.update_item(
                TableName=self._table_name,
                Key=_KEY,
                UpdateExpression=expression,
                ConditionExpression="#owner = :owner AND fence = :fence",
                ExpressionAttributeNames={"#owner": "owner", "#kind": "kind"}
                if "#kind" in expression
                else {"#owner": "owner"},
                ExpressionAttributeValues={
                    ":owner": {"S": holder.owner},
                    ":fence": {"N": str(fence)},
                    **values,
                },
            )
        except ClientError as exc:
            if error_code(exc) == _LOST:
                return False
            raise
        return True


def _holder_values(holder: Holder) -> dict[str, Any]:
    return {
        ":owner": {"S": holder.owner},
        ":kind": {"S": holder.kind.value},
        ":host": {"S": holder.host},
        ":pid": {"N": str(holder.pid)},
    }


def _number(value: float) -> dict[str, str]:
    return {"N": str(Decimal(str(round(value, 3))))}


def _state(item: dict[str, Any] | None) -> LeaseState:
    if not item:
        return FREE
    fence = int(item.get("fence", {}).get("N", "0"))
    until = float(item.get("lease_until", {}).get("N", "0"))
    if "owner" not in item:
        return LeaseState(None, fence, until)
    holder = Holder(
        owner=item["owner"]["S"],
        kind=HolderKind(item["kind"]["S"]),
        host=item.get("host", {}).get("S", "?"),
        pid=int(item.get("pid", {}).get("N", "0")),
    )
    return LeaseState(holder, fence, until)
