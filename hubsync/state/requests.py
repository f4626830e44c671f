"""Resync requests in the state table, queued by `hubsync resync` or POST /resync and run by
the leader.

Requests share one partition (`pk=resync`, `sk=<request id>`, ids sorting by creation), so
the leader finds the queued ones with one query; done ones expire after `history_days`
through `expires_at`. One index item per queued scope (`pk=resync-scope`, `sk=<scope key>`)
names the request a new one with the same scope is merged into; the leader removes it when
it picks the request up, so a request made after that is run again.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from hubsync.aws import error_code
from hubsync.domain.resync import RequestState, ResyncRequest, ResyncScope
from hubsync.state.history import DAY_S, EXPIRES_AT

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

REQUEST_PK = "resync"
SCOPE_PK = "resync-scope"
_CONDITION_FAILED = "ConditionalCheckFailedException"


class RequestQueue:
    def __init__(self, client: DynamoDBClient, table_name: str, keep_days: int = 90) -> None:
        self._client = client
        self._table_name = table_name
        self._keep_s = keep_days * DAY_S

    def submit(self, scope: ResyncScope) -> tuple[str, bool]:
        """Queue a request; its id, and whether it was merged into one already queued."""
        # Sorts by creation: the leader runs the oldest first.
        request_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:8]}"
        self._client.put_item(TableName=self._table_name, Item=_request_item(request_id, scope))
        while True:
            if self._claim_scope(scope, request_id):
                return request_id, False
            existing = self._scope_owner(scope)
            if existing is None:
                continue  # picked up between our two reads: try again
            queued = self.get(existing)
            if queued is not None and queued.state is RequestState.QUEUED:
                if self._withdraw(request_id):
                    return existing, True
                return request_id, False  # the leader took ours already: it runs
            # The index names a request that is no longer queued (its submitter stopped
            # between the two writes): ours takes its place.
            self._release_scope(scope, existing)

    def queued(self) -> list[ResyncRequest]:
        """Queued requests, oldest first."""
        response = self._client.query(
            TableName=self._table_name,
            KeyConditionExpression="pk = :pk",
            FilterExpression="#state = :queued",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":pk": {"S": REQUEST_PK},
                ":queued": {"S": RequestState.QUEUED.value},
            },
            ConsistentRead=True,
        )
        return [_request(item) for item in response["Items"]]

    def get(self, request_id: str) -> ResyncRequest | None:
        item = self._client.get_item(
            TableName=self._table_name, Key=_key(REQUEST_PK, request_id), ConsistentRead=True
        ).get("Item")
        return _request(item) if item else None

    def claim(self, request: ResyncRequest) -> bool:
        """Mark a queued request running; False if it is not queued any more. A request with
        the same scope made from now on is queued anew."""
        self._release_scope(request.scope, request.id)
        return self._update(
            request.id,
            "SET #state = :running, picked_at = :now",
            {":running": {"S": RequestState.RUNNING.value}, ":now": {"S": _now()}},
            condition_state=RequestState.QUEUED,
        )

    def requeue(self, request: ResyncRequest) -> None:
        """A request whose run was cut short by a shutdown is run by the next leader."""
        self._update(
            request.id,
            "SET #state = :queued",
            {":queued": {"S": RequestState.QUEUED.value}},
            condition_state=RequestState.RUNNING,
        )

    def progress(self, request_id: str, sent: int, planned: int, calls: int) -> None:
        """How far the request's run has written, for the command that waits for it."""
        self._update(
            request_id,
            "SET progress = :progress",
            {":progress": {"S": json.dumps({"sent": sent, "planned": planned, "calls": calls})}},
        )

    def finish(
        self,
        request_id: str,
        exit_code: int,
        *,
        error: str | None = None,
        summary: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> None:
        values: dict[str, Any] = {
            ":done": {"S": RequestState.DONE.value},
            ":now": {"S": _now()},
            ":code": {"N": str(exit_code)},
            ":expires": {"N": str(int(time.time() + self._keep_s))},
            ":error": {"S": error or ""},
            ":summary": {"S": summary or ""},
            ":result": {"S": json.dumps(result) if result is not None else ""},
        }
        self._update(
            request_id,
            f"SET #state = :done, finished_at = :now, exit_code = :code, {EXPIRES_AT} = :expires, "
            "#error = :error, summary = :summary, #result = :result",
            values,
            names={"#error": "error", "#result": "result"},
        )

    # -- plumbing ---------------------------------------------------------------------------

    def _claim_scope(self, scope: ResyncScope, request_id: str) -> bool:
        try:
            self._client.put_item(
                TableName=self._table_name,
                Item={**_key(SCOPE_PK, scope.key()), "request_id": {"S": request_id}},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if error_code(exc) == _CONDITION_FAILED:
                return False
            raise
        return True

    def _scope_owner(self, scope: ResyncScope) -> str | None:
        item = self._client.get_item(
            TableName=self._table_name, Key=_key(SCOPE_PK, scope.key()), ConsistentRead=True
        ).get("Item")
        return item["request_id"]["S"] if item else None

    def _release_scope(self, scope: ResyncScope, request_id: str) -> None:
        try:
            self._client.delete_item(
                TableName=self._table_name,
                Key=_key(SCOPE_PK, scope.key()),
                ConditionExpression="request_id = :id",
                ExpressionAttributeValues={":id": {"S": request_id}},
            )
        except ClientError as exc:
            if error_code(exc) != _CONDITION_FAILED:
                raise

    def _withdraw(self, request_id: str) -> bool:
        try:
            self._client.delete_item(
                TableName=self._table_name,
                Key=_key(REQUEST_PK, request_id),
                ConditionExpression="#state = :queued",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":queued": {"S": RequestState.QUEUED.value}},
            )
        except ClientError as exc:
            if error_code(exc) == _CONDITION_FAILED:
                return False
            raise
        return True

    def _update(
        self,
        request_id: str,
        expression: str,
        values: dict[str, Any],
        *,
        condition_state: RequestState | None = None,
        names: dict[str, str] | None = None,
    ) -> bool:
        request: dict[str, Any] = {
            "TableName": self._table_name,
            "Key": _key(REQUEST_PK, request_id),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": dict(names or {}),
            "ExpressionAttributeValues": dict(values),
        }
        if "#state" in expression or condition_state is not None:
            request["ExpressionAttributeNames"]["#state"] = "state"
        if condition_state is not None:
            request["ConditionExpression"] = "#state = :expected"
            request["ExpressionAttributeValues"][":expected"] = {"S": condition_state.value}
        else:
            request["ConditionExpression"] = "attribute_exists(pk)"
        try:
            self._client.update_item(**request)
        except ClientError as exc:
            if error_code(exc) == _CONDITION_FAILED:
                return False
            raise
        return True


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _request_item(request_id: str, scope: ResyncScope) -> dict[str, Any]:
    return {
        **_key(REQUEST_PK, request_id),
        "full": {"BOOL": scope.full},
        "dry_run": {"BOOL": scope.dry_run},
        "channels": {"S": json.dumps(list(scope.channels))},
        "state": {"S": RequestState.QUEUED.value},
        "created_at": {"S": _now()},
    }


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return value or None


def _request(item: dict[str, Any]) -> ResyncRequest:
    result = _text(item, "result")
    code = item.get("exit_code", {}).get("N")
    return ResyncRequest(
        id=item["sk"]["S"],
        scope=ResyncScope(
            full=item["full"]["BOOL"],
            channels=tuple(json.loads(item["channels"]["S"])),
            dry_run=item["dry_run"]["BOOL"],
        ),
        state=RequestState(item["state"]["S"]),
        created_at=item["created_at"]["S"],
        finished_at=_text(item, "finished_at"),
        exit_code=int(code) if code is not None else None,
        error=_text(item, "error"),
        summary=_text(item, "summary"),
        result=json.loads(result) if result else None,
        progress=json.loads(progress) if (progress := _text(item, "progress")) else None,
    )
