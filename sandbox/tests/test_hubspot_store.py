"""The Python side of the sandbox: seeding, inspection, /_sandbox endpoints, load."""

from __future__ import annotations

import json
import threading
import time

import hubspot
import pytest
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInputUpsert,
    SimplePublicObjectBatchInputUpsert,
)

from hubsync_sandbox.hubspot import RunningSandbox, SandboxConfig, start_sandbox
from sandbox.tests.conftest import RawApi, contact_in, journal_of, make_client


def upsert_batch(client: hubspot.Client, emails: list[str]) -> None:
    """One batch upsert, its answer read as raw JSON as hubsync's gateway reads it (building
    the SDK's response models would time the SDK, not the sandbox)."""
    answer = client.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(
                    id=email, id_property="email", properties={"firstname": "x"}
                )
                for email in emails
            ]
        ),
        _preload_content=False,
    )
    assert answer.status == 200 and len(json.loads(answer.data)["results"]) == len(emails)


def test_add_contact_returns_the_id_and_contacts_lists_every_property(
    sandbox: RunningSandbox,
) -> None:
    contact_id = sandbox.store.add_contact({"email": "ada@example.com", "firstname": "Ada"})
    [contact] = sandbox.store.contacts()
    assert contact["id"] == contact_id
    assert contact["properties"]["firstname"] == "Ada"
    assert contact["properties"]["hs_object_id"] == contact_id
    assert contact["createdAt"] == contact["properties"]["createdate"]
    assert set(contact) == {"id", "properties", "createdAt", "updatedAt"}


def test_add_contact_enforces_email_uniqueness(sandbox: RunningSandbox) -> None:
    sandbox.store.add_contact({"email": "ada@example.com"})
    with pytest.raises(ValueError, match="Contact already exists"):
        sandbox.store.add_contact({"email": "ADA@example.com"})
    with pytest.raises(ValueError, match="does not exist"):
        sandbox.store.add_contact({"shoe_size": "9"})


def test_get_and_find_by_email(sandbox: RunningSandbox) -> None:
    contact_id = sandbox.store.add_contact({"email": "ada@example.com"})
    assert contact_in(sandbox, contact_id)["id"] == contact_id
    assert sandbox.store.get("999") is None
    found = sandbox.store.find_by_email(" Ada@Example.com")
    assert found is not None and found["id"] == contact_id
    assert sandbox.store.find_by_email("nobody@example.com") is None


def test_set_properties_edits_like_a_human(sandbox: RunningSandbox) -> None:
    contact_id = sandbox.store.add_contact({"lifecyclestage": "customer"})
    sandbox.store.set_properties(
        contact_id, {"lifecyclestage": "subscriber", "hs_marketable_status": "false"}
    )
    properties = contact_in(sandbox, contact_id)["properties"]
    assert properties["lifecyclestage"] == "subscriber"
    assert properties["hs_marketable_status"] == "false"
    with pytest.raises(KeyError):
        sandbox.store.set_properties("999", {"firstname": "Nobody"})


def test_sandbox_endpoints_show_counts_and_contacts(sandbox: RunningSandbox, api: RawApi) -> None:
    sandbox.store.add_contact({"email": "ada@example.com"})
    api.call("GET", "/crm/v3/objects/contacts")
    assert api.call("GET", "/_sandbox/stats").body == {"GET /crm/v3/objects/contacts": 1}
    contacts = api.call("GET", "/_sandbox/contacts").body
    assert [c["properties"]["email"] for c in contacts] == ["ada@example.com"]
    assert api.call("GET", "/_sandbox/stats", token=None).status == 401


def test_the_journal_records_each_exchange(sandbox: RunningSandbox, api: RawApi) -> None:
    api.call("POST", "/crm/v3/objects/contacts/search", {"limit": 1})
    [exchange] = journal_of(sandbox)
    assert (exchange.method, exchange.path, exchange.status) == (
        "POST",
        "/crm/v3/objects/contacts/search",
        200,
    )
    assert exchange.request_body == {"limit": 1}
    assert exchange.response_body == {"total": 0, "results": []}
    assert exchange.headers["Authorization"].startswith("Bearer ")


def test_the_whole_config_may_be_replaced_while_running(
    sandbox: RunningSandbox, api: RawApi
) -> None:
    sandbox.config = SandboxConfig(token="other-token", marketing_on_create=False)
    assert api.call("GET", "/crm/v3/objects/contacts").status == 200
    contact_id = sandbox.store.add_contact({})
    assert contact_in(sandbox, contact_id)["properties"]["hs_marketable_status"] == "false"


def test_ten_thousand_contacts_sync_quickly(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    started = time.monotonic()
    for batch in range(100):
        upsert_batch(client, [f"c{batch}-{i}@example.com" for i in range(100)])
    elapsed = time.monotonic() - started
    assert len(sandbox.store.contacts()) == 10_000
    assert sandbox.store.request_counts() == {"POST /crm/v3/objects/contacts/batch/upsert": 100}
    assert elapsed < 10


def test_concurrent_upserts_of_the_same_emails_never_duplicate() -> None:
    with start_sandbox(SandboxConfig(requests_per_10s=None)) as sandbox:
        emails = [f"c{i}@example.com" for i in range(100)]

        def sync() -> None:
            upsert_batch(make_client(sandbox), emails)

        threads = [threading.Thread(target=sync) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(sandbox.store.contacts()) == 100
