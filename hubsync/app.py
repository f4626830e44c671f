"""Wiring: build hubsync's parts from the settings and run one sync with its bookkeeping."""

from __future__ import annotations

import os

from hubsync.after_run import QueuedBudgetAlerts
from hubsync.aws import dynamodb_client
from hubsync.budgeting import BudgetAlerts, BudgetKeeper, BudgetRecords
from hubsync.engine import RunOptions, SyncEngine
from hubsync.hubspot.errors import HubSpotError
from hubsync.hubspot.gateway import HubSpotGateway
from hubsync.log import end_run, register_secrets, show_pii, start_run
from hubsync.ports import BatchProgress, ChannelSource, ContactGateway, RunState, WriteGuard
from hubsync.result import RunResult
from hubsync.settings import Settings
from hubsync.sources.dynamo import ChannelTable, SourceError
from hubsync.state.ledger import BudgetBook
from hubsync.state.store import StateError, StateStore

# A run that stopped with one of these is alerted (bad usage and configuration are not: they
# are told at once to whoever ran the command).
_ALERTED_ERRORS = (HubSpotError, SourceError, StateError)

# Secrets hubsync may find in its environment, masked even before the settings are read.
SECRET_VARIABLES = (
    "HUBSYNC_HUBSPOT_TOKEN",
    "HUBSYNC_ADMIN_TOKEN",
    "HUBSYNC_ALERT_SLACK_WEBHOOK_URL",
    "HUBSYNC_ALERT_WEBHOOK_SECRET",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)


def protect_environment_secrets() -> None:
    register_secrets(os.environ.get(name) for name in SECRET_VARIABLES)


def protect_secrets(settings: Settings) -> None:
    protect_environment_secrets()
    optional = (
        settings.alert_slack_webhook_url,
        settings.alert_webhook_secret,
        settings.admin_token,
    )
    register_secrets(
        [settings.hubspot_token.get_secret_value()]
        + [secret.get_secret_value() for secret in optional if secret is not None]
    )
    show_pii(settings.log_pii)


def build_engine(
    settings: Settings,
    *,
    channels: ChannelSource | None = None,
    hubspot: ContactGateway | None = None,
    state: RunState | None = None,
    budget_records: BudgetRecords | None = None,
    budget_alerts: BudgetAlerts | None = None,
    guard: WriteGuard | None = None,
    progress: BatchProgress | None = None,
) -> SyncEngine:
    """The engine on the settings' DynamoDB tables and HubSpot portal; any part given
    replaces the one the settings describe. `guard` is asked before every write batch (the
    lease), `progress` told after each."""
    hubspot = hubspot or HubSpotGateway(settings)
    if channels is None or state is None or budget_records is None:
        client = dynamodb_client(settings.dynamo_endpoint_url)
        channels = channels or ChannelTable(client, settings.channels_table)
        state = state or StateStore(
            client, settings.state_table, history_days=settings.history_days
        )
        budget_records = budget_records or BudgetBook(client, settings.state_table)
    budget_alerts = budget_alerts or QueuedBudgetAlerts(settings)
    budget = BudgetKeeper(
        settings.budget, settings.wanted_roles, hubspot, budget_records, budget_alerts
    )
    return SyncEngine(settings, channels, hubspot, state, budget, guard, progress)


def run_sync(
    settings: Settings,
    options: RunOptions,
    engine: SyncEngine | None = None,
    *,
    hubspot: ContactGateway | None = None,
    guard: WriteGuard | None = None,
    progress: BatchProgress | None = None,
) -> RunResult:
    """One run, now, logged under its own run id (the engine records its result); then the
    conflict register and alerts (see after_run.py), unless it is a dry run. Without
    `engine`, one is built from the settings and the parts given."""
    from hubsync.after_run import after_run, run_failed

    protect_secrets(settings)
    engine = engine or build_engine(settings, hubspot=hubspot, guard=guard, progress=progress)
    run_id = start_run()
    try:
        try:
            result = engine.run(options, run_id)
        except _ALERTED_ERRORS as exc:
            if not options.dry_run:
                mode = "full" if options.full else "incremental"
                run_failed(settings, run_id, mode, exc)
            raise
        after_run(settings, result)
        return result
    finally:
        end_run()
