"""Live daemons in the state table, so that `hubsync status` can name each replica and its
role from anywhere: each one rewrites its item (`pk=replica`, `sk=<host>/<pid>/<owner>`) as
it renews or tries the lease, and DynamoDB's TTL removes those that stopped."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hubsync.domain.lease import Holder
from hubsync.state.history import EXPIRES_AT

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

REPLICA_PK = "replica"


@dataclass(frozen=True, slots=True)
class Replica:
    host: str
    pid: int
    role: str  # leader or standby
    seen_at: float  # Unix seconds

    def as_dict(self) -> dict[str, Any]:
        return {"host": self.host, "pid": self.pid, "role": self.role, "seen_at": self.seen_at}


class ReplicaBoard:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    def heartbeat(self, holder: Holder, role: str, live_for_s: float) -> None:
        now = time.time()
        self._client.put_item(
            TableName=self._table_name,
            Item={
                "pk": {"S": REPLICA_PK},
                "sk": {"S": _sort_key(holder)},
                "host": {"S": holder.host},
                "pid": {"N": str(holder.pid)},
                "role": {"S": role},
                "seen_at": {"N": f"{now:.3f}"},
                EXPIRES_AT: {"N": str(int(now + live_for_s))},
            },
        )

    def leave(self, holder: Holder) -> None:
        self._client.delete_item(
            TableName=self._table_name,
            Key={"pk": {"S": REPLICA_PK}, "sk": {"S": _sort_key(holder)}},
        )

    def live(self) -> list[Replica]:
        """Replicas seen before their item expires (DynamoDB removes expired ones later)."""
        response = self._client.query(
            TableName=self._table_name,
            KeyConditionExpression="pk = :pk",
            FilterExpression=f"{EXPIRES_AT} > :now",
            ExpressionAttributeValues={
                ":pk": {"S": REPLICA_PK},
                ":now": {"N": str(int(time.time()))},
            },
            ConsistentRead=True,
        )
        return [
            Replica(
                host=item["host"]["S"],
                pid=int(item["pid"]["N"]),
                role=item["role"]["S"],
                seen_at=float(item["seen_at"]["N"]),
            )
            for item in response["Items"]
        ]


def _sort_key(holder: Holder) -> str:
    return f"{holder.host}/{holder.pid}/{holder.owner}"
