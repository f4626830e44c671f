"""Wiring: build hubsync's parts from the settings and run one sync with its bookkeeping."""

from __future__ import annotations

import os

from hubsync.aws import dynamodb_client
from hubsync.engine import RunOptions, SyncEngine
from hubsync.hubspot.gateway import HubSpotGateway
from hubsync.log import end_run, register_secrets, start_run
from hubsync.ports import BatchProgress, ChannelSource, ContactGateway, RunState, WriteGuard
from hubsync.result import RunResult
from hubsync.settings import Settings
from hubsync.sources.dynamo import ChannelTable
from hubsync.state.store import StateStore

# Secrets hubsync may find in its environment, masked even before the settings are read.
SECRET_VARIABLES = (
    "HUBSYNC_HUBSPOT_TOKEN",
    "HUBSYNC_ADMIN_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)


def protect_environment_secrets() -> None:
    register_secrets(os.environ.get(name) for name in SECRET_VARIABLES)


def protect_secrets(settings: Settings) -> None:
    protect_environment_secrets()
    admin_token = settings.admin_token.get_secret_value() if settings.admin_token else None
    register_secrets([settings.hubspot_token.get_secret_value(), admin_token])


def build_engine(
    settings: Settings,
    *,
    channels: ChannelSource | None = None,
    hubspot: ContactGateway | None = None,
    state: RunState | None = None,
    guard: WriteGuard | None = None,
    progress: BatchProgress | None = None,
) -> SyncEngine:
    """The engine on the settings' DynamoDB tables and HubSpot portal; any part given
    replaces the one the settings describe. `guard` is asked before every write batch (the
    lease), `progress` told after each."""
    if channels is None or state is None:
        client = dynamodb_client(settings.dynamo_endpoint_url)
        channels = channels or ChannelTable(client, settings.channels_table)
        state = state or StateStore(
            client, settings.state_table, history_days=settings.history_days
        )
    hubspot = hubspot or HubSpotGateway(settings)
    return SyncEngine(settings, channels, hubspot, state, guard, progress)


def run_sync(
    settings: Settings,
    options: RunOptions,
    engine: SyncEngine | None = None,
    *,
    hubspot: ContactGateway | None = None,
    guard: WriteGuard | None = None,
    progress: BatchProgress | None = None,
) -> RunResult:
    """One run, now, logged under its own run id (the engine records its result). Without
    `engine`, one is built from the settings and the parts given."""
    protect_secrets(settings)
    engine = engine or build_engine(settings, hubspot=hubspot, guard=guard, progress=progress)
    run_id = start_run()
    try:
        return engine.run(options, run_id)
    finally:
        end_run()
