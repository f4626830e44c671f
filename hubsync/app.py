"""Wiring: build hubsync's parts from the settings and run one sync with its bookkeeping."""

from __future__ import annotations

import os

from hubsync.aws import dynamodb_client
from hubsync.engine import RunOptions, RunResult, SyncEngine
from hubsync.hubspot.gateway import HubSpotGateway
from hubsync.log import end_run, get_logger, register_secrets, start_run
from hubsync.report import result_dict
from hubsync.settings import Settings
from hubsync.sources.dynamo import ChannelTable
from hubsync.state.store import StateStore

log = get_logger(__name__)

# The run record lives in one DynamoDB item (400 KB at most): keep its detail lists short.
RECORDED_DETAILS = 50


# Secrets hubsync may find in its environment, masked even before the settings are read.
SECRET_VARIABLES = ("HUBSYNC_HUBSPOT_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def protect_environment_secrets() -> None:
    register_secrets(os.environ.get(name) for name in SECRET_VARIABLES)


def protect_secrets(settings: Settings) -> None:
    protect_environment_secrets()
    register_secrets([settings.hubspot_token.get_secret_value()])


def build_engine(settings: Settings) -> SyncEngine:
    client = dynamodb_client(settings.dynamo_endpoint_url)
    return SyncEngine(
        settings,
        ChannelTable(client, settings.channels_table),
        HubSpotGateway(settings),
        StateStore(client, settings.state_table),
    )


def run_sync(
    settings: Settings, options: RunOptions, engine: SyncEngine | None = None
) -> RunResult:
    """One run, now: check the state table, plan, apply unless dry, remember the result."""
    protect_secrets(settings)
    engine = engine or build_engine(settings)
    run_id = start_run()
    try:
        engine.state.ensure_table(create=settings.create_state_table, dry_run=options.dry_run)
        log.info("run started", full=options.full, dry_run=options.dry_run)
        result = engine.run(options, run_id)
        record = result_dict(result)
        log.info("run finished", **{k: v for k, v in record.items() if k != "details"})
        if not options.dry_run:
            engine.state.save_run(_shortened(record))
        return result
    finally:
        end_run()


def _shortened(record: dict) -> dict:
    details = {name: items[:RECORDED_DETAILS] for name, items in record["details"].items()}
    return {**record, "details": details}
