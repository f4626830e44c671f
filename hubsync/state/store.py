"""hubsync's own memory in a DynamoDB table: links to contacts and the last run's result.

Every record is one item keyed by `pk` (what it is about, e.g. `link#1234`, `run`) and `sk`
(which record of it, e.g. `link`, `last`), so other kinds of records can share the table.
Records that expire carry `expires_at` (Unix seconds), the table's DynamoDB TTL attribute.
Before the first run the table may not exist yet: a dry run then reads it as empty.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from hubsync.aws import UnprocessedItemsError, error_code, translate_aws_errors, write_batches
from hubsync.domain.links import Link, Role
from hubsync.result import RunRecord, UnreadableRecord
from hubsync.state.history import EXPIRES_AT, RunHistory

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import KeySchemaElementTypeDef, TableDescriptionTypeDef

_LINK_PREFIX = "link#"
_LINK_SK = "link"
_RUN_PK = "run"
_LAST_RUN_SK = "last"
_KEY_SCHEMA: list[KeySchemaElementTypeDef] = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
]


class StateError(Exception):
    """The state table cannot be used; the message says what to do."""


class StateStore:
    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        write_attempts: int = 10,
        write_base_delay_s: float = 0.05,
        history_days: int = 90,
    ) -> None:
        self._client = client
        self._table_name = table_name
        self._write_attempts = write_attempts
        self._write_base_delay_s = write_base_delay_s
        self._may_create = False
        self._absent = False  # missing, and a dry run may not create it: no links yet
        self._history = RunHistory(client, table_name, history_days)

    def ensure_table(self, create: bool, *, dry_run: bool = False) -> None:
        """Check the table exists with hubsync's key; create it (and wait) if allowed, unless
        this is a dry run, which writes nothing and reads a missing table as empty."""
        self._may_create = create
        with self._errors():
            try:
                table = self._client.describe_table(TableName=self._table_name)["Table"]
            except ClientError as exc:
                if error_code(exc) != "ResourceNotFoundException":
                    raise
                if dry_run:
                    self._absent = True
                    return
                if not create:
                    raise StateError(self._missing_table_message()) from None
                self._create_table()
                return
            self._check_key_schema(table)
            if table["TableStatus"] != "ACTIVE":
                self._wait_until_active()

    def load_links(self) -> dict[int, Link]:
        if self._absent:
            return {}
        return {
            link.gleev_id: link
            for link in map(_link_from_item, self._scan_kind(_LINK_PREFIX, _LINK_SK))
        }

    def links_of(self, gleev_ids: Iterable[int]) -> dict[int, Link]:
        """The links of just these channels (100 keys a request), for reports about a few."""
        keys = [_key(_link_pk(gleev_id), _LINK_SK) for gleev_id in sorted(set(gleev_ids))]
        found: dict[int, Link] = {}
        with self._errors():
            for start in range(0, len(keys), 100):
                request: Any = {self._table_name: {"Keys": keys[start : start + 100]}}
                while request:
                    response = self._client.batch_get_item(RequestItems=request)
                    for item in response.get("Responses", {}).get(self._table_name, []):
                        link = _link_from_item(item)
                        found[link.gleev_id] = link
                    request = response.get("UnprocessedKeys") or None
        return found

    def save_links(self, links: Iterable[Link]) -> None:
        # One request per key: DynamoDB rejects a batch that names a key twice.
        latest = {link.gleev_id: link for link in links}
        now = _now()
        self._write([{"PutRequest": {"Item": _link_item(link, now)}} for link in latest.values()])

    def save_run(self, record: RunRecord) -> None:
        """Keep `record` as the last run, as JSON (readable in the AWS console as it is)."""
        item = {
            **_key(_RUN_PK, _LAST_RUN_SK),
            "record": {"S": json.dumps(record.to_item(), sort_keys=True)},
            "version": {"N": str(record.version)},
            "updated_at": {"S": _now()},
        }
        with self._errors():
            self._client.put_item(TableName=self._table_name, Item=item)
            self._history.append(record)

    def last_run(self) -> RunRecord | None:
        with self._errors():
            response = self._client.get_item(
                TableName=self._table_name, Key=_key(_RUN_PK, _LAST_RUN_SK), ConsistentRead=True
            )
        item = response.get("Item")
        if not item:
            return None
        try:
            return RunRecord.from_item(json.loads(item.get("record", {}).get("S", "{}")))
        except (UnreadableRecord, json.JSONDecodeError) as exc:
            raise StateError(f"the last run's record cannot be read: {exc}") from exc

    def _scan_kind(self, pk_prefix: str, sk: str) -> Iterator[dict[str, Any]]:
        """All records of one kind (pk starting with `pk_prefix`, sort key `sk`), every page."""
        request: dict[str, Any] = {
            "TableName": self._table_name,
            "FilterExpression": "begins_with(pk, :pk_prefix) AND sk = :sk",
            "ExpressionAttributeValues": {":pk_prefix": {"S": pk_prefix}, ":sk": {"S": sk}},
            "ConsistentRead": True,
        }
        with self._errors():
            while True:
                response = self._client.scan(**request)
                yield from response.get("Items", [])
                if "LastEvaluatedKey" not in response:
                    return
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _write(self, requests: list[dict[str, Any]]) -> None:
        with self._errors():
            try:
                write_batches(
                    self._client,
                    self._table_name,
                    requests,
                    attempts=self._write_attempts,
                    base_delay_s=self._write_base_delay_s,
                )
            except UnprocessedItemsError as exc:
                raise StateError(str(exc)) from exc

    def _create_table(self) -> None:
        try:
            self._client.create_table(
                TableName=self._table_name,
                KeySchema=_KEY_SCHEMA,
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )
        except ClientError as exc:
            # Another replica created it at the same moment: fine, wait for it like ours.
            if error_code(exc) != "ResourceInUseException":
                raise
        self._wait_until_active()
        try:
            self._client.update_time_to_live(
                TableName=self._table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": EXPIRES_AT},
            )
        except ClientError as exc:
            # Another replica that created it at the same moment enabled it first.
            if error_code(exc) != "ValidationException":
                raise

    def _wait_until_active(self) -> None:
        waiter = self._client.get_waiter("table_exists")
        waiter.wait(TableName=self._table_name, WaiterConfig={"Delay": 2, "MaxAttempts": 60})

    def _check_key_schema(self, table: TableDescriptionTypeDef) -> None:
        if sorted(table["KeySchema"], key=str) != sorted(_KEY_SCHEMA, key=str):
            raise StateError(
                f"table '{self._table_name}' exists but is not a hubsync state table (its key "
                "must be pk (hash) + sk (range)): check HUBSYNC_STATE_TABLE"
            )

    def _errors(self) -> AbstractContextManager[None]:
        return translate_aws_errors(StateError, self._missing_table_message())

    def _missing_table_message(self) -> str:
        if self._may_create:  # so it existed when the run began
            return (
                f"state table '{self._table_name}' was deleted during the run: "
                "the next run creates it again"
            )
        return (
            f"state table '{self._table_name}' does not exist: create it (key: pk string hash, "
            "sk string range), or set HUBSYNC_CREATE_STATE_TABLE=true to let hubsync create it"
        )


def _key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _link_pk(gleev_id: int) -> str:
    return f"{_LINK_PREFIX}{gleev_id}"


def _link_item(link: Link, updated_at: str) -> dict[str, dict[str, str]]:
    item = {
        **_key(_link_pk(link.gleev_id), _LINK_SK),
        "contact_id": {"S": link.contact_id},
        "pushed_hash": {"S": link.pushed_hash},
        "role": {"S": link.role.value},
        "updated_at": {"S": updated_at},
    }
    if link.refused_email:
        item["refused_email"] = {"S": link.refused_email}
    if link.gdpr_email:
        item["gdpr_email"] = {"S": link.gdpr_email}
    return item


def _link_from_item(item: dict[str, Any]) -> Link:
    pk = item["pk"]["S"]
    try:
        return Link(
            gleev_id=int(pk.removeprefix(_LINK_PREFIX)),
            contact_id=item["contact_id"]["S"],
            pushed_hash=item["pushed_hash"]["S"],
            role=Role(item["role"]["S"]),
            refused_email=item.get("refused_email", {}).get("S"),
            gdpr_email=item.get("gdpr_email", {}).get("S"),
        )
    except (KeyError, ValueError) as exc:
        raise StateError(
            f"state item {pk!r} is not a valid link ({exc!r}): fix or delete it"
        ) from exc


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
