"""`schema check` and `schema apply` end to end, against the sandbox over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from hubsync.domain.portal_schema import FindingKind
from hubsync.domain.properties import managed_property_names
from hubsync.hubspot.gateway import HubSpotGateway
from hubsync.hubspot.ratelimit import HubSpotLimiter
from hubsync.hubspot.retry import RetryPolicy
from hubsync.hubspot.schema import apply_schema, check_schema
from hubsync.settings import Settings
from hubsync_sandbox.hubspot import RunningSandbox, SandboxConfig, start_sandbox

KEY = "gleev_channel_id"


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    config = SandboxConfig(referrer_option=False, requests_per_10s=None, search_per_second=None)
    with start_sandbox(config) as running:
        yield running


@pytest.fixture
def gateway(sandbox: RunningSandbox) -> HubSpotGateway:
    settings = Settings(hubspot_token=SecretStr("sandbox-token"), hubspot_base_url=sandbox.url)
    return HubSpotGateway(
        settings,
        limiter=HubSpotLimiter.from_settings(settings),
        retry_policy=RetryPolicy(attempts=3, backoff_base_s=0.0),
    )


def definition(sandbox: RunningSandbox, name: str) -> dict | None:
    return next((d for d in sandbox.store.property_definitions() if d["name"] == name), None)


def test_blank_portal_check_apply_check(sandbox: RunningSandbox, gateway: HubSpotGateway) -> None:
    before = check_schema(gateway, KEY)
    assert not before.ok
    kinds = {f.name: f.kind for f in before.findings}
    assert kinds[KEY] is FindingKind.MISSING
    assert kinds["channel_title"] is FindingKind.MISSING
    assert kinds["hs_lead_status"] is FindingKind.MISSING_OPTION
    assert kinds["email"] is FindingKind.OK
    assert all(f.fixable for f in before.findings if not f.ok)
    assert before.applied == ()

    applied = apply_schema(gateway, KEY)
    assert applied.ok, applied.lines()
    assert f"created property {KEY}" in applied.applied
    assert "added option REFERRER to hs_lead_status" in applied.applied
    assert applied.failed == ()

    key = definition(sandbox, KEY)
    assert key is not None and key["hasUniqueValue"] is True
    lead_status = definition(sandbox, "hs_lead_status")
    assert lead_status is not None
    values = [option["value"] for option in lead_status["options"]]
    assert values[-1] == "REFERRER" and "CONNECTED" in values  # the old options kept

    after = check_schema(gateway, KEY)
    assert after.ok
    assert {f.name for f in after.findings} == set(managed_property_names(KEY))
    assert apply_schema(gateway, KEY).applied == ()  # nothing left to do


def test_a_non_unique_key_property_is_refused_with_the_explanation(
    sandbox: RunningSandbox, gateway: HubSpotGateway
) -> None:
    gateway.create_property(
        {
            "name": KEY,
            "label": "Gleev channel id",
            "type": "string",
            "fieldType": "text",
            "groupName": "contactinformation",
            "hasUniqueValue": False,
        }
    )
    report = apply_schema(gateway, KEY)
    assert not report.ok
    [refused] = report.refused
    assert refused.name == KEY and refused.kind is FindingKind.NOT_UNIQUE
    assert "HUBSYNC_KEY_PROPERTY" in refused.detail
    assert f"created property {KEY}" not in report.applied
    assert "created property channel_title" in report.applied  # the rest is still fixed
    key = definition(sandbox, KEY)
    assert key is not None and key["hasUniqueValue"] is False  # untouched
    assert any(KEY in line and "fix by hand" in line for line in report.lines())


def test_a_wrong_type_is_left_alone(sandbox: RunningSandbox, gateway: HubSpotGateway) -> None:
    gateway.create_property(
        {
            "name": "total_subscribers",
            "label": "Total subscribers",
            "type": "string",
            "fieldType": "text",
            "groupName": "contactinformation",
        }
    )
    report = apply_schema(gateway, KEY)
    assert [f.name for f in report.refused] == ["total_subscribers"]
    stored = definition(sandbox, "total_subscribers")
    assert stored is not None and stored["type"] == "string"


def test_report_renders_for_humans_and_json(gateway: HubSpotGateway) -> None:
    report = check_schema(gateway, KEY)
    lines = report.lines()
    assert "needs attention" in lines[0]
    as_json = json.loads(json.dumps(report.as_dict()))
    assert as_json["ok"] is False
    assert {f["name"] for f in as_json["findings"]} >= {KEY, "hs_lead_status"}
    assert all({"name", "status", "detail", "fixable"} <= set(f) for f in as_json["findings"])
