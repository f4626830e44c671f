"""Rate limits, authentication, injected faults, lost answers and request counts."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import hubspot
import pytest
import urllib3
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchResponseSimplePublicUpsertObject,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.contacts.exceptions import ServiceException, UnauthorizedException

from hubsync_sandbox.hubspot import RunningSandbox, SandboxConfig, start_sandbox
from sandbox.tests.conftest import RawApi, journal_of, limits_off, make_client

CONTACTS = "/crm/v3/objects/contacts"
SEARCH = "/crm/v3/objects/contacts/search"
WINDOW_S = 0.5


@pytest.fixture
def limited() -> Iterator[RawApi]:
    """A portal allowing 3 requests per half second and 2 searches per second; its 429s carry
    no Retry-After, as none of HubSpot's recorded ones do."""
    config = SandboxConfig(
        requests_per_10s=3, rate_window_s=WINDOW_S, search_per_second=2, retry_after_rate=0.0
    )
    with start_sandbox(config) as running:
        http = urllib3.PoolManager()
        yield RawApi(running, http)
        http.clear()


def test_the_rolling_window_answers_429_with_hubspots_body(limited: RawApi) -> None:
    remaining = [
        limited.call("GET", CONTACTS).headers["X-HubSpot-RateLimit-Remaining"] for _ in range(3)
    ]
    assert remaining == ["2", "1", "0"]
    refused = limited.call("GET", CONTACTS)
    assert refused.status == 429
    body = refused.body
    assert body["status"] == "error"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["groupName"]
    assert body["correlationId"]
    assert "Retry-After" not in refused.headers


def test_refused_requests_do_not_count_against_the_window(limited: RawApi) -> None:
    for _ in range(3):
        assert limited.call("GET", CONTACTS).status == 200
    for _ in range(5):
        assert limited.call("GET", CONTACTS).status == 429
    time.sleep(WINDOW_S + 0.05)
    assert [limited.call("GET", CONTACTS).status for _ in range(4)] == [200, 200, 200, 429]


def test_normal_answers_carry_the_rate_limit_headers(limited: RawApi) -> None:
    headers = limited.call("GET", CONTACTS).headers
    assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "500"
    assert headers["X-HubSpot-RateLimit-Max"] == "3"
    assert headers["X-HubSpot-RateLimit-Remaining"] == "2"
    assert int(headers["X-HubSpot-RateLimit-Secondly"]) >= 1
    assert "X-HubSpot-RateLimit-Secondly-Remaining" in headers
    assert headers["X-HubSpot-RateLimit-Daily"] == "1000000"
    assert headers["X-HubSpot-RateLimit-Daily-Remaining"] == "999999"


def test_search_answers_carry_only_the_daily_headers(limited: RawApi) -> None:
    headers = limited.call("POST", SEARCH, {}).headers
    assert "X-HubSpot-RateLimit-Daily" in headers
    assert "X-HubSpot-RateLimit-Max" not in headers
    assert "X-HubSpot-RateLimit-Secondly" not in headers


def test_search_has_its_own_limit_per_second(limited: RawApi) -> None:
    limited.sandbox.config.requests_per_10s = None
    assert [limited.call("POST", SEARCH, {}).status for _ in range(2)] == [200, 200]
    refused = limited.call("POST", SEARCH, {})
    assert refused.status == 429
    assert refused.body["message"] == "You have reached your secondly limit."
    assert refused.body["category"] == "RATE_LIMITS"
    assert "policyName" not in refused.body
    assert limited.call("GET", CONTACTS).status == 200  # other endpoints are not held back
    time.sleep(1.05)
    assert limited.call("POST", SEARCH, {}).status == 200


def test_the_daily_limit_and_the_usage_endpoint(limited: RawApi) -> None:
    config = limited.sandbox.config
    config.requests_per_10s, config.daily_limit = None, 3
    for _ in range(2):
        limited.call("GET", CONTACTS)
    usage = limited.call("GET", "/account-info/v3/api-usage/daily/private-apps").body
    assert usage["results"][0]["currentUsage"] == 3
    assert usage["results"][0]["usageLimit"] == 3
    refused = limited.call("GET", CONTACTS)
    assert refused.status == 429
    assert refused.body["policyName"] == "DAILY"


def test_calls_used_elsewhere_count_against_the_daily_limit(limited: RawApi) -> None:
    config = limited.sandbox.config
    config.requests_per_10s, config.daily_limit, config.daily_used_elsewhere = None, 100, 95
    remaining = [
        limited.call("GET", CONTACTS).headers["X-HubSpot-RateLimit-Daily-Remaining"]
        for _ in range(3)
    ]
    assert remaining == ["4", "3", "2"]
    config.daily_used_elsewhere = 10  # another integration's usage changes while it runs
    assert limited.call("GET", CONTACTS).headers["X-HubSpot-RateLimit-Daily-Remaining"] == "86"
    config.daily_used_elsewhere = 100
    assert limited.call("GET", CONTACTS).body["policyName"] == "DAILY"


def test_a_missing_or_wrong_token_is_a_401(limited: RawApi) -> None:
    for token in (None, "wrong"):
        answer = limited.call("GET", CONTACTS, token=token)
        assert answer.status == 401
        assert answer.body["category"] == "INVALID_AUTHENTICATION"
    assert limited.call("GET", CONTACTS).headers["X-HubSpot-RateLimit-Remaining"] == "2"


def test_the_sdk_raises_unauthorized_without_the_right_token(sandbox: RunningSandbox) -> None:
    client = hubspot.Client.create(access_token="wrong", host=sandbox.url)
    with pytest.raises(UnauthorizedException):
        client.crm.contacts.basic_api.get_page()


def test_injected_faults_surface_as_service_exceptions_and_change_nothing(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    sandbox.config.fault_rate = 1.0
    statuses = set()
    for _ in range(20):
        with pytest.raises(ServiceException) as fault:
            client.crm.contacts.basic_api.create(
                SimplePublicObjectInputForCreate(properties={"email": "ada@example.com"})
            )
        statuses.add(fault.value.status)
        assert json.loads(fault.value.body)["status"] == "error"
    assert statuses <= {500, 502, 503}
    assert len(statuses) > 1
    assert sandbox.store.contacts() == []


def test_dropped_connections_surface_as_connection_errors(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    sandbox.config.drop_rate = 1.0
    with pytest.raises(urllib3.exceptions.ProtocolError):
        client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": "ada@example.com"})
        )
    assert sandbox.store.contacts() == []
    sandbox.config.drop_rate = 0.0
    assert client.crm.contacts.basic_api.get_page().results == []


def test_faults_follow_the_seed() -> None:
    def outcomes() -> list[int]:
        config = SandboxConfig(requests_per_10s=None, fault_rate=0.5, seed=7)
        with start_sandbox(config) as running:
            http = urllib3.PoolManager()
            return [RawApi(running, http).call("GET", CONTACTS).status for _ in range(20)]

    first = outcomes()
    assert first == outcomes()
    assert 200 in first
    assert set(first) - {200}


def test_latency_is_added_to_every_answer(sandbox: RunningSandbox, api: RawApi) -> None:
    sandbox.config.latency_s = 0.2
    started = time.monotonic()
    api.call("GET", CONTACTS)
    assert time.monotonic() - started >= 0.2


def test_request_counts_by_endpoint_include_refused_and_failed_requests(
    limited: RawApi,
) -> None:
    store = limited.sandbox.store
    for _ in range(4):
        limited.call("GET", CONTACTS)
    limited.call("GET", f"{CONTACTS}/1")
    limited.sandbox.config.fault_rate = 1.0
    limited.call("POST", f"{CONTACTS}/batch/upsert", {"inputs": []})
    assert store.request_counts() == {
        "GET /crm/v3/objects/contacts": 4,
        "GET /crm/v3/objects/contacts/{contactId}": 1,
        "POST /crm/v3/objects/contacts/batch/upsert": 1,
    }
    store.reset_request_counts()
    assert store.request_counts() == {}


def test_the_sdk_sees_a_429_as_an_api_exception(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    sandbox.config.requests_per_10s = 0
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.basic_api.get_page()
    assert refused.value.status == 429
    assert json.loads(refused.value.body)["policyName"] == "TEN_SECONDLY_ROLLING"


def test_429s_carry_retry_after_in_whole_seconds_when_the_portal_sends_it(
    limited: RawApi,
) -> None:
    limited.sandbox.config.retry_after_rate = 1.0
    for _ in range(3):
        limited.call("GET", CONTACTS)
    assert limited.call("GET", CONTACTS).headers["Retry-After"] == "1"  # the window is 0.5 s
    for _ in range(2):
        limited.call("POST", SEARCH, {})
    assert limited.call("POST", SEARCH, {}).headers["Retry-After"] == "1"


def test_some_429s_carry_retry_after_and_the_seed_decides_which() -> None:
    def carried() -> list[bool]:
        config = SandboxConfig(requests_per_10s=0, seed=9)
        with start_sandbox(config) as running:
            api = RawApi(running, urllib3.PoolManager())
            return ["Retry-After" in api.call("GET", CONTACTS).headers for _ in range(20)]

    first = carried()
    assert first == carried()
    assert any(first) and not all(first)


def test_the_daily_limit_429_never_carries_retry_after(limited: RawApi) -> None:
    config = limited.sandbox.config
    config.retry_after_rate, config.daily_limit = 1.0, 0
    refused = limited.call("GET", CONTACTS)
    assert refused.body["policyName"] == "DAILY"
    assert "Retry-After" not in refused.headers


def test_a_per_second_limit_answers_secondly_429s(limited: RawApi) -> None:
    config = limited.sandbox.config
    config.requests_per_10s, config.requests_per_second = 10, 2
    answers = [limited.call("GET", CONTACTS) for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    assert answers[0].headers["X-HubSpot-RateLimit-Secondly"] == "2"
    assert answers[1].headers["X-HubSpot-RateLimit-Secondly-Remaining"] == "0"
    body = answers[2].body
    assert body["message"] == "You have reached your secondly limit."
    assert (body["errorType"], body["policyName"]) == ("RATE_LIMIT", "SECONDLY")
    time.sleep(1.05)
    assert limited.call("GET", CONTACTS).status == 200


# -- answers lost after the write ------------------------------------------------------------

UPSERT = "POST /crm/v3/objects/contacts/batch/upsert"


def upsert(
    client: hubspot.Client, email: str, **kwargs: object
) -> BatchResponseSimplePublicUpsertObject:
    return client.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(id=email, id_property="email", properties={})
            ]
        ),
        **kwargs,
    )


@pytest.fixture
def losing() -> Iterator[RunningSandbox]:
    """A portal that loses the answer to the second batch upsert, after doing it."""
    config = limits_off()
    config.lost_answer_calls = {UPSERT: {2}}
    with start_sandbox(config, journal=True) as running:
        yield running


def test_an_answer_lost_to_a_bad_gateway_after_the_write(losing: RunningSandbox) -> None:
    losing.config.lost_answer_kinds = ("bad-gateway",)
    client = make_client(losing)
    upsert(client, "first@example.com")
    with pytest.raises(ServiceException) as lost:
        upsert(client, "ada@example.com")
    assert lost.value.status == 502
    assert lost.value.headers["Content-Type"] == "text/html"
    assert "<h1>502 Bad Gateway</h1>" in lost.value.body
    assert losing.store.find_by_email("ada@example.com") is not None
    assert journal_of(losing)[-1].lost == "bad-gateway"
    assert journal_of(losing)[-1].status == 200  # what HubSpot did, had it been heard
    again = upsert(client, "ada@example.com")
    assert [result.new for result in again.results] == [False]


def test_an_answer_lost_to_a_dropped_connection_after_the_write(losing: RunningSandbox) -> None:
    losing.config.lost_answer_kinds = ("drop",)
    client = make_client(losing)
    upsert(client, "first@example.com")
    with pytest.raises(urllib3.exceptions.ProtocolError):
        upsert(client, "ada@example.com")
    assert losing.store.find_by_email("ada@example.com") is not None


def test_an_answer_lost_to_a_timeout_after_the_write(losing: RunningSandbox) -> None:
    losing.config.lost_answer_kinds = ("timeout",)
    losing.config.lost_answer_timeout_s = 5.0
    client = make_client(losing)
    upsert(client, "first@example.com")
    started = time.monotonic()
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        upsert(client, "ada@example.com", _request_timeout=0.3)
    assert time.monotonic() - started < 2
    assert losing.store.find_by_email("ada@example.com") is not None
    assert [e.lost for e in journal_of(losing)] == [None, "timeout"]


def test_answers_lost_at_random_follow_the_seed() -> None:
    def lost() -> list[str | None]:
        config = limits_off()
        config.seed, config.lost_answer_rate = 3, 0.4
        config.lost_answer_kinds = ("bad-gateway",)
        with start_sandbox(config, journal=True) as running:
            api = RawApi(running, urllib3.PoolManager())
            for i in range(20):
                api.call("POST", CONTACTS, {"properties": {"email": f"c{i}@example.com"}})
            assert len(running.store.contacts()) == 20  # every write was done
            return [exchange.lost for exchange in journal_of(running)]

    first = lost()
    assert first == lost()
    assert set(first) == {None, "bad-gateway"}
