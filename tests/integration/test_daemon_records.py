"""The daemon's records in the state table (lease, resync requests, run history, replicas)
against moto's DynamoDB server over HTTP, with the real boto3."""

from __future__ import annotations

import time

from hubsync.daemon.lease import this_process
from hubsync.domain.lease import HolderKind
from hubsync.domain.plan import Plan
from hubsync.domain.resync import RequestState, ResyncScope
from hubsync.result import RunResult
from hubsync.state.history import RunHistory
from hubsync.state.lease import LeaseTable
from hubsync.state.replicas import ReplicaBoard
from hubsync.state.requests import RequestQueue
from hubsync.state.store import StateStore
from tests.conftest import DynamoTables


def test_the_lease_is_taken_by_one_renewed_by_its_holder_and_fenced(
    dynamo_tables: DynamoTables,
) -> None:
    table = LeaseTable(dynamo_tables.client, dynamo_tables.state)
    first, second = this_process(HolderKind.DAEMON), this_process(HolderKind.SYNC)
    now = time.time()

    assert table.acquire(first, 30, now) == 1
    assert table.acquire(second, 30, now + 1) is None
    assert table.renew(first, 1, 30, now + 10)
    assert table.acquire(second, 30, now + 39) is None  # renewed until now + 40
    assert table.acquire(second, 30, now + 40) == 2
    assert not table.renew(first, 1, 30, now + 41)  # fenced out
    assert not table.release(first, 1)
    state = table.read()
    assert (state.holder, state.fence) == (second, 2)
    assert table.release(second, 2)
    released = table.read()
    assert released.holder is None and released.fence == 2
    assert table.acquire(first, 30, now + 42) == 3  # the counter never goes back


def test_requests_are_queued_merged_by_scope_claimed_once_and_finished(
    dynamo_tables: DynamoTables,
) -> None:
    queue = RequestQueue(dynamo_tables.client, dynamo_tables.state, keep_days=1)
    first, merged = queue.submit(ResyncScope(channels=("2", "1")))
    again, merged_again = queue.submit(ResyncScope(channels=("1", "2", "2")))
    other, _ = queue.submit(ResyncScope(full=True))

    assert not merged and merged_again and again == first
    queued = queue.queued()
    assert [r.id for r in queued] == [first, other]
    assert queue.claim(queued[0])
    assert not queue.claim(queued[0])  # claimed once
    after, merged_after = queue.submit(ResyncScope(channels=("1", "2")))
    assert not merged_after and after != first  # picked up: a new request runs again

    queue.finish(first, 1, summary="lines", result={"created": 3})
    done = queue.get(first)
    assert done is not None and done.state is RequestState.DONE
    assert (done.exit_code, done.summary, done.result, done.error) == (
        1,
        "lines",
        {"created": 3},
        None,
    )
    item = dynamo_tables.client.get_item(
        TableName=dynamo_tables.state, Key={"pk": {"S": "resync"}, "sk": {"S": first}}
    )["Item"]
    assert int(item["expires_at"]["N"]) > time.time() + 86_000
    assert [r.id for r in queue.queued()] == [other, after]
    assert queue.get("no-such-id") is None


def test_a_request_cut_short_is_queued_again(dynamo_tables: DynamoTables) -> None:
    queue = RequestQueue(dynamo_tables.client, dynamo_tables.state)
    request_id, _ = queue.submit(ResyncScope())
    (request,) = queue.queued()
    queue.claim(request)
    queue.requeue(request)
    assert [r.id for r in queue.queued()] == [request_id]


def test_every_run_record_is_kept_in_the_history_newest_first_with_its_expiry(
    dynamo_tables: DynamoTables,
) -> None:
    store = StateStore(dynamo_tables.client, dynamo_tables.state, history_days=90)
    for minute in range(3):
        started = f"2026-01-01T00:0{minute}:00+00:00"
        store.save_run(RunResult(f"run{minute}", "incremental", False, started, Plan()).record())

    latest = RunHistory(dynamo_tables.client, dynamo_tables.state, 90).latest(2)

    assert [e.run_id for e in latest] == ["run2", "run1"]
    assert latest[0].outcome == "ok" and latest[0].counts["created"] == 0
    items = dynamo_tables.client.query(
        TableName=dynamo_tables.state,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "history"}},
    )["Items"]
    expiry = int(items[0]["expires_at"]["N"]) - time.time()
    assert 89 * 86_400 < expiry <= 90 * 86_400


def test_a_created_state_table_expires_items_by_expires_at(dynamo_tables: DynamoTables) -> None:
    name = f"{dynamo_tables.state}_new"
    StateStore(dynamo_tables.client, name).ensure_table(create=True)
    try:
        ttl = dynamo_tables.client.describe_time_to_live(TableName=name)
        assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
        assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
    finally:
        dynamo_tables.client.delete_table(TableName=name)


def test_live_replicas_and_their_roles(dynamo_tables: DynamoTables) -> None:
    board = ReplicaBoard(dynamo_tables.client, dynamo_tables.state)
    leader, standby, gone = (this_process(HolderKind.DAEMON) for _ in range(3))
    board.heartbeat(leader, "leader", 60)
    board.heartbeat(standby, "standby", 60)
    board.heartbeat(gone, "standby", -1)  # expired, not yet removed by DynamoDB
    board.heartbeat(standby, "leader", 60)

    assert sorted(r.role for r in board.live()) == ["leader", "leader"]
    board.leave(leader)
    assert [r.role for r in board.live()] == ["leader"]
