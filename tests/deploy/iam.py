"""Decides whether hubsync's IAM policy allows one DynamoDB request, as AWS would for the
policy's own shape (Allow statements, exact actions, ARNs with `*`, the two condition
operators it uses): enough to check the policy against the requests hubsync really sends."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
POLICY_FILE = PROJECT_ROOT / "deploy" / "aws" / "iam-policy.json"
REGION, ACCOUNT = "eu-west-1", "123456789012"  # the committed example's (make iam-policy)

_NAME = re.compile(r"[A-Za-z_#][A-Za-z0-9_#]*")


def load_policy() -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(POLICY_FILE.read_text())
    return policy


def table_arn(table: str, index: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
    return f"{arn}/index/{index}" if index else arn


def request_context(params: dict[str, Any]) -> dict[str, Any]:
    """The condition keys DynamoDB sets for a read: the top-level attributes it names (in its
    projection and its attribute names) and its Select, when given."""
    names = params.get("ExpressionAttributeNames", {})
    attributes = set(names.values())
    for token in _NAME.findall(params.get("ProjectionExpression", "")):
        attributes.add(names.get(token, token))
    attributes.update(params.get("AttributesToGet", []))
    context: dict[str, Any] = {"dynamodb:Attributes": attributes}
    if "Select" in params:
        context["dynamodb:Select"] = params["Select"]
    return context


def allows(policy: dict[str, Any], action: str, resource: str, context: dict[str, Any]) -> bool:
    return any(_matches(statement, action, resource, context) for statement in policy["Statement"])


def _matches(
    statement: dict[str, Any], action: str, resource: str, context: dict[str, Any]
) -> bool:
    assert statement["Effect"] == "Allow", "the policy has Allow statements only"
    if action not in statement["Action"]:
        return False
    if not any(fnmatchcase(resource, pattern) for pattern in statement["Resource"]):
        return False
    for operator, keys in statement.get("Condition", {}).items():
        for key, expected in keys.items():
            if not _condition(operator, context.get(key), expected):
                return False
    return True


def _condition(operator: str, value: Any, expected: Any) -> bool:
    if operator == "ForAllValues:StringEquals":
        return set(value or ()) <= set(expected)  # no value at all: true, as in AWS
    if operator == "StringEquals":
        return value is not None and value == expected
    raise AssertionError(f"unexpected condition operator {operator}")
