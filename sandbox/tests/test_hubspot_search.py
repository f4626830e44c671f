"""CRM search: operators, limits, sorting, paging, the 10,000 cap and the index lag."""

from __future__ import annotations

import time
from typing import Any

import hubspot
import pytest
from hubspot.crm.contacts import (
    ApiException,
    PublicObjectSearchRequest,
    SimplePublicObjectInputForCreate,
)

from hubsync_sandbox.hubspot import RunningSandbox, SandboxConfig, start_sandbox
from sandbox.tests.conftest import RawApi, contact_in, create_property, make_client

SEARCH = "/crm/v3/objects/contacts/search"


def condition(name: str, operator: str, value: str | None = None, **more: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"propertyName": name, "operator": operator, **more}
    if value is not None:
        found["value"] = value
    return found


def search_ids(client: hubspot.Client, *groups: list[dict[str, Any]], **request: Any) -> list[str]:
    answer = client.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(filter_groups=[{"filters": g} for g in groups], **request)
    )
    return [contact.id for contact in answer.results]


@pytest.fixture
def people(sandbox: RunningSandbox, client: hubspot.Client) -> dict[str, str]:
    create_property(
        client, "total_subscribers", label="Total subscribers", type="number", field_type="number"
    )
    add = sandbox.store.add_contact
    return {
        "ada": add(
            {
                "email": "ada@gleev.org",
                "firstname": "Ada",
                "total_subscribers": "900",
                "lifecyclestage": "customer",
            }
        ),
        "grace": add(
            {"email": "grace@navy.org", "firstname": "Grace", "total_subscribers": "10000"}
        ),
        "alan": add({"email": "alan@gleev.org", "firstname": "Alan Mathison"}),
    }


def test_eq_compares_strings_without_case(client: hubspot.Client, people: dict[str, str]) -> None:
    assert search_ids(client, [condition("firstname", "EQ", "ADA")]) == [people["ada"]]


def test_neq_in_and_not_in(client: hubspot.Client, people: dict[str, str]) -> None:
    assert search_ids(client, [condition("firstname", "NEQ", "ada")]) == [
        people["grace"],
        people["alan"],
    ]
    # HubSpot lower-cases the stored string only, so IN values must be lower case.
    assert search_ids(client, [condition("firstname", "IN", values=["ada", "grace"])]) == [
        people["ada"],
        people["grace"],
    ]
    assert search_ids(client, [condition("firstname", "IN", values=["Ada"])]) == []
    assert search_ids(client, [condition("firstname", "NOT_IN", values=["ada"])]) == [
        people["grace"],
        people["alan"],
    ]


def test_number_properties_compare_as_numbers(
    client: hubspot.Client, people: dict[str, str]
) -> None:
    assert search_ids(client, [condition("total_subscribers", "GT", "1000")]) == [people["grace"]]
    assert search_ids(client, [condition("total_subscribers", "GTE", "900")]) == [
        people["ada"],
        people["grace"],
    ]
    assert search_ids(client, [condition("total_subscribers", "LT", "1000")]) == [people["ada"]]
    assert search_ids(client, [condition("total_subscribers", "LTE", "899")]) == []
    between = condition("total_subscribers", "BETWEEN", "100", highValue="1000")
    assert search_ids(client, [between]) == [people["ada"]]


def test_dates_compare_as_epoch_milliseconds_or_iso(
    sandbox: RunningSandbox, client: hubspot.Client, people: dict[str, str]
) -> None:
    created = contact_in(sandbox, people["ada"])["properties"]["createdate"]
    assert len(search_ids(client, [condition("createdate", "GTE", created)])) == 3
    assert search_ids(client, [condition("createdate", "LT", "0")]) == []
    far_future = str(4_000_000_000_000)
    assert len(search_ids(client, [condition("createdate", "LT", far_future)])) == 3


def test_presence_and_token_operators(client: hubspot.Client, people: dict[str, str]) -> None:
    assert search_ids(client, [condition("total_subscribers", "NOT_HAS_PROPERTY")]) == [
        people["alan"]
    ]
    assert len(search_ids(client, [condition("total_subscribers", "HAS_PROPERTY")])) == 2
    assert search_ids(client, [condition("email", "CONTAINS_TOKEN", "*@gleev.org")]) == [
        people["ada"],
        people["alan"],
    ]
    assert search_ids(client, [condition("firstname", "CONTAINS_TOKEN", "mathison")]) == [
        people["alan"]
    ]


def test_groups_are_or_and_filters_in_a_group_are_and(
    client: hubspot.Client, people: dict[str, str]
) -> None:
    gleev = condition("email", "CONTAINS_TOKEN", "*@gleev.org")
    assert search_ids(client, [gleev, condition("firstname", "EQ", "alan mathison")]) == [
        people["alan"]
    ]
    assert search_ids(
        client, [condition("firstname", "EQ", "ada")], [condition("firstname", "EQ", "grace")]
    ) == [people["ada"], people["grace"]]


def test_enumeration_values_keep_their_case(client: hubspot.Client, people: dict[str, str]) -> None:
    assert search_ids(client, [condition("lifecyclestage", "EQ", "customer")]) == [people["ada"]]
    assert search_ids(client, [condition("lifecyclestage", "EQ", "CUSTOMER")]) == []


@pytest.mark.parametrize(
    ("groups", "filters_per_group"),
    [(6, 1), (1, 7), (4, 5)],  # too many groups, too many in one group, 20 in all
)
def test_filter_limits(api: RawApi, groups: int, filters_per_group: int) -> None:
    group = {"filters": [condition("email", "HAS_PROPERTY")] * filters_per_group}
    answer = api.call("POST", SEARCH, {"filterGroups": [group] * groups})
    assert answer.status == 400
    assert answer.body["category"] == "VALIDATION_ERROR"


def test_the_largest_allowed_filter_set_is_accepted(api: RawApi) -> None:
    groups = [{"filters": [condition("email", "HAS_PROPERTY")] * 6}] * 3
    assert api.call("POST", SEARCH, {"filterGroups": groups}).status == 200


def test_sorting_by_one_property(client: hubspot.Client, people: dict[str, str]) -> None:
    descending = search_ids(
        client, sorts=[{"propertyName": "firstname", "direction": "DESCENDING"}]
    )
    assert descending == [people["grace"], people["alan"], people["ada"]]
    assert search_ids(client) == [people["ada"], people["grace"], people["alan"]]


def test_only_one_sort_is_allowed(api: RawApi) -> None:
    sorts = [{"propertyName": "email"}, {"propertyName": "firstname"}]
    assert api.call("POST", SEARCH, {"sorts": sorts}).status == 400


def test_limit_paging_and_total(sandbox: RunningSandbox, api: RawApi) -> None:
    for i in range(25):
        sandbox.store.add_contact({"email": f"c{i}@example.com"})
    first = api.call("POST", SEARCH, {}).body
    assert first["total"] == 25
    assert len(first["results"]) == 10
    assert first["paging"]["next"]["after"] == "10"
    last = api.call("POST", SEARCH, {"after": "20", "limit": 10}).body
    assert len(last["results"]) == 5
    assert "paging" not in last
    assert api.call("POST", SEARCH, {"limit": 200}).status == 200
    assert api.call("POST", SEARCH, {"limit": 201}).status == 400


def test_paging_past_10000_results_is_refused(api: RawApi) -> None:
    assert api.call("POST", SEARCH, {"after": "9800", "limit": 200}).status == 200
    refused = api.call("POST", SEARCH, {"after": "9900", "limit": 200})
    assert refused.status == 400
    assert refused.body["category"] == "VALIDATION_ERROR"


def test_results_carry_requested_properties_and_nulls(
    client: hubspot.Client, people: dict[str, str]
) -> None:
    answer = client.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(properties=["total_subscribers"], limit=1)
    )
    assert answer.results[0].properties == {
        "createdate": answer.results[0].properties["createdate"],
        "hs_object_id": people["ada"],
        "lastmodifieddate": answer.results[0].properties["lastmodifieddate"],
        "total_subscribers": "900",
    }
    alan = client.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(query="mathison", properties=["total_subscribers"])
    )
    assert alan.results[0].properties["total_subscribers"] is None


def test_the_free_text_query_looks_in_names_and_emails(
    sandbox: RunningSandbox, client: hubspot.Client, people: dict[str, str]
) -> None:
    extra = sandbox.store.add_contact({"hs_additional_emails": "old@gleev.org"})
    found = client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(query="GLEEV"))
    assert [c.id for c in found.results] == [people["ada"], people["alan"], extra]


def test_archived_contacts_never_appear(client: hubspot.Client, people: dict[str, str]) -> None:
    client.crm.contacts.basic_api.archive(people["ada"])
    assert people["ada"] not in search_ids(client)


def test_unknown_properties_and_operators_are_refused(api: RawApi) -> None:
    unknown_property = {"filters": [condition("shoe_size", "EQ", "9")]}
    assert api.call("POST", SEARCH, {"filterGroups": [unknown_property]}).status == 400
    unknown_operator = {"filters": [condition("email", "LIKE", "a")]}
    assert api.call("POST", SEARCH, {"filterGroups": [unknown_operator]}).status == 400


def test_search_sees_writes_only_after_the_index_delay() -> None:
    delay = 0.3
    config = SandboxConfig(
        requests_per_10s=None, search_per_second=None, search_index_delay_s=delay
    )
    with start_sandbox(config) as sandbox:
        client = make_client(sandbox)
        old = sandbox.store.add_contact({"email": "ada@example.com", "firstname": "Ada"})
        assert search_ids(client) == []  # seeding is a write like any other
        time.sleep(delay + 0.05)
        new = client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": "grace@example.com"})
        ).id
        sandbox.store.set_properties(old, {"firstname": "Augusta"})
        by_name = [condition("firstname", "EQ", "ada")]
        assert search_ids(client) == [old]  # the new contact is not indexed yet
        assert search_ids(client, by_name) == [old]  # and the update not either
        time.sleep(delay + 0.05)
        assert search_ids(client) == [old, new]
        assert search_ids(client, by_name) == []


def test_an_invalid_after_is_refused(client: hubspot.Client) -> None:
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(after="next"))
    assert refused.value.status == 400
