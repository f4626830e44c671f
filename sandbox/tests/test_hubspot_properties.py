"""The properties API: HubSpot's default definitions, custom properties, options, groups."""

from __future__ import annotations

import json
from typing import Any

import hubspot
import pytest
from hubspot.crm.properties import (
    ApiException,
    OptionInput,
    PropertyCreate,
    PropertyGroupCreate,
    PropertyUpdate,
)

from hubsync_sandbox.hubspot import RunningSandbox
from sandbox.tests.conftest import RawApi

PROPERTIES = "/crm/v3/properties/contacts"
LIFECYCLE_ORDER = [
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
]


def new_property(**fields: Any) -> PropertyCreate:
    values = {
        "name": "channel_title",
        "label": "Channel title",
        "type": "string",
        "field_type": "text",
        "group_name": "contactinformation",
    } | fields
    return PropertyCreate(**values)


def test_the_portal_starts_with_hubspots_default_properties(client: hubspot.Client) -> None:
    names = {p.name for p in client.crm.properties.core_api.get_all("contacts").results}
    assert {
        "email",
        "firstname",
        "lastname",
        "phone",
        "company",
        "lifecyclestage",
        "hs_lead_status",
        "createdate",
        "lastmodifieddate",
        "hs_object_id",
        "hs_marketable_status",
        "hs_marketable_until_renewal",
        "hs_additional_emails",
    } <= names


def test_a_definition_has_the_fields_of_the_spec(api: RawApi) -> None:
    definition = api.call("GET", f"{PROPERTIES}/hs_object_id").body
    assert definition["type"] == "number"
    assert definition["modificationMetadata"] == {
        "archivable": False,
        "readOnlyDefinition": True,
        "readOnlyOptions": True,
        "readOnlyValue": True,
    }
    for field in ("label", "fieldType", "groupName", "options", "hasUniqueValue", "calculated"):
        assert field in definition


def test_lifecycle_stages_and_lead_statuses(client: hubspot.Client) -> None:
    core = client.crm.properties.core_api
    stages = core.get_by_name("contacts", "lifecyclestage").options
    assert [o.value for o in stages] == LIFECYCLE_ORDER
    statuses = [o.value for o in core.get_by_name("contacts", "hs_lead_status").options]
    assert statuses[:8] == [
        "NEW",
        "OPEN",
        "IN_PROGRESS",
        "OPEN_DEAL",
        "UNQUALIFIED",
        "ATTEMPTED_TO_CONTACT",
        "CONNECTED",
        "BAD_TIMING",
    ]
    assert "REFERRER" in statuses


def test_a_missing_property_is_a_404(client: hubspot.Client) -> None:
    with pytest.raises(ApiException) as missing:
        client.crm.properties.core_api.get_by_name("contacts", "shoe_size")
    assert missing.value.status == 404


def test_creating_a_property_makes_it_writable(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    created = client.crm.properties.core_api.create("contacts", new_property())
    assert created.name == "channel_title"
    assert created.has_unique_value is False
    sandbox.store.add_contact({"channel_title": "Gleev Music"})
    assert any(d["name"] == "channel_title" for d in sandbox.store.property_definitions())


def test_creating_an_existing_property_is_a_409(client: hubspot.Client) -> None:
    with pytest.raises(ApiException) as exists:
        client.crm.properties.core_api.create("contacts", new_property(name="email"))
    assert exists.value.status == 409
    assert json.loads(exists.value.body)["category"] == "OBJECT_ALREADY_EXISTS"


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "text"},  # not a type
        {"field_type": "select"},  # does not fit a string
        {"group_name": "no_such_group"},
        {"name": "Channel Title"},  # names are lower case
        {"type": "enumeration", "field_type": "select"},  # an enumeration needs options
        {"type": "datetime", "field_type": "date", "has_unique_value": True},
    ],
)
def test_a_bad_definition_is_a_400(api: RawApi, fields: dict[str, Any]) -> None:
    body = new_property(**fields).to_dict()
    definition = {
        "name": body["name"],
        "label": body["label"],
        "type": body["type"],
        "fieldType": body["field_type"],
        "groupName": body["group_name"],
    }
    if body.get("has_unique_value"):
        definition["hasUniqueValue"] = True
    answer = api.call("POST", PROPERTIES, definition)
    assert answer.status == 400
    assert answer.body["category"] == "VALIDATION_ERROR"


def test_patch_changes_the_label_and_replaces_all_options(client: hubspot.Client) -> None:
    core = client.crm.properties.core_api
    core.create(
        "contacts",
        new_property(
            name="tier",
            type="enumeration",
            field_type="select",
            options=[
                OptionInput(label="Gold", value="gold", hidden=False, display_order=0),
                OptionInput(label="Silver", value="silver", hidden=False, display_order=1),
            ],
        ),
    )
    updated = core.update(
        "contacts",
        "tier",
        PropertyUpdate(
            label="Tier",
            options=[OptionInput(label="Bronze", value="bronze", hidden=False, display_order=0)],
        ),
    )
    assert updated.label == "Tier"
    assert [o.value for o in updated.options] == ["bronze"]


def test_unique_values_cannot_be_switched_on_later(api: RawApi, client: hubspot.Client) -> None:
    client.crm.properties.core_api.create("contacts", new_property())
    answer = api.call("PATCH", f"{PROPERTIES}/channel_title", {"hasUniqueValue": True})
    assert answer.status == 400


def test_a_read_only_definition_cannot_be_changed(api: RawApi) -> None:
    assert api.call("PATCH", f"{PROPERTIES}/hs_object_id", {"label": "Id"}).status == 400


def test_groups_can_be_listed_and_created(client: hubspot.Client) -> None:
    groups = client.crm.properties.groups_api
    assert "contactinformation" in {g.name for g in groups.get_all("contacts").results}
    created = groups.create("contacts", PropertyGroupCreate(name="ypp", label="YPP"))
    assert created.name == "ypp"
    with pytest.raises(ApiException) as exists:
        groups.create("contacts", PropertyGroupCreate(name="ypp", label="YPP"))
    assert exists.value.status == 409
    client.crm.properties.core_api.create("contacts", new_property(group_name="ypp"))


def test_only_contacts_are_emulated(api: RawApi) -> None:
    assert api.call("GET", "/crm/v3/properties/deals").status == 404
    assert api.call("GET", "/crm/v3/properties/0-1").status == 200


def test_the_store_lists_definitions_as_the_api_does(sandbox: RunningSandbox, api: RawApi) -> None:
    listed = api.call("GET", PROPERTIES).body["results"]
    assert [d["name"] for d in listed] == [d["name"] for d in sandbox.store.property_definitions()]
