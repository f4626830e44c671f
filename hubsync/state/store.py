"""hubsync's own memory in a DynamoDB table: links to contacts and the last run's result.

Every record is one item keyed by `pk` (what it is about, e.g. `links#4`, `run`) and `sk`
(which record of it, e.g. `1234`, `last`), so other kinds of records can share the table.
Records that expire carry `expires_at` (Unix seconds), the table's DynamoDB TTL attribute.
Before the first run the table may not exist yet: a dry run then reads it as empty.

Links live in ten partitions, `pk=links#<last digit of the Gleev id>`, `sk=<Gleev id>`, read
with a query each, so a run reads its links and nothing of the history, ledger, register or
outbox beside them; ten partitions rather than one spread the writes of a first run. Tables
written before kept each link as `pk=link#<Gleev id>`, `sk=link`, found only by a scan of the
whole table: the first run that may write moves them, once, and marks the table as moved.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
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

_LINK_SHARDS = 10
_LINKS_PK = "links#"
_OLD_LINK_PREFIX = "link#"
_OLD_LINK_SK = "link"
_LAYOUT_KEY = {"pk": {"S": "state"}, "sk": {"S": "layout"}}
_LINKS_LAYOUT = "links-by-last-digit"
_OLD_LINKS_FILTER = {
    "FilterExpression": "begins_with(pk, :prefix) AND sk = :sk",
    "ExpressionAttributeValues": {":prefix": {"S": _OLD_LINK_PREFIX}, ":sk": {"S": _OLD_LINK_SK}},
}
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
        self._may_move_links = False  # only a run that may write moves links to their layout
        self._links_moved = False
        self._history = RunHistory(client, table_name, history_days)

    def ensure_table(self, create: bool, *, dry_run: bool = False) -> None:
        """Check the table exists with hubsync's key; create it (and wait) if allowed, unless
        this is a dry run, which writes nothing and reads a missing table as empty."""
        self._may_create = create
        self._may_move_links = not dry_run
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
        links = {} if self._links_in_layout() else self._old_links()
        for shard in range(_LINK_SHARDS):
            items = self._query_partition(f"{_LINKS_PK}{shard}")
            links.update((link.gleev_id, link) for link in map(_link_from_item, items))
        return links

    def links_of(self, gleev_ids: Iterable[int]) -> dict[int, Link]:
        """The links of just these channels (100 keys a request), for reports about a few."""
        wanted = sorted(set(gleev_ids))
        keys = [_link_key(gleev_id) for gleev_id in wanted]
        if not self._links_in_layout():
            keys += [_old_link_key(gleev_id) for gleev_id in wanted]
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

    def _links_in_layout(self) -> bool:
        if not self._links_moved:
            with self._errors():
                item = self._client.get_item(
                    TableName=self._table_name, Key=_LAYOUT_KEY, ConsistentRead=True
                ).get("Item", {})
            self._links_moved = item.get("links", {}).get("S") == _LINKS_LAYOUT
        return self._links_moved

    def _old_links(self) -> dict[int, Link]:
        """The links a table written before the layout holds; moved if this run may write.
        Each is copied before any is deleted, so a move cut short loses nothing."""
        items = list(self._read_pages(self._client.scan, _OLD_LINKS_FILTER))
        links = [_link_from_item(item) for item in items]
        if self._may_move_links:
            moved = zip(links, items, strict=True)
            self._write(
                [{"PutRequest": {"Item": {**i, **_link_key(k.gleev_id)}}} for k, i in moved]
            )
            self._write([{"DeleteRequest": {"Key": _old_link_key(k.gleev_id)}} for k in links])
            self._mark_links_moved()
        return {link.gleev_id: link for link in links}

    def _mark_links_moved(self) -> None:
        with self._errors():
            self._client.put_item(
                TableName=self._table_name, Item={**_LAYOUT_KEY, "links": {"S": _LINKS_LAYOUT}}
            )
        self._links_moved = True

    def _query_partition(self, pk: str) -> Iterator[dict[str, Any]]:
        condition = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
        }
        return self._read_pages(self._client.query, condition)

    def _read_pages(
        self, read: Callable[..., Any], params: Mapping[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """Every item of a query or scan (`read`), page after page."""
        request: dict[str, Any] = {"TableName": self._table_name, "ConsistentRead": True, **params}
        with self._errors():
            while True:
                response = read(**request)
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
        self._mark_links_moved()  # a new table has no link in the old layout
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


def _link_key(gleev_id: int) -> dict[str, dict[str, str]]:
    return _key(f"{_LINKS_PK}{gleev_id % _LINK_SHARDS}", str(gleev_id))


def _old_link_key(gleev_id: int) -> dict[str, dict[str, str]]:
    return _key(f"{_OLD_LINK_PREFIX}{gleev_id}", _OLD_LINK_SK)


def _link_item(link: Link, updated_at: str) -> dict[str, dict[str, str]]:
    item = {
        **_link_key(link.gleev_id),
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
    pk, sk = item["pk"]["S"], item["sk"]["S"]
    name = f"{pk}/{sk}"
    try:
        return Link(
            gleev_id=int(sk if pk.startswith(_LINKS_PK) else pk.removeprefix(_OLD_LINK_PREFIX)),
            contact_id=item["contact_id"]["S"],
            pushed_hash=item["pushed_hash"]["S"],
            role=Role(item["role"]["S"]),
            refused_email=item.get("refused_email", {}).get("S"),
            gdpr_email=item.get("gdpr_email", {}).get("S"),
        )
    except (KeyError, ValueError) as exc:
        raise StateError(
            f"state item {name!r} is not a valid link ({exc!r}): fix or delete it"
        ) from exc


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
