"""Errors the HubSpot adapter raises. Messages are safe to log: never a token or HTTP headers."""

from __future__ import annotations

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
        detail = f": {self.message}" if self.message else ""
        return f"HubSpot answered {self.endpoint} with {kind}{detail}"
