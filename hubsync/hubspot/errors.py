"""Errors the HubSpot adapter raises. Messages are safe to log: never a token or HTTP headers."""

from __future__ import annotations

import json

# HubSpot's messages can run to kilobytes; a report or a log line keeps this much of one.
MESSAGE_LIMIT = 300
PROPERTY_VALUES_INVALID = "Property values were not valid: "

AUTH_HINT = (
    "check HUBSYNC_HUBSPOT_TOKEN and the app's scopes (crm.objects.contacts.read/write, "
    "crm.schemas.contacts.read/write)"
)


class HubSpotError(Exception):
    """Base class of everything the HubSpot adapter raises."""


class HubSpotAuthError(HubSpotError):
    """HubSpot refused the token (401) or its scopes (403). Retrying will not help."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HubSpot rejected the token ({status}): {AUTH_HINT}")
        self.status = status


class HubSpotUnavailable(HubSpotError):
    """HubSpot could not be reached or kept refusing, after every retry the policy allows."""


class HubSpotRequestError(HubSpotError):
    """HubSpot answered a request with an error status; the fields come from its error body."""

    def __init__(
        self,
        endpoint: str,
        status: int,
        *,
        category: str | None = None,
        message: str | None = None,
        policy_name: str | None = None,
        retry_after_s: float | None = None,
        body: dict[str, object] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.status = status
        self.category = category
        self.message = message
        self.policy_name = policy_name
        self.retry_after_s = retry_after_s
        self.body = body or {}
        super().__init__(self.describe())

    def describe(self) -> str:
        kind = f"HTTP {self.status}" + (f" {self.category}" if self.category else "")
        detail = f": {one_line(self.message)}" if self.message else ""
        return f"HubSpot answered {self.endpoint} with {kind}{detail}"


def one_line(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """HubSpot's error message as one line of at most `limit` characters.

    Two kinds run long: "Property values were not valid: " followed by a JSON list with a
    record for every bad property (its message twice, the portal id, ...), of which the
    property, the error code and the value are kept; and an invalid option, followed by
    every allowed option on lines of their own, which the limit cuts.
    """
    text = " ".join((_property_issues(message) or message).split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _property_issues(message: str) -> str | None:
    if not message.startswith(PROPERTY_VALUES_INVALID):
        return None
    try:
        issues = json.loads(message[len(PROPERTY_VALUES_INVALID) :])
    except ValueError:
        return None
    if not isinstance(issues, list):
        return None
    described = [_property_issue(issue) for issue in issues if isinstance(issue, dict)]
    return PROPERTY_VALUES_INVALID + ", ".join(described)


def _property_issue(issue: dict[str, object]) -> str:
    value = issue.get("propertyValue")
    shown = f" {json.dumps(value)}" if isinstance(value, str) else ""
    return f"{issue.get('name')} {issue.get('error')}{shown}"
