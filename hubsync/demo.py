"""`hubsync demo` and `hubsync sandbox`: hubsync against a local HubSpot and DynamoDB."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar, get_args

import click

from hubsync.app import run_sync
from hubsync.engine import RunOptions
from hubsync.hubspot.gateway import HubSpotGateway
from hubsync.hubspot.schema import apply_schema
from hubsync.log import configure_logging
from hubsync.report import summary_lines
from hubsync.settings import ConfigError, LogLevel, Settings, load_settings
from hubsync_sandbox.dynamo import (
    LocalDynamo,
    create_channels_table,
    sandbox_aws_environment,
    start_dynamo,
)
from hubsync_sandbox.hubspot import RunningSandbox, SandboxConfig, start_sandbox
from hubsync_sandbox.seed import (
    SeedSummary,
    generate_bad_items,
    generate_channels,
    generate_leads,
    write_channels,
)

CHANNELS_TABLE = "channels"
STATE_TABLE = "hubsync_state"

T = TypeVar("T")


class SandboxError(Exception):
    """The local services cannot start; the message says which and what to do."""


@contextmanager
def local_services(
    hubspot_port: int = 0, dynamo_port: int = 0
) -> Iterator[tuple[RunningSandbox, LocalDynamo]]:
    os.environ.pop("AWS_PROFILE", None)  # the sandbox's dummy credentials, not a real profile
    os.environ.update(sandbox_aws_environment())
    with (
        _started("local DynamoDB", "--dynamo-port", dynamo_port, start_dynamo) as dynamo,
        _started("HubSpot sandbox", "--hubspot-port", hubspot_port, _start_hubspot) as hubspot,
    ):
        create_channels_table(dynamo.client(), CHANNELS_TABLE)
        yield hubspot, dynamo


def _start_hubspot(port: int) -> RunningSandbox:
    return start_sandbox(SandboxConfig(), port=port)


def _started(what: str, option: str, port: int, start: Callable[..., T]) -> T:
    """Start a local server, or say which port it cannot have and how to choose another."""
    try:
        return start(port=port)
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise SandboxError(
            f"the {what} cannot listen on port {port}: {reason.lower()}; stop what uses it, "
            f"or choose another port with {option} (0 picks any free port)"
        ) from None


def seed(hubspot: RunningSandbox, dynamo: LocalDynamo, channel_count: int) -> SeedSummary:
    channels = generate_channels(channel_count)
    bad_items = generate_bad_items()
    leads = generate_leads(channels, max(channel_count // 2, 10))
    write_channels(dynamo.client(), CHANNELS_TABLE, [*channels, *bad_items])
    for lead in leads:
        hubspot.store.add_contact(lead)
    return SeedSummary.of(channels, bad_items, leads)


def sandbox_settings(hubspot: RunningSandbox, dynamo: LocalDynamo) -> Settings:
    return load_settings(
        hubspot_token=hubspot.config.token,
        hubspot_base_url=hubspot.url,
        dynamo_endpoint_url=dynamo.url,
        channels_table=CHANNELS_TABLE,
        state_table=STATE_TABLE,
        create_state_table=True,
    )


def run_demo(channel_count: int) -> None:
    configure_logging(level=_demo_log_level())
    with local_services() as (hubspot, dynamo):
        _say(f"HubSpot sandbox at {hubspot.url}, DynamoDB (moto) at {dynamo.url}")
        _say("Seeded:", *seed(hubspot, dynamo, channel_count).lines())
        settings = sandbox_settings(hubspot, dynamo)
        report = apply_schema(HubSpotGateway(settings), settings.key_property)
        _say("Schema apply:", *report.lines())
        first = run_sync(settings, RunOptions())
        _say("First run (does the work):", *summary_lines(first))
        _say("What HubSpot holds now:", *_portal_lines(hubspot))
        second = run_sync(settings, RunOptions())
        _say("Second run (nothing changed, so nothing to write):", *summary_lines(second))
        conflicts = first.plan.conflicts
        if conflicts:
            _say(
                f"Conflicts the run reported (first 5 of {len(conflicts)}; each is now in the "
                "conflict register, its alert logged once):",
                *(f"{c.kind.value}: {c.email or ''} {c.detail}" for c in conflicts[:5]),
            )


def _demo_log_level() -> str:
    """The demo prints its own story: it logs only warnings unless HUBSYNC_LOG_LEVEL asks."""
    level = os.environ.get("HUBSYNC_LOG_LEVEL", "").strip().upper() or "WARNING"
    if level not in get_args(LogLevel):
        raise ConfigError(
            f"HUBSYNC_LOG_LEVEL is invalid: use one of {', '.join(get_args(LogLevel))} "
            "(see .env.example)"
        )
    return level


def serve_sandbox(hubspot_port: int, dynamo_port: int, channel_count: int) -> None:
    with local_services(hubspot_port, dynamo_port) as (hubspot, dynamo):
        if channel_count:
            _say("Seeded:", *seed(hubspot, dynamo, channel_count).lines())
        _say(
            "Sandbox running; point hubsync at it with these (in the environment: the AWS",
            "variables are not read from .env, the HUBSYNC_ ones may go there too):",
            f"export HUBSYNC_HUBSPOT_BASE_URL={hubspot.url}",
            f"export HUBSYNC_HUBSPOT_TOKEN={hubspot.config.token}",
            f"export HUBSYNC_DYNAMO_ENDPOINT_URL={dynamo.url}",
            "export HUBSYNC_CREATE_STATE_TABLE=true",
            *(f"export {name}={value}" for name, value in sandbox_aws_environment().items()),
            "Press Ctrl-C to stop.",
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            _say("Stopped.")


def _portal_lines(hubspot: RunningSandbox) -> list[str]:
    contacts = hubspot.store.contacts()
    kinds = Counter(
        (c["properties"].get("lifecyclestage") or "-", c["properties"].get("hs_lead_status") or "-")
        for c in contacts
    )
    marketing = sum(1 for c in contacts if c["properties"].get("hs_marketable_status") == "true")
    return [
        f"{len(contacts)} contacts, {marketing} of them marketing contacts",
        *(f"{stage} / {status}: {count}" for (stage, status), count in kinds.most_common()),
    ]


def _say(title: str, *lines: str) -> None:
    click.echo(f"\n{title}")
    for line in lines:
        click.echo(f"  {line}")
