"""The write rules HubSpot enforces on contact values."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import hubspot
import pytest
from hubspot.crm.contacts import ApiException, SimplePublicObjectInput
from hubspot.crm.properties import OptionInput, PropertyUpdate

from hubsync_sandbox.hubspot import RunningSandbox, SandboxConfig, start_sandbox
from sandbox.tests.conftest import RawApi, create_property, limits_off, make_client

CONTACTS = "/crm/v3/objects/contacts"


def patch(client: hubspot.Client, contact_id: str, **properties: str) -> dict[str, str | None]:
    answer = client.crm.contacts.basic_api.update(
        contact_id, SimplePublicObjectInput(properties=properties)
    )
    written: dict[str, str | None] = answer.properties
    return written


def stored(sandbox: RunningSandbox, contact_id: str) -> dict[str, str]:
    contact = sandbox.store.get(contact_id)
    assert contact is not None
    properties: dict[str, str] = contact["properties"]
    return properties


def refusal(client: hubspot.Client, contact_id: str, **properties: str) -> dict[str, Any]:
    with pytest.raises(ApiException) as refused:
        patch(client, contact_id, **properties)
    assert refused.value.status == 400
    body: dict[str, Any] = json.loads(refused.value.body)
    return body


def test_lifecycle_stage_moves_forward(sandbox: RunningSandbox, client: hubspot.Client) -> None:
    contact_id = sandbox.store.add_contact({"lifecyclestage": "subscriber"})
    assert patch(client, contact_id, lifecyclestage="customer")["lifecyclestage"] == "customer"


def test_an_earlier_lifecycle_stage_is_accepted_and_ignored(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    contact_id = sandbox.store.add_contact({"lifecyclestage": "customer"})
    answer = patch(client, contact_id, lifecyclestage="lead", firstname="Ada")
    assert answer["lifecyclestage"] == "customer"
    assert stored(sandbox, contact_id)["lifecyclestage"] == "customer"
    assert stored(sandbox, contact_id)["firstname"] == "Ada"


def test_clearing_the_stage_first_lets_a_later_request_set_an_earlier_one(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    contact_id = sandbox.store.add_contact({"lifecyclestage": "customer"})
    assert patch(client, contact_id, lifecyclestage="")["lifecyclestage"] is None
    assert patch(client, contact_id, lifecyclestage="lead")["lifecyclestage"] == "lead"


def test_a_human_edit_may_move_the_stage_backward(sandbox: RunningSandbox) -> None:
    contact_id = sandbox.store.add_contact({"lifecyclestage": "customer"})
    sandbox.store.set_properties(contact_id, {"lifecyclestage": "lead"})
    assert stored(sandbox, contact_id)["lifecyclestage"] == "lead"


def test_unknown_enumeration_options_are_refused(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    contact_id = sandbox.store.add_contact({})
    for name, value in (("lifecyclestage", "vip"), ("hs_lead_status", "connected")):
        body = refusal(client, contact_id, **{name: value})
        assert body["category"] == "VALIDATION_ERROR"
        assert body["errors"][0]["code"] == "INVALID_OPTION"
        assert body["errors"][0]["context"] == {"propertyName": [name]}


def test_the_referrer_lead_status_exists_when_the_portal_has_it(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    contact_id = sandbox.store.add_contact({})
    assert patch(client, contact_id, hs_lead_status="REFERRER")["hs_lead_status"] == "REFERRER"
    assert patch(client, contact_id, hs_lead_status="CONNECTED")["hs_lead_status"] == "CONNECTED"


def test_without_the_referrer_option_it_must_be_added_to_the_property_first() -> None:
    with start_sandbox(SandboxConfig(requests_per_10s=None, referrer_option=False)) as sandbox:
        client = make_client(sandbox)
        contact_id = sandbox.store.add_contact({})
        assert refusal(client, contact_id, hs_lead_status="REFERRER")["errors"][0]["code"] == (
            "INVALID_OPTION"
        )
        properties = client.crm.properties.core_api
        current = properties.get_by_name("contacts", "hs_lead_status").options
        options = [
            OptionInput(label=o.label, value=o.value, hidden=o.hidden, display_order=i)
            for i, o in enumerate(current)
        ] + [OptionInput(label="Referrer", value="REFERRER", hidden=False, display_order=99)]
        properties.update("contacts", "hs_lead_status", PropertyUpdate(options=options))
        assert patch(client, contact_id, hs_lead_status="REFERRER")["hs_lead_status"] == (
            "REFERRER"
        )


def test_custom_enumerations_accept_only_their_options(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    create_property(
        client,
        "tier",
        label="Tier",
        type="enumeration",
        field_type="select",
        options=[OptionInput(label="Gold", value="gold", hidden=False, display_order=0)],
    )
    contact_id = sandbox.store.add_contact({})
    assert patch(client, contact_id, tier="gold")["tier"] == "gold"
    assert refusal(client, contact_id, tier="silver")["errors"][0]["code"] == "INVALID_OPTION"


def test_an_unknown_property_is_named_in_the_error(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    contact_id = sandbox.store.add_contact({})
    body = refusal(client, contact_id, favourite_colour="blue")
    assert body["message"].startswith("Property values were not valid: ")
    details = json.loads(body["message"].removeprefix("Property values were not valid: "))
    assert details[0]["error"] == "PROPERTY_DOESNT_EXIST"
    assert details[0]["name"] == "favourite_colour"
    assert body["errors"] == [
        {
            "message": 'Property "favourite_colour" does not exist',
            "code": "PROPERTY_DOESNT_EXIST",
            "context": {"propertyName": ["favourite_colour"]},
        }
    ]


@pytest.mark.parametrize(
    "name",
    ["hs_object_id", "createdate", "lastmodifieddate", "hs_marketable_status"],
)
def test_read_only_properties_cannot_be_written(
    sandbox: RunningSandbox, client: hubspot.Client, name: str
) -> None:
    contact_id = sandbox.store.add_contact({})
    body = refusal(client, contact_id, **{name: "1"})
    assert body["errors"][0]["code"] == "READ_ONLY_VALUE"
    assert (
        body["errors"][0]["message"]
        == f'"{name}" is a calculated property; its value cannot be set.'
    )


@pytest.mark.parametrize("marketing", [True, False])
def test_marketing_status_at_creation_follows_the_portal_switch(marketing: bool) -> None:
    config = SandboxConfig(requests_per_10s=None, marketing_on_create=marketing)
    with start_sandbox(config) as sandbox:
        contact_id = sandbox.store.add_contact({"email": "ada@example.com"})
        assert stored(sandbox, contact_id)["hs_marketable_status"] == str(marketing).lower()


def test_a_seeded_contact_may_carry_its_marketing_status(sandbox: RunningSandbox) -> None:
    contact_id = sandbox.store.add_contact({"hs_marketable_status": "false"})
    assert stored(sandbox, contact_id)["hs_marketable_status"] == "false"


def test_every_contact_has_its_system_properties(sandbox: RunningSandbox) -> None:
    contact_id = sandbox.store.add_contact({})
    properties = stored(sandbox, contact_id)
    assert properties["hs_object_id"] == contact_id
    assert properties["createdate"].endswith("Z")
    assert properties["lastmodifieddate"] == properties["createdate"]


def test_lastmodifieddate_moves_on_change_only(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    contact_id = sandbox.store.add_contact({"firstname": "Ada"})
    before = stored(sandbox, contact_id)["lastmodifieddate"]
    time.sleep(0.002)
    patch(client, contact_id, firstname="Ada")
    assert stored(sandbox, contact_id)["lastmodifieddate"] == before
    patch(client, contact_id, firstname="Grace")
    assert stored(sandbox, contact_id)["lastmodifieddate"] > before


def test_emails_are_stored_lower_case_and_unique_without_case(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    first = sandbox.store.add_contact({"email": "Ada@Example.COM"})
    assert stored(sandbox, first)["email"] == "ada@example.com"
    second = sandbox.store.add_contact({"email": "grace@example.com"})
    with pytest.raises(ApiException) as conflict:
        patch(client, second, email="ADA@example.com")
    assert conflict.value.status == 409
    assert json.loads(conflict.value.body)["message"] == (
        f"Contact already exists. Existing ID: {first}"
    )


def test_a_unique_property_value_held_by_another_contact_conflicts(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    create_property(client, "gleev_channel_id", label="Gleev channel id", has_unique_value=True)
    holder = sandbox.store.add_contact({"gleev_channel_id": "ch-1"})
    other = sandbox.store.add_contact({})
    with pytest.raises(ApiException) as conflict:
        patch(client, other, gleev_channel_id="ch-1")
    body = json.loads(conflict.value.body)
    assert conflict.value.status == 409
    assert body["category"] == "CONFLICT"
    assert "gleev_channel_id" in body["message"]
    assert body["message"].endswith(f"Existing ID: {holder}")
    with pytest.raises(ValueError, match="gleev_channel_id"):
        sandbox.store.add_contact({"gleev_channel_id": "ch-1"})


def test_property_values_must_be_strings(sandbox: RunningSandbox, api: RawApi) -> None:
    contact_id = sandbox.store.add_contact({})
    answer = api.call("PATCH", f"{CONTACTS}/{contact_id}", {"properties": {"firstname": 5}})
    assert answer.status == 400
    assert answer.body["category"] == "VALIDATION_ERROR"


def test_values_are_normalized_as_hubspot_stores_them(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    create_property(
        client, "processed_at", label="Processed at", type="datetime", field_type="date"
    )
    contact_id = sandbox.store.add_contact({})
    assert patch(client, contact_id, processed_at="1700000000000")["processed_at"] == (
        "2023-11-14T22:13:20Z"
    )
    assert patch(client, contact_id, processed_at="2024-01-02T03:04:05.678+01:00")[
        "processed_at"
    ] == ("2024-01-02T02:04:05.678Z")
    assert refusal(client, contact_id, processed_at="yesterday")["errors"][0]["code"] == (
        "INVALID_LONG"
    )


def test_numbers_must_be_plain_decimals(sandbox: RunningSandbox, client: hubspot.Client) -> None:
    create_property(
        client, "total_subscribers", label="Total subscribers", type="number", field_type="number"
    )
    contact_id = sandbox.store.add_contact({})
    assert patch(client, contact_id, total_subscribers="1200")["total_subscribers"] == "1200"
    body = refusal(client, contact_id, total_subscribers="1.2e3")
    assert body["errors"][0] == {
        "message": "1.2e3 was not a valid number.",
        "code": "INVALID_INTEGER",
        "context": {"propertyName": ["total_subscribers"]},
    }


def test_a_portal_may_give_new_contacts_a_default_stage() -> None:
    config = limits_off()
    config.default_lifecycle_stage = "lead"
    with start_sandbox(config) as sandbox:
        contact_id = sandbox.store.add_contact({})
        assert stored(sandbox, contact_id)["lifecyclestage"] == "lead"
        sandbox.store.set_properties(contact_id, {"lifecyclestage": ""})
        assert "lifecyclestage" not in stored(sandbox, contact_id)


@pytest.mark.parametrize(
    ("email", "valid"),
    [
        ("x@y.comtttt", False),
        ("ada@gleev.local", False),
        ("ada@example.com", True),
        ("ada@mail.example.co.uk", True),
        ("ADA@studio.AGENCY", True),
    ],
)
def test_an_email_whose_top_level_domain_does_not_exist_is_refused(
    api: RawApi, email: str, valid: bool
) -> None:
    answer = api.call("POST", CONTACTS, {"properties": {"email": email}})
    if valid:
        assert answer.status == 201
        assert answer.body["properties"]["email"] == email.lower()
    else:
        assert answer.status == 400
        assert answer.body["errors"][0]["code"] == "INVALID_EMAIL"


NO_NETWORK = """
import socket

def refuse(*args, **kwargs):
    raise OSError("no network")

socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from hubsync_sandbox.hubspot.rules.values import is_plausible_email

print(is_plausible_email("ada@example.com"), is_plausible_email("x@y.comtttt"))
"""


def test_the_list_of_top_level_domains_needs_no_network() -> None:
    checked = subprocess.run(
        [sys.executable, "-c", NO_NETWORK], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.split() == ["True", "False"]


def marketing_total(client: hubspot.Client, *, leaving: bool = False) -> int:
    filters = [{"propertyName": "hs_marketable_status", "operator": "EQ", "value": "true"}]
    if leaving:
        filters.append(
            {"propertyName": "hs_marketable_until_renewal", "operator": "EQ", "value": "true"}
        )
    answer = client.crm.contacts.search_api.do_search(
        {"filterGroups": [{"filters": filters}], "limit": 1}
    )
    total: int = answer.total
    return total


@pytest.mark.parametrize("marketing", [True, False])
def test_contacts_created_through_the_api_count_as_marketing_only_with_the_switch_on(
    marketing: bool,
) -> None:
    config = SandboxConfig(requests_per_10s=None, marketing_on_create=marketing)
    with start_sandbox(config) as sandbox:
        client = make_client(sandbox)
        created = client.crm.contacts.basic_api.create(
            SimplePublicObjectInput(properties={"email": "ada@example.com"})
        )
        assert created.properties["hs_marketable_status"] == str(marketing).lower()
        assert created.properties["hs_marketable_until_renewal"] == "false"
        assert marketing_total(client) == (1 if marketing else 0)
        assert marketing_total(client, leaving=True) == 0


def test_a_contact_set_non_marketing_counts_until_the_update_date(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    staying = sandbox.store.add_contact({"hs_marketable_status": "true"})
    leaving = sandbox.store.add_contact({"hs_marketable_status": "true"})

    sandbox.store.set_non_marketing(leaving)

    assert (marketing_total(client), marketing_total(client, leaving=True)) == (2, 1)
    sandbox.store.pass_update_date()
    assert (marketing_total(client), marketing_total(client, leaving=True)) == (1, 0)
    assert stored(sandbox, staying)["hs_marketable_status"] == "true"
    assert stored(sandbox, leaving)["hs_marketable_status"] == "false"
