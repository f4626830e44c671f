"""Fixtures: a sandbox portal per test (limits off unless a test turns them on) and clients."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hubspot
import pytest
import urllib3
from hubspot.crm.properties import PropertyCreate
from urllib3.util.retry import Retry

from hubsync_sandbox.hubspot import RunningSandbox, SandboxConfig, start_sandbox
from hubsync_sandbox.hubspot.exchange import Exchange


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON, or the text of another answer (a 502 page), None when empty


@dataclass
class RawApi:
    """Plain HTTP calls, for what the SDK cannot send (bad bodies, missing token)."""

    sandbox: RunningSandbox
    http: urllib3.PoolManager

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = "",
        raw: bytes | None = None,
    ) -> Answer:
        headers = {"Content-Type": "application/json"}
        token = self.sandbox.config.token if token == "" else token
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        payload = raw if raw is not None else None if body is None else json.dumps(body).encode()
        response = self.http.request(
            method, self.sandbox.url + path, body=payload, headers=headers, retries=False
        )
        text = response.data.decode()
        json_answer = "json" in response.headers.get("Content-Type", "")
        body = json.loads(text) if text and json_answer else text or None
        return Answer(response.status, dict(response.headers), body)


def limits_off() -> SandboxConfig:
    return SandboxConfig(requests_per_10s=None, search_per_second=None)


def contact_in(sandbox: RunningSandbox, contact_id: str) -> dict[str, Any]:
    """The contact as the portal holds it; fails the test when there is none."""
    contact = sandbox.store.get(contact_id)
    assert contact is not None, f"no contact {contact_id}"
    return contact


def journal_of(sandbox: RunningSandbox) -> list[Exchange]:
    """Every exchange the portal answered, in order."""
    journal = sandbox.store.journal
    assert journal is not None, "the sandbox was started without its journal"
    return journal


def make_client(sandbox: RunningSandbox) -> hubspot.Client:
    """The real SDK, retries off so that every failure surfaces."""
    return hubspot.Client.create(
        access_token=sandbox.config.token, host=sandbox.url, retry=Retry(total=False)
    )


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(limits_off(), journal=True) as running:
        yield running


@pytest.fixture
def client(sandbox: RunningSandbox) -> hubspot.Client:
    return make_client(sandbox)


@pytest.fixture
def api(sandbox: RunningSandbox) -> Iterator[RawApi]:
    http = urllib3.PoolManager()
    yield RawApi(sandbox, http)
    http.clear()


def create_property(
    client: hubspot.Client,
    name: str,
    type: str = "string",
    field_type: str = "text",
    **fields: Any,
) -> None:
    """Create a contact property in the contactinformation group, through the real client."""
    client.crm.properties.core_api.create(
        "contacts",
        PropertyCreate(
            name=name,
            label=fields.pop("label", name),
            type=type,
            field_type=field_type,
            group_name="contactinformation",
            **fields,
        ),
    )
