"""What an endpoint handler receives and returns, and the checks every JSON body needs."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hubsync_sandbox.hubspot.errors import duplicate_ids, validation_error

if TYPE_CHECKING:
    from hubsync_sandbox.hubspot.store import SandboxStore

MAX_BATCH_INPUTS = 100


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    path_params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    base_url: str  # how the caller reached the sandbox, for paging links

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def query_flag(self, name: str) -> bool:
        return (self.query_value(name) or "").lower() == "true"

    def query_names(self, name: str) -> list[str] | None:
        """A list parameter, given repeated or comma-separated; None when absent."""
        if name not in self.query:
            return None
        return [part for value in self.query[name] for part in value.split(",") if part]


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: Any = None  # None: no body (204)
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["SandboxStore", ApiRequest], ApiResponse]


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # the path template of HubSpot's spec, also the request-count key
    handler: Handler
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.template}"


def require_object(body: Any, what: str = "The request body") -> dict[str, Any]:
    if not isinstance(body, dict):
        raise validation_error(f"{what} must be a JSON object.")
    return body


def require_inputs(body: Any) -> list[dict[str, Any]]:
    """The `inputs` of a batch request: 1 to 100 JSON objects."""
    inputs = require_object(body).get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise validation_error("inputs must be a non-empty list.")
    if len(inputs) > MAX_BATCH_INPUTS:
        raise validation_error(
            f"The maximum number of inputs supported in a batch is {MAX_BATCH_INPUTS}. "
            f"Received {len(inputs)} inputs."
        )
    for item in inputs:
        require_object(item, "Each input")
    return inputs


def require_properties(item: dict[str, Any]) -> dict[str, str]:
    """The `properties` of a write: a JSON object whose values are strings."""
    properties = item.get("properties")
    if not isinstance(properties, dict):
        raise validation_error("properties must be a JSON object of property names to strings.")
    not_strings = sorted(name for name, value in properties.items() if not isinstance(value, str))
    if not_strings:
        raise validation_error(f"Property values must be strings: {', '.join(not_strings)}.")
    return properties


def optional_string(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    if value is not None and not isinstance(value, str):
        raise validation_error(f"{name} must be a string.")
    return value


def require_string(item: dict[str, Any], name: str) -> str:
    value = optional_string(item, name)
    if not value:
        raise validation_error(f"{name} is required.")
    return value


def raise_for_duplicates(values: list[str], what: str) -> None:
    duplicates = sorted(value for value, count in Counter(values).items() if count > 1)
    if duplicates:
        raise validation_error(
            f"Duplicate {what} found in batch input: [{', '.join(duplicates)}]. "
            f"{what} must be unique"
        )


def raise_for_duplicate_ids(keys: list[tuple[str, str | None]]) -> None:
    """Refuses a batch naming one record twice: (id, idProperty) pairs, e-mails without case.

    HubSpot answers 400 VALIDATION_ERROR "Duplicate IDs found in batch input"; e-mails match
    without case (a batch carrying one e-mail twice fails: github.com/Joystream/youtube-synch
    pull 355), so two spellings of one address are one id.
    """
    seen: set[tuple[str, str]] = set()
    duplicates: list[str] = []
    for value, id_property in keys:
        key = (id_property or "", value.strip().lower() if id_property == "email" else value)
        if key in seen and key[1] not in duplicates:
            duplicates.append(key[1])
        seen.add(key)
    if duplicates:
        raise duplicate_ids(sorted(duplicates))
