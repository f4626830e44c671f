"""HubSpot-shaped error answers, raised anywhere in the sandbox and rendered by the server."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

# The portal id that appears in error texts and rate-limit group names.
PORTAL_ID = 24680135


@dataclass(frozen=True)
class PropertyIssue:
    """One invalid property value of a write, as HubSpot lists it in a VALIDATION_ERROR."""

    name: str
    code: str  # PROPERTY_DOESNT_EXIST, READ_ONLY_VALUE, INVALID_EMAIL, INVALID_OPTION, ...
    message: str
    value: str | None = None  # None when HubSpot does not echo the value


@dataclass(eq=False)
class SandboxHubSpotError(ValueError):
    """An error answer: HTTP status plus the JSON fields HubSpot sends."""

    status: int
    message: str
    category: str | None = None
    errors: list[dict[str, Any]] | None = None
    context: dict[str, list[str]] | None = None
    # Fields only some answers carry (errorType, policyName, groupName of a 429).
    extra: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.category or ''}: {self.message}".strip()

    def body(self, correlation_id: str) -> dict[str, Any]:
        """The JSON body of a whole-request error."""
        body: dict[str, Any] = {"status": "error", "message": self.message}
        body.update(self.extra)
        body["correlationId"] = correlation_id
        if self.errors is not None:
            body["errors"] = self.errors
        if self.context is not None:
            body["context"] = self.context
        if self.category is not None:
            body["category"] = self.category
        return body

    def batch_item(self, trace_ids: list[str]) -> dict[str, Any]:
        """The entry of a 207 answer's `errors` for the inputs with these trace ids.

        Shaped like HubSpot's documented multi-status example: no `errors`, no `links`.
        """
        context = dict(self.context or {})
        if trace_ids:
            context["objectWriteTraceId"] = trace_ids
        item: dict[str, Any] = {
            "status": "error",
            "category": self.category,
            "message": self.message,
        }
        if context:
            item["context"] = context
        return item


def new_correlation_id() -> str:
    return str(uuid.uuid4())


def validation_error(message: str, **fields: Any) -> SandboxHubSpotError:
    return SandboxHubSpotError(400, message, "VALIDATION_ERROR", **fields)


def property_values_error(issues: list[PropertyIssue]) -> SandboxHubSpotError:
    """400 "Property values were not valid", listing every bad property of one input."""
    details = []
    for issue in issues:
        detail: dict[str, Any] = {
            "isValid": False,
            "message": issue.message,
            "error": issue.code,
            "name": issue.name,
            "localizedErrorMessage": issue.message,
        }
        if issue.value is not None:
            detail["propertyValue"] = issue.value
        detail["portalId"] = PORTAL_ID
        details.append(detail)
    return validation_error(
        "Property values were not valid: " + json.dumps(details, separators=(",", ":")),
        errors=[
            {"message": i.message, "code": i.code, "context": {"propertyName": [i.name]}}
            for i in issues
        ],
    )


def blocked_email(email: str) -> SandboxHubSpotError:
    """The e-mail of a GDPR-deleted contact: 400 VALIDATION_ERROR, code INVALID_EMAIL.

    HubSpot blocklists the primary and additional e-mails of a contact it permanently
    deletes, and of an unknown e-mail given to gdpr-delete: "you will not be able to add
    their email (primary or additional) back to your account"
    (knowledge.hubspot.com/privacy-and-consent/how-do-i-perform-a-gdpr-delete-in-hubspot; the
    gdpr-delete operation of crm-contacts-v3.json). No recorded answer shows the refusal, so
    the sandbox gives it the shape of every other refused e-mail value: a 400 naming the
    property (not a 409: no contact holds the address; not a 403: the caller may write
    contacts), which clients already handle as an address that cannot be used.
    """
    return property_values_error(
        [
            PropertyIssue(
                "email",
                "INVALID_EMAIL",
                f"Email address {email} belongs to a permanently deleted contact and is "
                "blocklisted",
                email,
            )
        ]
    )


def batch_refused(
    error: SandboxHubSpotError, culprit_id: str, trace_id: str | None
) -> SandboxHubSpotError:
    """A whole batch refused for one input's sake: `context` names that input (its id, and its
    trace id when it has one). The message stays HubSpot's, which names the refused value or
    the contact already holding it; only the not-found text, which names no id, gets the
    input's id appended.

    HubSpot documents per-input (207) answers for batch create only
    (developers.hubspot.com/docs/api-reference/latest/error-handling, "Multi-status errors");
    its batch upsert and update refuse the batch whole, as its v1 batch did: one bad record
    failed all (developers.hubspot.com/docs/methods/contacts/batch_create_or_update).
    """
    context = {**(error.context or {}), "ids": [culprit_id]}
    if trace_id:
        context["objectWriteTraceId"] = [trace_id]
    message = error.message
    if error.category == "OBJECT_NOT_FOUND":
        message = f"{message} Input id: {culprit_id}."
    return replace(error, message=message, context=context)


def duplicate_ids(ids: list[str]) -> SandboxHubSpotError:
    return validation_error(
        f"Duplicate IDs found in batch input: [{', '.join(ids)}]. IDs must be unique",
        context={"ids": ids},
    )


def contact_conflict(existing_id: str) -> SandboxHubSpotError:
    return SandboxHubSpotError(
        409, f"Contact already exists. Existing ID: {existing_id}", "CONFLICT"
    )


def unique_value_conflict(property_name: str, value: str, existing_id: str) -> SandboxHubSpotError:
    message = (
        f'A contact with the value "{value}" for the unique property "{property_name}" '
        f"already exists. Existing ID: {existing_id}"
    )
    return SandboxHubSpotError(409, message, "CONFLICT")


def non_unique_id_property(property_name: str) -> SandboxHubSpotError:
    return validation_error(
        f"Unable to perform update/upsert by non-unique 0-1 property {property_name}"
    )


def contact_not_found() -> SandboxHubSpotError:
    # HubSpot's answer for an id that does not exist carries no category.
    return SandboxHubSpotError(404, "resource not found")


def non_numeric_id(contact_id: str) -> SandboxHubSpotError:
    return SandboxHubSpotError(
        404,
        "Object not found.  objectId are usually numeric.",
        "OBJECT_NOT_FOUND",
        context={"id": [contact_id]},
    )


def objects_not_found(ids: list[str]) -> SandboxHubSpotError:
    return SandboxHubSpotError(
        404,
        "Could not get some CONTACT objects, they may be deleted or not exist. "
        "Check that ids are valid.",
        "OBJECT_NOT_FOUND",
        context={"ids": ids},
    )


def unauthenticated() -> SandboxHubSpotError:
    return SandboxHubSpotError(
        401,
        "Authentication credentials not found. This API supports OAuth 2.0 authentication "
        "and you can find more details at "
        "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        "INVALID_AUTHENTICATION",
    )


def ten_secondly_limit_reached() -> SandboxHubSpotError:
    return SandboxHubSpotError(
        429,
        "You have reached your ten_secondly_rolling limit.",
        extra={
            "errorType": "RATE_LIMIT",
            "policyName": "TEN_SECONDLY_ROLLING",
            "groupName": f"publicapi:private-app-api-calls-ten-secondly:{PORTAL_ID}",
        },
    )


def daily_limit_reached() -> SandboxHubSpotError:
    return SandboxHubSpotError(
        429,
        "You have reached your daily limit.",
        extra={
            "errorType": "RATE_LIMIT",
            "policyName": "DAILY",
            "groupName": f"publicapi:private-app-api-calls-daily:{PORTAL_ID}",
        },
    )


def secondly_limit_reached() -> SandboxHubSpotError:
    """The per-second limit's 429, policyName SECONDLY (the API-key era's limit; HubSpot still
    sends X-HubSpot-RateLimit-Secondly headers, per the grouparoo/grouparoo fixtures)."""
    return SandboxHubSpotError(
        429,
        "You have reached your secondly limit.",
        extra={
            "errorType": "RATE_LIMIT",
            "policyName": "SECONDLY",
            "groupName": f"publicapi:private-app-api-calls-secondly:{PORTAL_ID}",
        },
    )


def search_secondly_limit_reached() -> SandboxHubSpotError:
    # Search 429s carry a category and no policyName.
    return SandboxHubSpotError(429, "You have reached your secondly limit.", "RATE_LIMITS")


def injected_fault(status: int) -> SandboxHubSpotError:
    messages = {
        500: "internal error",
        502: "Bad Gateway: the upstream service did not answer in time.",
        503: "Service Unavailable: please retry later.",
    }
    return SandboxHubSpotError(status, messages[status], "INTERNAL_ERROR")


def merge_with_itself(contact_id: str) -> SandboxHubSpotError:
    return validation_error(
        f"Cannot merge contact {contact_id} with itself.", context={"ids": [contact_id]}
    )


def route_not_found(method: str, path: str) -> SandboxHubSpotError:
    return SandboxHubSpotError(404, f"No endpoint matches {method} {path}", "OBJECT_NOT_FOUND")
