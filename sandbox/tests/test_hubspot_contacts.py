"""Single-contact endpoints and list paging, driven by the real SDK over HTTP."""

from __future__ import annotations

import json

import hubspot
import pytest
from hubspot.crm.contacts import (
    ApiException,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.contacts.exceptions import NotFoundException

from hubsync_sandbox.hubspot import RunningSandbox
from sandbox.tests.conftest import RawApi, contact_in, create_property

DEFAULT_PROPERTIES = {
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
}


def seed(sandbox: RunningSandbox, count: int) -> list[str]:
    return [sandbox.store.add_contact({"email": f"c{i}@example.com"}) for i in range(count)]


def add_unique_property(client: hubspot.Client, name: str = "gleev_channel_id") -> None:
    create_property(client, name, label="Gleev channel id", has_unique_value=True)


def test_the_sdk_reaches_the_sandbox_through_its_host_setting(client: hubspot.Client) -> None:
    created = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": "ada@example.com"})
    )
    fetched = client.crm.contacts.basic_api.get_by_id(created.id)
    assert fetched.properties["email"] == "ada@example.com"
    assert fetched.properties["hs_object_id"] == created.id


def test_list_pages_through_every_contact_with_the_after_cursor(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    ids = seed(sandbox, 25)
    seen, after, pages = [], None, 0
    while True:
        page = client.crm.contacts.basic_api.get_page(limit=10, after=after)
        seen += [contact.id for contact in page.results]
        pages += 1
        if page.paging is None:
            break
        assert f"after={page.paging.next.after}" in page.paging.next.link
        after = page.paging.next.after
    assert seen == ids
    assert pages == 3


def test_list_defaults_to_ten_contacts_and_the_default_properties(
    sandbox: RunningSandbox, api: RawApi
) -> None:
    seed(sandbox, 12)
    answer = api.call("GET", "/crm/v3/objects/contacts")
    assert len(answer.body["results"]) == 10
    first = answer.body["results"][0]
    assert set(first["properties"]) == DEFAULT_PROPERTIES
    assert first["properties"]["firstname"] is None
    assert first["archived"] is False


def test_list_refuses_more_than_100_per_page(api: RawApi) -> None:
    assert api.call("GET", "/crm/v3/objects/contacts?limit=100").status == 200
    answer = api.call("GET", "/crm/v3/objects/contacts?limit=101")
    assert answer.status == 400
    assert answer.body["category"] == "VALIDATION_ERROR"


def test_list_properties_may_be_repeated_or_comma_separated(
    sandbox: RunningSandbox, api: RawApi
) -> None:
    sandbox.store.add_contact({"email": "a@example.com", "firstname": "Ada", "company": "Gleev"})
    for query in ("properties=firstname,company", "properties=firstname&properties=company"):
        properties = api.call("GET", f"/crm/v3/objects/contacts?{query}").body["results"][0][
            "properties"
        ]
        assert properties["firstname"] == "Ada"
        assert properties["company"] == "Gleev"
        assert "email" not in properties
        assert {"createdate", "hs_object_id", "lastmodifieddate"} <= set(properties)


def test_list_with_archived_shows_only_archived_contacts(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    kept, gone = seed(sandbox, 2)
    client.crm.contacts.basic_api.archive(gone)
    assert [c.id for c in client.crm.contacts.basic_api.get_page().results] == [kept]
    archived = client.crm.contacts.basic_api.get_page(archived=True).results
    assert [(c.id, c.archived) for c in archived] == [(gone, True)]


def test_get_by_email_is_case_insensitive_and_by_unique_property(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    add_unique_property(client)
    contact_id = sandbox.store.add_contact({"email": "Ada@Example.com", "gleev_channel_id": "ch-1"})
    basic = client.crm.contacts.basic_api
    assert basic.get_by_id("ADA@example.com", id_property="email").id == contact_id
    assert basic.get_by_id("ch-1", id_property="gleev_channel_id").id == contact_id


def test_get_by_a_property_without_unique_values_is_refused(client: hubspot.Client) -> None:
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.basic_api.get_by_id("Ada", id_property="firstname")
    assert refused.value.status == 400


def test_a_missing_contact_is_a_404_without_category(client: hubspot.Client) -> None:
    with pytest.raises(NotFoundException) as missing:
        client.crm.contacts.basic_api.get_by_id("999")
    body = json.loads(missing.value.body)
    assert body["message"] == "resource not found"
    assert "category" not in body
    with pytest.raises(NotFoundException) as not_numeric:
        client.crm.contacts.basic_api.get_by_id("not-a-number")
    assert json.loads(not_numeric.value.body)["category"] == "OBJECT_NOT_FOUND"


def test_create_answers_201_with_location_and_every_stored_property(api: RawApi) -> None:
    answer = api.call(
        "POST", "/crm/v3/objects/contacts", {"properties": {"email": "ada@example.com"}}
    )
    assert answer.status == 201
    assert answer.headers["Location"].endswith(f"/crm/v3/objects/contacts/{answer.body['id']}")
    assert answer.body["properties"]["hs_marketable_status"] == "true"


def test_patch_by_id_and_by_email(sandbox: RunningSandbox, client: hubspot.Client) -> None:
    contact_id = sandbox.store.add_contact({"email": "ada@example.com"})
    basic = client.crm.contacts.basic_api
    updated = basic.update(contact_id, SimplePublicObjectInput(properties={"firstname": "Ada"}))
    assert updated.properties["firstname"] == "Ada"
    basic.update(
        "ada@example.com",
        SimplePublicObjectInput(properties={"lastname": "Lovelace"}),
        id_property="email",
    )
    assert contact_in(sandbox, contact_id)["properties"]["lastname"] == "Lovelace"


def test_patch_of_a_missing_contact_is_a_404(client: hubspot.Client) -> None:
    with pytest.raises(NotFoundException):
        client.crm.contacts.basic_api.update("42", SimplePublicObjectInput(properties={}))


def test_delete_archives_the_contact(sandbox: RunningSandbox, client: hubspot.Client) -> None:
    [contact_id] = seed(sandbox, 1)
    client.crm.contacts.basic_api.archive(contact_id)
    assert sandbox.store.get(contact_id) is None
    archived = client.crm.contacts.basic_api.get_by_id(contact_id, archived=True)
    assert archived.archived is True


def test_unknown_paths_are_404_and_malformed_json_is_400(api: RawApi) -> None:
    unknown = api.call("GET", "/crm/v3/objects/widgets")
    assert unknown.status == 404
    assert unknown.body["status"] == "error"
    malformed = api.call("POST", "/crm/v3/objects/contacts/batch/create", raw=b"{not json")
    assert malformed.status == 400
    assert malformed.body["category"] == "VALIDATION_ERROR"
    assert malformed.body["correlationId"]
