"""The budget's records in the state table, against moto's DynamoDB server with real boto3."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from hubsync.domain.budget import Budget, run_budget
from hubsync.domain.budget_alerts import AlertState
from hubsync.state.ledger import LEDGER_DAYS, BudgetBook, HeldChannel, LedgerEntry
from hubsync.state.store import StateError
from tests.conftest import DynamoTables

NOW = datetime.now(UTC).replace(microsecond=0)


def entry(run_id: str, at: datetime, count: int) -> LedgerEntry:
    figures = run_budget(Budget(), count_before=count, leaving=None, created=1, held=0, released=0)
    return LedgerEntry(run_id, at, figures)


def test_ledger_entries_come_back_in_time_order_and_expire_after_400_days(
    dynamo_tables: DynamoTables,
) -> None:
    book = BudgetBook(dynamo_tables.client, dynamo_tables.state)
    book.append(entry("b", NOW - timedelta(days=1), 11))
    book.append(entry("a", NOW - timedelta(days=100), 10))
    book.append(entry("c", NOW, 12))

    recent = book.entries(NOW - timedelta(days=2))

    assert [(e.run_id, e.at, e.budget.count_after) for e in recent] == [
        ("b", NOW - timedelta(days=1), 12),
        ("c", NOW, 13),
    ]
    items = dynamo_tables.client.scan(TableName=dynamo_tables.state)["Items"]
    ledger = [i for i in items if i["pk"]["S"] == "budget-ledger"]
    assert len(ledger) == 3
    for item in ledger:
        at = datetime.fromisoformat(item["sk"]["S"].split("#")[0])
        assert int(item["expires_at"]["N"]) >= (at + timedelta(days=LEDGER_DAYS)).timestamp()
    assert LEDGER_DAYS >= 400


def test_held_channels_are_kept_by_their_changes(dynamo_tables: DynamoTables) -> None:
    book = BudgetBook(dynamo_tables.client, dynamo_tables.state)
    first = {n: HeldChannel(n, "budget: no room", "2026-01-01T00:00:00+00:00") for n in (1, 2)}
    book.replace_held(first, [])
    later = {2: first[2], 3: HeldChannel(3, "budget: no room", "2026-01-02T00:00:00+00:00")}

    book.replace_held(later, first)

    assert book.held() == later


def test_the_alert_state_survives_a_new_reader(dynamo_tables: DynamoTables) -> None:
    BudgetBook(dynamo_tables.client, dynamo_tables.state).save_alert_state(
        AlertState(over_warn=True, at_limit=False, holding=True)
    )
    again = BudgetBook(dynamo_tables.client, dynamo_tables.state)
    assert again.alert_state() == AlertState(over_warn=True, at_limit=False, holding=True)


def test_a_missing_table_reads_as_empty_and_refuses_writes(dynamo_tables: DynamoTables) -> None:
    book = BudgetBook(dynamo_tables.client, f"absent_{int(time.time())}")

    assert book.held() == {} and book.entries(NOW - timedelta(days=90)) == []
    assert book.alert_state() == AlertState()
    with pytest.raises(StateError, match="does not exist"):
        book.append(entry("a", NOW, 1))
