"""Every endpoint's requests and answers, checked against HubSpot's OpenAPI documents."""

from __future__ import annotations

import pytest

from hubsync_sandbox.hubspot import Exchange, RunningSandbox
from sandbox.tests.conftest import RawApi
from sandbox.tests.openapi import (
    EXEMPTIONS_FILE,
    assert_valid_exchanges,
    exemptions_markdown,
    validate_exchange,
)

CONTACTS = "/crm/v3/objects/contacts"
BATCH = f"{CONTACTS}/batch"
PROPERTIES = "/crm/v3/properties/contacts"


def property_session(api: RawApi) -> None:
    api.call("GET", PROPERTIES)
    api.call("GET", f"{PROPERTIES}/lifecyclestage")
    api.call("GET", f"{PROPERTIES}/shoe_size")
    api.call("GET", f"{PROPERTIES}/groups")
    api.call("POST", f"{PROPERTIES}/groups", {"name": "ypp", "label": "YPP", "displayOrder": 1})
    unique = {
        "name": "gleev_channel_id",
        "label": "Gleev channel id",
        "type": "string",
        "fieldType": "text",
        "groupName": "ypp",
        "hasUniqueValue": True,
    }
    api.call("POST", PROPERTIES, unique)
    api.call("POST", PROPERTIES, unique)  # 409
    api.call("POST", PROPERTIES, {**unique, "name": "bad", "fieldType": "select"})  # 400
    option = {"label": "Referrer", "value": "REFERRER", "hidden": False, "displayOrder": 0}
    api.call("PATCH", f"{PROPERTIES}/hs_lead_status", {"options": [option]})


def contact_session(api: RawApi) -> None:
    ada = api.call("POST", CONTACTS, {"properties": {"email": "ada@example.com"}}).body["id"]
    api.call("POST", CONTACTS, {"properties": {"email": "ada@example.com"}})  # 409
    api.call("GET", f"{CONTACTS}?limit=1&properties=email&archived=false")
    api.call("GET", f"{CONTACTS}/{ada}?properties=firstname")
    api.call("GET", f"{CONTACTS}/ada%40example.com?idProperty=email")
    api.call("GET", f"{CONTACTS}/999")  # 404 without category
    api.call("GET", f"{CONTACTS}/not-a-number")  # 404 with category
    api.call("PATCH", f"{CONTACTS}/{ada}", {"properties": {"lifecyclestage": "customer"}})
    api.call("PATCH", f"{CONTACTS}/{ada}", {"properties": {"shoe_size": "9"}})  # 400
    api.call("DELETE", f"{CONTACTS}/{ada}")
    api.call("GET", f"{CONTACTS}?archived=true")


def identity_session(api: RawApi) -> None:
    ids = [
        api.call("POST", CONTACTS, {"properties": {"email": f"{name}@example.com"}}).body["id"]
        for name in ("alan", "ida", "joan")
    ]
    merged = api.call(
        "POST", f"{CONTACTS}/merge", {"primaryObjectId": ids[0], "objectIdToMerge": ids[1]}
    ).body["id"]
    api.call("POST", f"{CONTACTS}/merge", {"primaryObjectId": merged, "objectIdToMerge": "999"})
    api.call("GET", f"{CONTACTS}/{ids[1]}")  # the merged record
    api.call("POST", f"{CONTACTS}/gdpr-delete", {"objectId": ids[2]})  # 204
    api.call(
        "POST", f"{CONTACTS}/gdpr-delete", {"objectId": "x@example.com", "idProperty": "email"}
    )
    api.call("POST", f"{CONTACTS}/gdpr-delete", {"objectId": "999"})  # 404
    api.call("POST", CONTACTS, {"properties": {"email": "joan@example.com"}})  # 400 blocked


def batch_session(api: RawApi) -> None:
    traced = [
        {"properties": {"email": "grace@example.com"}, "objectWriteTraceId": "1"},
        {"properties": {"email": "grace@example.com"}, "objectWriteTraceId": "2"},
    ]
    grace = api.call("POST", f"{BATCH}/create", {"inputs": traced}).body["results"][0]["id"]
    api.call("POST", f"{BATCH}/create", {"inputs": [{"properties": {"email": "x"}}]})  # 400
    api.call("POST", f"{BATCH}/read", {"inputs": [{"id": grace}], "properties": ["email"]})
    api.call("POST", f"{BATCH}/read", {"inputs": [{"id": grace}, {"id": "999"}]})  # 207
    update = {"inputs": [{"id": grace, "properties": {"firstname": "Grace"}}]}
    api.call("POST", f"{BATCH}/update", update)
    api.call("POST", f"{BATCH}/update", {"inputs": [{"id": "999", "properties": {}}]})  # 207
    upsert = {
        "inputs": [
            {"id": "ch-1", "idProperty": "gleev_channel_id", "properties": {"firstname": "A"}},
            {"id": "grace@example.com", "idProperty": "email", "properties": {}},
        ]
    }
    api.call("POST", f"{BATCH}/upsert", upsert)
    api.call("POST", f"{BATCH}/upsert", {"inputs": upsert["inputs"][:1] * 2})  # 400
    refused = [
        {"id": "ok@example.com", "idProperty": "email", "properties": {}},
        {"id": "x@y.comtttt", "idProperty": "email", "properties": {}, "objectWriteTraceId": "b"},
    ]
    api.call("POST", f"{BATCH}/upsert", {"inputs": refused})  # 400 for the whole batch
    api.call(
        "POST", f"{BATCH}/update", {"inputs": [update["inputs"][0], {"id": "9", "properties": {}}]}
    )
    api.call("POST", f"{BATCH}/archive", {"inputs": [{"id": grace}]})


def search_session(api: RawApi) -> None:
    search = {
        "filterGroups": [
            {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]},
            {"filters": [{"propertyName": "firstname", "operator": "IN", "values": ["a"]}]},
        ],
        "sorts": [{"propertyName": "createdate", "direction": "DESCENDING"}],
        "properties": ["email", "gleev_channel_id"],
        "limit": 1,
        "after": "0",
    }
    api.call("POST", f"{CONTACTS}/search", search)
    api.call("POST", f"{CONTACTS}/search", {"query": "grace"})
    api.call("POST", f"{CONTACTS}/search", {"after": "9999", "limit": 10})  # 400


def refusal_session(sandbox: RunningSandbox, api: RawApi) -> None:
    api.call("GET", CONTACTS, token=None)  # 401
    api.call("GET", "/account-info/v3/api-usage/daily/private-apps")
    sandbox.config.retry_after_rate = 1.0
    sandbox.config.search_per_second = 0
    api.call("POST", f"{CONTACTS}/search", {})  # 429 secondly
    sandbox.config.requests_per_second = 0
    api.call("GET", CONTACTS)  # 429 SECONDLY
    sandbox.config.requests_per_second = None
    sandbox.config.requests_per_10s = 0
    api.call("GET", CONTACTS)  # 429 ten-secondly
    sandbox.config.daily_limit = 0
    api.call("GET", CONTACTS)  # 429 daily
    sandbox.config.daily_limit = None
    sandbox.config.requests_per_10s = None
    sandbox.config.lost_answer_rate = 1.0
    sandbox.config.lost_answer_kinds = ("bad-gateway",)
    api.call("POST", CONTACTS, {"properties": {"email": "lost@example.com"}})  # done, then 502
    sandbox.config.lost_answer_rate = 0.0
    sandbox.config.fault_rate = 1.0
    api.call("POST", f"{BATCH}/read", {"inputs": [{"id": "1"}]})  # 5xx


def test_a_session_over_every_endpoint_matches_the_spec(
    sandbox: RunningSandbox, api: RawApi
) -> None:
    property_session(api)
    contact_session(api)
    identity_session(api)
    batch_session(api)
    search_session(api)
    refusal_session(sandbox, api)
    journal = sandbox.store.journal
    assert journal is not None
    statuses = {exchange.status for exchange in journal}
    assert {200, 201, 204, 207, 400, 401, 404, 409, 429} <= statuses
    assert statuses & {500, 502, 503}
    assert any(exchange.lost for exchange in journal)
    paths = {exchange.path for exchange in journal}
    assert {f"{CONTACTS}/merge", f"{CONTACTS}/gdpr-delete"} <= paths
    assert_valid_exchanges(journal)


def test_the_check_catches_a_departure() -> None:
    exchange = Exchange(
        method="POST",
        path="/crm/v3/objects/contacts/search",
        query={},
        headers={"Content-Type": "application/json"},
        request_body={"limit": "ten"},
        status=200,
        response_headers={"Content-Type": "application/json"},
        response_body={"results": []},
    )
    with pytest.raises(AssertionError) as departure:
        validate_exchange(exchange)
    assert "request POST /crm/v3/objects/contacts/search" in str(departure.value)


def test_a_bad_answer_is_caught() -> None:
    exchange = Exchange(
        method="GET",
        path="/crm/v3/objects/contacts/1",
        query={},
        headers={},
        request_body=None,
        status=200,
        response_headers={"Content-Type": "application/json"},
        response_body={"id": 1, "properties": {}},
    )
    with pytest.raises(AssertionError, match="response GET"):
        validate_exchange(exchange)


def test_paths_no_spec_covers_are_reported() -> None:
    exchange = Exchange("GET", "/crm/v3/objects/deals", {}, {}, None, 200, {}, {"results": []})
    with pytest.raises(AssertionError, match="No HubSpot spec covers"):
        validate_exchange(exchange)


def test_the_exemptions_file_lists_exactly_the_exemptions_applied() -> None:
    assert EXEMPTIONS_FILE.read_text() == exemptions_markdown()
