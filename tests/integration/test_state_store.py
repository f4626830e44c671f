"""StateStore against moto's DynamoDB server over HTTP, with the real boto3."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

from hubsync.domain.links import Link, Role
from hubsync.domain.plan import Plan
from hubsync.result import RunRecord, RunResult, WriteFailure
from hubsync.state.store import StateError, StateStore
from tests.conftest import DynamoTables, record_requests
from tests.old_state_layout import as_an_older_table, old_layout_items, put_old_layout_links

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ROLES = list(Role)


def make_links(count: int, start: int = 1000, revision: str = "a") -> list[Link]:
    return [
        Link(
            gleev_id=start + number,
            contact_id=str(50_000 + number),
            pushed_hash=f"{revision}{number:04d}",
            role=ROLES[number % len(ROLES)],
        )
        for number in range(count)
    ]


def run_record(run_id: str = "run1", **fields: Any) -> RunRecord:
    started = "2025-01-02T03:04:05+00:00"
    return RunResult(run_id, "full", False, started, Plan(), **fields).record()


def store_for(tables: DynamoTables, **options: Any) -> StateStore:
    return StateStore(tables.client, tables.state, **options)


class ThrottlingDynamo:
    """A loopback proxy in front of DynamoDB that, like DynamoDB under load, writes only the
    first `accepted` requests of every BatchWriteItem and returns the rest as UnprocessedItems."""

    def __init__(self, upstream: str, accepted: int) -> None:
        self.upstream = upstream
        self.accepted = accepted
        self.batch_calls = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def client(self) -> DynamoDBClient:
        return boto3.client(
            "dynamodb",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("X-Amz-Target", "").endswith(".BatchWriteItem"):
                    status, payload = proxy._batch_write(self.headers, json.loads(body))
                else:
                    status, payload = proxy._forward(self.headers, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def _batch_write(self, headers: Any, request: dict[str, Any]) -> tuple[int, bytes]:
        self.batch_calls += 1
        forwarded: dict[str, list[Any]] = {}
        unprocessed: dict[str, list[Any]] = {}
        for table, writes in request["RequestItems"].items():
            forwarded[table] = writes[: self.accepted]
            if writes[self.accepted :]:
                unprocessed[table] = writes[self.accepted :]
        forwarded = {table: writes for table, writes in forwarded.items() if writes}
        if forwarded:
            status, payload = self._forward(
                headers, json.dumps({"RequestItems": forwarded}).encode()
            )
            if status != 200:
                return status, payload
        return 200, json.dumps({"UnprocessedItems": unprocessed}).encode()

    def _forward(self, headers: Any, body: bytes) -> tuple[int, bytes]:
        request = urllib.request.Request(
            self.upstream,
            data=body,
            method="POST",
            headers={
                "Content-Type": headers["Content-Type"],
                "X-Amz-Target": headers["X-Amz-Target"],
                "Authorization": headers["Authorization"],
            },
        )
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@pytest.fixture
def throttling(dynamo_tables: DynamoTables) -> Iterator[ThrottlingDynamo]:
    proxy = ThrottlingDynamo(dynamo_tables.endpoint_url, accepted=10)
    yield proxy
    proxy.close()


def test_missing_table_without_create_says_what_to_do(dynamo_tables: DynamoTables) -> None:
    name = f"{dynamo_tables.state}_missing"

    with pytest.raises(StateError) as raised:
        StateStore(dynamo_tables.client, name).ensure_table(create=False)

    assert str(raised.value) == (
        f"state table '{name}' does not exist: create it (key: pk string hash, sk string "
        "range), or set HUBSYNC_CREATE_STATE_TABLE=true to let hubsync create it"
    )


@pytest.mark.parametrize("create", [True, False])
def test_a_dry_run_reads_a_missing_table_as_empty_and_creates_nothing(
    dynamo_tables: DynamoTables, create: bool
) -> None:
    name = f"{dynamo_tables.state}_missing"
    store = StateStore(dynamo_tables.client, name)

    store.ensure_table(create=create, dry_run=True)

    assert store.load_links() == {}
    assert name not in dynamo_tables.client.list_tables()["TableNames"]


def test_a_table_deleted_during_a_run_that_may_create_it_does_not_ask_for_the_setting(
    dynamo_tables: DynamoTables,
) -> None:
    client = dynamo_tables.client
    name = f"{dynamo_tables.state}_deleted"
    store = StateStore(client, name)
    store.ensure_table(create=True)
    client.delete_table(TableName=name)

    with pytest.raises(StateError) as raised:
        store.save_links(make_links(1))

    assert str(raised.value) == (
        f"state table '{name}' was deleted during the run: the next run creates it again"
    )


def test_ensure_table_creates_the_table_once(dynamo_tables: DynamoTables) -> None:
    client = dynamo_tables.client
    name = f"{dynamo_tables.state}_new"
    store = StateStore(client, name)

    try:
        store.ensure_table(create=True)
        store.ensure_table(create=True)
        store.ensure_table(create=False)
        table = client.describe_table(TableName=name)["Table"]
    finally:
        client.delete_table(TableName=name)

    assert table["TableStatus"] == "ACTIVE"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert {(key["AttributeName"], key["KeyType"]) for key in table["KeySchema"]} == {
        ("pk", "HASH"),
        ("sk", "RANGE"),
    }


def test_a_table_with_another_key_is_refused(dynamo_tables: DynamoTables) -> None:
    with pytest.raises(StateError, match="not a hubsync state table"):
        StateStore(dynamo_tables.client, dynamo_tables.channels).ensure_table(create=True)


def test_links_round_trip_in_many_batches(dynamo_tables: DynamoTables) -> None:
    store = store_for(dynamo_tables)
    links = make_links(130)

    store.save_links(links)

    assert store.load_links() == {link.gleev_id: link for link in links}


def test_saving_again_overwrites_and_the_last_duplicate_wins(dynamo_tables: DynamoTables) -> None:
    store = store_for(dynamo_tables)
    store.save_links(make_links(40))
    updated = make_links(30, revision="b")

    store.save_links([*make_links(30, revision="stale"), *updated])

    loaded = store.load_links()
    assert len(loaded) == 40
    assert [loaded[link.gleev_id] for link in updated] == updated
    assert loaded[1035].pushed_hash == "a0035"


def test_links_are_stored_readably(dynamo_tables: DynamoTables) -> None:
    store_for(dynamo_tables).save_links([Link(1234, "987", "h1", Role.REFERRER)])

    item = dynamo_tables.client.get_item(
        TableName=dynamo_tables.state, Key={"pk": {"S": "links#4"}, "sk": {"S": "1234"}}
    )["Item"]

    assert item["contact_id"] == {"S": "987"}
    assert item["pushed_hash"] == {"S": "h1"}
    assert item["role"] == {"S": "referrer"}
    assert datetime.fromisoformat(item["updated_at"]["S"]).tzinfo == UTC


def test_load_links_ignores_other_records(dynamo_tables: DynamoTables) -> None:
    store = store_for(dynamo_tables)
    store.save_links(make_links(3))
    store.save_run(run_record())
    dynamo_tables.client.put_item(
        TableName=dynamo_tables.state,
        Item={"pk": {"S": "conflict#email#a@b.c"}, "sk": {"S": "open"}, "x": {"S": "y"}},
    )

    assert set(store.load_links()) == {1000, 1001, 1002}


@pytest.mark.parametrize(("pk", "sk"), [("links#7", "77"), ("link#77", "link")])
def test_a_corrupt_link_names_the_item(dynamo_tables: DynamoTables, pk: str, sk: str) -> None:
    as_an_older_table(dynamo_tables.client, dynamo_tables.state)
    dynamo_tables.client.put_item(
        TableName=dynamo_tables.state,
        Item={"pk": {"S": pk}, "sk": {"S": sk}, "contact_id": {"S": "1"}},
    )

    with pytest.raises(StateError, match=f"'{pk}/{sk}' is not a valid link"):
        store_for(dynamo_tables).load_links()


def test_a_run_reads_its_links_without_reading_the_other_records(
    dynamo_tables: DynamoTables,
) -> None:
    store = store_for(dynamo_tables)
    store.ensure_table(create=True)
    links = make_links(130)
    store.save_links(links)
    for number in range(50):
        store.save_run(run_record(f"run{number}"))
    sent = record_requests(dynamo_tables.client)

    assert store_for(dynamo_tables).load_links() == {link.gleev_id: link for link in links}
    # One read of the table's layout, then one query per link partition: no scan.
    assert [operation for operation, _ in sent] == ["GetItem", *["Query"] * 10]


@pytest.mark.parametrize("dry_run", [False, True])
def test_links_of_an_older_table_are_read_and_moved_only_by_a_run_that_may_write(
    dynamo_tables: DynamoTables, dry_run: bool
) -> None:
    client, table = dynamo_tables.client, dynamo_tables.state
    links = make_links(60)
    put_old_layout_links(client, table, links)
    store = store_for(dynamo_tables)
    store.ensure_table(create=False, dry_run=dry_run)

    assert store.load_links() == {link.gleev_id: link for link in links}
    assert store.links_of([1003, 1004, 5555]) == {1003: links[3], 1004: links[4]}

    assert len(old_layout_items(client, table)) == (60 if dry_run else 0)
    sent = record_requests(client)
    assert store_for(dynamo_tables).load_links() == {link.gleev_id: link for link in links}
    scanned = any(operation == "Scan" for operation, _ in sent)
    assert scanned == dry_run  # once moved, never scanned for again


def test_a_move_cut_short_loses_no_link_and_the_next_run_finishes_it(
    dynamo_tables: DynamoTables,
) -> None:
    client, table = dynamo_tables.client, dynamo_tables.state
    links = make_links(60)
    put_old_layout_links(client, table, links)

    delete_batches = 0

    def refuse_deletes(params: dict[str, Any], **_: Any) -> None:
        """Let the first batch of deletes through, then fail: the move stops half done."""
        nonlocal delete_batches
        if any("DeleteRequest" in request for request in params["RequestItems"][table]):
            delete_batches += 1
            if delete_batches > 1:
                error: Any = {"Error": {"Code": "InternalServerError", "Message": "cut short"}}
                raise ClientError(error, "BatchWriteItem")

    client.meta.events.register("provide-client-params.dynamodb.BatchWriteItem", refuse_deletes)
    cut = store_for(dynamo_tables)
    cut.ensure_table(create=False)
    with pytest.raises(StateError, match="cut short"):
        cut.load_links()
    client.meta.events.unregister("provide-client-params.dynamodb.BatchWriteItem", refuse_deletes)

    assert 0 < len(old_layout_items(client, table)) < 60
    reader = store_for(dynamo_tables)
    reader.ensure_table(create=False, dry_run=True)
    assert reader.load_links() == {link.gleev_id: link for link in links}
    next_run = store_for(dynamo_tables)
    next_run.ensure_table(create=False)
    assert next_run.load_links() == {link.gleev_id: link for link in links}
    assert old_layout_items(client, table) == []


def test_a_table_hubsync_creates_is_never_scanned_for_old_links(
    dynamo_tables: DynamoTables,
) -> None:
    sent = record_requests(dynamo_tables.client)  # the fixture's table: hubsync created it

    assert store_for(dynamo_tables).load_links() == {}
    assert all(operation != "Scan" for operation, _ in sent)


def test_run_record_round_trip(dynamo_tables: DynamoTables) -> None:
    store = store_for(dynamo_tables)
    assert store.last_run() is None
    first = run_record("run1", created=3)
    failure = WriteFailure(7, "create", "VALIDATION_ERROR", "bad")

    store.save_run(first)
    assert store.last_run() == first
    store.save_run(second := run_record("run2", failures=[failure]))

    assert store.last_run() == second


def test_unprocessed_items_are_sent_again_until_written(
    dynamo_tables: DynamoTables, throttling: ThrottlingDynamo
) -> None:
    store = StateStore(throttling.client(), dynamo_tables.state, write_base_delay_s=0.001)
    links = make_links(60)

    store.save_links(links)

    # 60 links are batches of 25, 25 and 10; each batch of 25 needs 3 calls at 10 per call.
    assert throttling.batch_calls == 3 + 3 + 1
    assert store_for(dynamo_tables).load_links() == {link.gleev_id: link for link in links}


def test_writes_that_never_go_through_raise_state_error(
    dynamo_tables: DynamoTables, throttling: ThrottlingDynamo
) -> None:
    throttling.accepted = 0
    store = StateStore(
        throttling.client(), dynamo_tables.state, write_attempts=4, write_base_delay_s=0.001
    )

    with pytest.raises(StateError, match=r"25 writes to table .* still unprocessed after 4"):
        store.save_links(make_links(30))

    assert throttling.batch_calls == 4


def test_operations_on_a_deleted_table_raise_state_error(dynamo_tables: DynamoTables) -> None:
    store = StateStore(dynamo_tables.client, f"{dynamo_tables.state}_gone")

    with pytest.raises(StateError, match="does not exist"):
        store.load_links()
    with pytest.raises(StateError, match="does not exist"):
        store.save_links(make_links(1))
    with pytest.raises(StateError, match="does not exist"):
        store.last_run()


def test_a_refused_email_is_remembered_with_its_link(dynamo_tables: DynamoTables) -> None:
    store = StateStore(dynamo_tables.client, dynamo_tables.state)
    refused = Link(7, "701", "hash7", Role.CUSTOMER, refused_email="a..b@example.com")
    plain = Link(8, "801", "hash8", Role.CUSTOMER)

    store.save_links([refused, plain])

    assert store.load_links() == {7: refused, 8: plain}


def test_a_gdpr_deletion_is_remembered_with_its_link(dynamo_tables: DynamoTables) -> None:
    store = StateStore(dynamo_tables.client, dynamo_tables.state)
    deleted = Link(7, "701", "", Role.CUSTOMER, gdpr_email="gone@example.com")
    store.save_links([deleted])

    assert store.load_links() == {7: deleted}
    item = dynamo_tables.client.get_item(
        TableName=dynamo_tables.state, Key={"pk": {"S": "links#7"}, "sk": {"S": "7"}}
    )["Item"]
    assert item["gdpr_email"] == {"S": "gone@example.com"}
