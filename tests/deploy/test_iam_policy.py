"""deploy/aws/iam-policy.json: derived from the property table, lint-free, and shut to every
channel attribute hubsync does not project, the creators' OAuth tokens above all."""

from __future__ import annotations

import warnings

import pytest

from hubsync.iam_policy import least_privilege_policy, render
from hubsync.sources.dynamo import READ_ATTRIBUTES
from hubsync_sandbox.seed import generate_channels
from tests.deploy.iam import (
    ACCOUNT,
    POLICY_FILE,
    REGION,
    allows,
    load_policy,
    request_context,
    table_arn,
)

TOKENS = ("userAccessToken", "userRefreshToken")
PROJECTED = {"Select": "SPECIFIC_ATTRIBUTES"}


def scan(*attributes: str, **extra: str) -> dict:
    names = {f"#{name}": name for name in attributes}
    return {
        "ProjectionExpression": ", ".join(names),
        "ExpressionAttributeNames": names,
        **PROJECTED,
        **extra,
    }


def can_scan(params: dict, index: str | None = None) -> bool:
    resource = table_arn("channels", index)
    return allows(load_policy(), "dynamodb:Scan", resource, request_context(params))


def test_the_committed_policy_is_the_one_the_property_table_gives() -> None:
    expected = render(least_privilege_policy(region=REGION, account=ACCOUNT))
    assert POLICY_FILE.read_text() == expected, "stale: run `make iam-policy`"


def test_parliament_finds_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # parliament imports the deprecated pkg_resources
        import parliament

        findings = parliament.analyze_policy_string(POLICY_FILE.read_text()).findings
    assert [(f.issue, f.detail) for f in findings] == []


def test_parliament_would_find_a_mistake() -> None:
    broken = POLICY_FILE.read_text().replace("dynamodb:Select", "dynamodb:Selection")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import parliament

        findings = parliament.analyze_policy_string(broken).findings
    assert {f.issue for f in findings} == {"UNKNOWN_CONDITION_FOR_ACTION"}


def test_every_attribute_hubsync_projects_is_allowed() -> None:
    assert can_scan(scan(*READ_ATTRIBUTES))
    assert can_scan(scan(*READ_ATTRIBUTES), index="joystreamChannelId-createdAt-index")
    for attribute in READ_ATTRIBUTES:
        assert can_scan(scan(attribute)), attribute


@pytest.mark.parametrize("attribute", TOKENS)
def test_the_tokens_are_never_allowed(attribute: str) -> None:
    assert not can_scan(scan(attribute))
    assert not can_scan(scan(*READ_ATTRIBUTES, attribute))
    assert not can_scan({"AttributesToGet": [attribute], **PROJECTED})


def test_no_attribute_hubsync_does_not_project_is_allowed() -> None:
    stored = {name for item in generate_channels(200) for name in item}
    not_projected = stored - set(READ_ATTRIBUTES)
    assert set(TOKENS) | {"description", "thumbnails"} <= not_projected
    for attribute in sorted(not_projected):
        assert not can_scan(scan(attribute)), attribute


def test_whole_items_are_never_allowed() -> None:
    assert not can_scan({})  # no projection: DynamoDB returns every attribute
    assert not can_scan({"Select": "ALL_ATTRIBUTES"})
    assert not can_scan(scan(*READ_ATTRIBUTES, Select="ALL_ATTRIBUTES"))
    assert not can_scan({k: v for k, v in scan("id").items() if k != "Select"})


def test_other_tables_and_topics_are_not_allowed() -> None:
    policy = load_policy()
    context = {"dynamodb:Attributes": {"id"}, "dynamodb:Select": "SPECIFIC_ATTRIBUTES"}
    assert not allows(policy, "dynamodb:Scan", table_arn("users"), context)
    assert not allows(policy, "dynamodb:PutItem", table_arn("channels"), {})
    assert allows(policy, "dynamodb:PutItem", table_arn("hubsync_state"), {})
    assert not allows(policy, "dynamodb:DeleteTable", table_arn("hubsync_state"), {})
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:hubsync-alerts"
    assert allows(policy, "sns:Publish", topic, {})
    assert not allows(policy, "sns:Publish", f"{topic}-other", {})
