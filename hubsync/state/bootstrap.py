"""`hubsync state create`: the state table, for deployments without the CloudFormation
template (deploy/aws/state-table.yaml), set up the same way.

Idempotent: what is already there is reported and left alone, what is missing is created or
switched on. TTL on `expires_at` lets DynamoDB delete the records that expire (run history,
requests once done, ...); point-in-time recovery keeps what a full run cannot rebuild (the
history, queued requests) restorable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from hubsync.aws import error_code, translate_aws_errors
from hubsync.state.history import EXPIRES_AT
from hubsync.state.store import StateError, StateStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_TTL_ON = ("ENABLED", "ENABLING")


@dataclass(frozen=True, slots=True)
class StateTableReport:
    table: str
    steps: tuple[str, ...]  # what was found, or done, in order

    def lines(self) -> list[str]:
        return [f"state table {self.table}: ready", *(f"  {step}" for step in self.steps)]


def create_state_table(client: DynamoDBClient, table: str) -> StateTableReport:
    with translate_aws_errors(StateError, f"state table '{table}' disappeared while being set up"):
        existed = _exists(client, table)
        StateStore(client, table).ensure_table(create=True)
        steps = ["exists (key pk + sk)" if existed else "created (key pk + sk, on demand)"]
        steps.append(_ensure_ttl(client, table, created=not existed))
        steps.append(_ensure_point_in_time_recovery(client, table))
    return StateTableReport(table, tuple(steps))


def _exists(client: DynamoDBClient, table: str) -> bool:
    try:
        client.describe_table(TableName=table)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return False
        raise
    return True


def _ensure_ttl(client: DynamoDBClient, table: str, *, created: bool) -> str:
    """TTL on `expires_at`: a table hubsync creates has it from the start."""
    ttl = client.describe_time_to_live(TableName=table).get("TimeToLiveDescription", {})
    attribute, status = ttl.get("AttributeName"), ttl.get("TimeToLiveStatus", "DISABLED")
    if status in _TTL_ON and attribute == EXPIRES_AT:
        return f"TTL on {EXPIRES_AT}: {'switched on' if created else 'already on'}"
    if status in _TTL_ON:
        raise StateError(
            f"state table '{table}' expires items on '{attribute}', not on {EXPIRES_AT}: "
            "turn that TTL off (aws dynamodb update-time-to-live), then run this again"
        )
    client.update_time_to_live(
        TableName=table,
        TimeToLiveSpecification={"AttributeName": EXPIRES_AT, "Enabled": True},
    )
    return f"TTL on {EXPIRES_AT}: switched on"


def _ensure_point_in_time_recovery(client: DynamoDBClient, table: str) -> str:
    backups = client.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    status = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
    if status == "ENABLED":
        return "point-in-time recovery: already on"
    client.update_continuous_backups(
        TableName=table,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    return "point-in-time recovery: switched on"
