"""One request and its answer, as the sandbox journal keeps them for checks against the spec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str  # as sent, percent-encoded, without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]
    request_body: Any  # parsed JSON, None when there was no body or it was not JSON
    status: int
    response_headers: dict[str, str]
    response_body: Any  # parsed JSON, None for an empty answer (204)
    # How the answer was lost on its way ("bad-gateway", "drop", "timeout"); None: delivered.
    lost: str | None = None
