"""Shared fixtures: one local DynamoDB server per session, fresh tables per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import pytest

from hubsync.state.store import StateStore
from hubsync_sandbox.dynamo import LocalDynamo, create_channels_table, start_dynamo

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@dataclass(frozen=True, slots=True)
class DynamoTables:
    """A channels table and a state table that exist for one test only."""

    client: DynamoDBClient
    endpoint_url: str
    channels: str
    state: str


def record_requests(client: Any) -> list[tuple[str, dict[str, Any]]]:
    """(operation, parameters) of every request a DynamoDB client sends from now on
    (observed, not altered)."""
    sent: list[tuple[str, dict[str, Any]]] = []

    def remember(params: dict[str, Any], model: Any, **_: Any) -> None:
        sent.append((model.name, dict(params)))

    client.meta.events.register("provide-client-params.dynamodb.*", remember)
    return sent


@pytest.fixture(scope="session")
def local_dynamo() -> Iterator[LocalDynamo]:
    with start_dynamo() as dynamo:
        yield dynamo


@pytest.fixture
def dynamo_tables(local_dynamo: LocalDynamo) -> Iterator[DynamoTables]:
    # The sandbox hands out a plain boto3 client; the tests call DynamoDB's own operations.
    client = cast("DynamoDBClient", local_dynamo.client())
    suffix = uuid.uuid4().hex[:12]
    tables = DynamoTables(
        client=client,
        endpoint_url=local_dynamo.url,
        channels=f"channels_{suffix}",
        state=f"hubsync_state_{suffix}",
    )
    create_channels_table(client, tables.channels)
    StateStore(client, tables.state).ensure_table(create=True)
    yield tables
    for name in (tables.channels, tables.state):
        client.delete_table(TableName=name)
