"""The first deploy's steps as ops run them: `schema check` (read-only), `schema apply`
(idempotent, with --dry-run) and `state create` (idempotent), real processes over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hubsync_sandbox.hubspot import RunningSandbox, SandboxConfig, start_sandbox
from tests.conftest import DynamoTables
from tests.e2e.test_cli import assert_one_line_no_traceback, hubsync
from tests.e2e.world import clean_env

BLANK_PORTAL = SandboxConfig(referrer_option=False, requests_per_10s=None, search_per_second=None)


@pytest.fixture
def blank_portal(sandbox_aws: None) -> Iterator[RunningSandbox]:
    with start_sandbox(BLANK_PORTAL, journal=True) as running:
        yield running


def portal_env(portal: RunningSandbox) -> dict[str, str]:
    return clean_env(HUBSYNC_HUBSPOT_TOKEN=portal.config.token, HUBSYNC_HUBSPOT_BASE_URL=portal.url)


def methods_since(portal: RunningSandbox, start: int) -> set[str]:
    return {exchange.method for exchange in (portal.store.journal or [])[start:]}


def test_schema_check_only_reads_and_lists_what_is_missing(
    blank_portal: RunningSandbox, tmp_path: Path
) -> None:
    before = blank_portal.store.property_definitions()

    done = hubsync("schema", "check", env=portal_env(blank_portal), cwd=tmp_path)

    assert done.returncode == 1
    assert "needs attention" in done.stdout
    for missing in ("gleev_channel_id", "channel_title", "yppstatus", "hs_lead_status"):
        assert any(missing in line and "ok " not in line for line in done.stdout.splitlines())
    assert methods_since(blank_portal, 0) == {"GET"}
    assert blank_portal.store.property_definitions() == before


def test_schema_apply_dry_run_changes_nothing_then_apply_is_idempotent(
    blank_portal: RunningSandbox, tmp_path: Path
) -> None:
    env = portal_env(blank_portal)

    dry = hubsync("schema", "apply", "--dry-run", "--json", env=env, cwd=tmp_path)
    assert dry.returncode == 1
    report = json.loads(dry.stdout)
    assert "created property gleev_channel_id" in report["planned"]
    assert "added option REFERRER to hs_lead_status" in report["planned"]
    assert report["applied"] == [] and report["ok"] is False
    assert methods_since(blank_portal, 0) == {"GET"}

    first = hubsync("schema", "apply", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "applied: created property gleev_channel_id" in first.stdout

    seen = len(blank_portal.store.journal or [])
    again = hubsync("schema", "apply", env=env, cwd=tmp_path)
    dry_again = hubsync("schema", "apply", "--dry-run", env=env, cwd=tmp_path)
    assert again.returncode == 0 and dry_again.returncode == 0
    assert "applied:" not in again.stdout and "would apply:" not in dry_again.stdout
    assert methods_since(blank_portal, seen) == {"GET"}


def state_env(tables: DynamoTables, name: str) -> dict[str, str]:
    return clean_env(
        HUBSYNC_HUBSPOT_TOKEN="unused-by-state-create",
        HUBSYNC_DYNAMO_ENDPOINT_URL=tables.endpoint_url,
        HUBSYNC_STATE_TABLE=name,
    )


def test_state_create_makes_the_table_with_ttl_and_recovery_then_is_idempotent(
    dynamo_tables: DynamoTables, sandbox_aws: None, tmp_path: Path
) -> None:
    name = f"{dynamo_tables.state}_new"
    client = dynamo_tables.client
    try:
        first = hubsync("state", "create", env=state_env(dynamo_tables, name), cwd=tmp_path)
        again = hubsync("state", "create", env=state_env(dynamo_tables, name), cwd=tmp_path)

        assert first.returncode == 0, first.stderr
        assert "created" in first.stdout and first.stdout.count("switched on") == 2
        assert again.returncode == 0, again.stderr
        assert "exists" in again.stdout and again.stdout.count("already on") == 2
        ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        assert (ttl["AttributeName"], ttl["TimeToLiveStatus"]) == ("expires_at", "ENABLED")
        backups = client.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        recovery = backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        assert recovery == "ENABLED"
    finally:
        client.delete_table(TableName=name)


def test_state_create_refuses_a_table_that_is_not_hubsyncs(
    dynamo_tables: DynamoTables, sandbox_aws: None, tmp_path: Path
) -> None:
    env = state_env(dynamo_tables, dynamo_tables.channels)

    done = hubsync("state", "create", env=env, cwd=tmp_path)

    assert done.returncode == 1
    assert "is not a hubsync state table" in assert_one_line_no_traceback(done.stderr)


def test_state_create_refuses_a_ttl_on_another_attribute(
    dynamo_tables: DynamoTables, sandbox_aws: None, tmp_path: Path
) -> None:
    dynamo_tables.client.update_time_to_live(
        TableName=dynamo_tables.state,
        TimeToLiveSpecification={"AttributeName": "ttl", "Enabled": True},
    )

    done = hubsync(
        "state", "create", env=state_env(dynamo_tables, dynamo_tables.state), cwd=tmp_path
    )

    assert done.returncode == 1
    line = assert_one_line_no_traceback(done.stderr)
    assert "'ttl', not on expires_at" in line
