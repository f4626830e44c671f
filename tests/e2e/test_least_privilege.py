"""Every DynamoDB request a sync sends is one the least-privilege IAM policy allows: the
policy is what hubsync needs, not a guess."""

from __future__ import annotations

from typing import Any

from hubsync.app import build_engine, run_sync
from hubsync.engine import RunOptions
from hubsync.hubspot.gateway import HubSpotGateway
from hubsync.iam_policy import least_privilege_policy
from hubsync.sources.dynamo import ChannelTable
from hubsync.state.store import StateStore
from hubsync_sandbox.seed import generate_channels
from tests.conftest import record_requests
from tests.deploy.iam import ACCOUNT, REGION, allows, request_context, table_arn
from tests.e2e.world import World


def resources(params: dict[str, Any]) -> list[str]:
    if "RequestItems" in params:
        return [table_arn(name) for name in params["RequestItems"]]
    return [table_arn(params["TableName"], params.get("IndexName"))]


def test_every_request_of_full_incremental_and_named_runs_is_allowed(world: World) -> None:
    channels = generate_channels(60)
    world.put(*channels)
    client = world.tables.client
    sent = record_requests(client)
    settings = world.settings()
    engine = build_engine(
        settings,
        channels=ChannelTable(client, world.tables.channels),
        state=StateStore(client, world.tables.state),
        hubspot=HubSpotGateway(settings, retry_policy=world.retry_policy),
    )
    named = [c for c in channels if isinstance(c.get("joystreamChannelId"), int)][:2]
    runs = [
        RunOptions(full=True),
        RunOptions(),
        RunOptions(channels=(str(named[0]["joystreamChannelId"]), named[1]["id"])),
    ]
    for options in runs:
        assert run_sync(settings, options, engine).verdict.ok

    policy = least_privilege_policy(
        region=REGION,
        account=ACCOUNT,
        channels_table=world.tables.channels,
        state_table=world.tables.state,
    )
    operations = {operation for operation, _ in sent}
    assert {"Scan", "Query", "BatchWriteItem", "PutItem", "DescribeTable"} <= operations
    refused = [
        (operation, resource)
        for operation, params in sent
        for resource in resources(params)
        if not allows(policy, f"dynamodb:{operation}", resource, request_context(params))
    ]
    assert refused == []
    channel_reads = [p for _, p in sent if p.get("TableName") == world.tables.channels]
    assert channel_reads and all(p["Select"] == "SPECIFIC_ATTRIBUTES" for p in channel_reads)
