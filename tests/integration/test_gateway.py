"""HubSpotGateway end to end: the real hubspot-api-client over HTTP against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs

from hubsync.hubspot.errors import HubSpotAuthError, HubSpotUnavailable
from hubsync.hubspot.gateway import HubSpotGateway, WriteInput
from hubsync.hubspot.ratelimit import HubSpotLimiter
from hubsync.hubspot.retry import RetryPolicy
from hubsync.hubspot.schema import apply_schema
from hubsync.settings import Settings
from hubsync_sandbox.hubspot import RunningSandbox, SandboxConfig, start_sandbox

TOKEN = "sandbox-token"
KEY = "gleev_channel_id"
# No backoff: tests wait only where a rate limit requires it.
FAST = RetryPolicy(
    attempts=8,
    max_total_s=20.0,
    backoff_base_s=0.0,
    backoff_cap_s=0.0,
    rolling_window_s=0.3,
    search_window_s=0.3,
)
UNLIMITED: dict[str, Any] = {"requests_per_10s": None, "search_per_second": None}


def make_gateway(
    sandbox: RunningSandbox,
    *,
    token: str = TOKEN,
    policy: RetryPolicy = FAST,
    requests_per_window: int = 10_000,
    searches_per_second: int = 1_000,
    window_s: float = 10.0,
) -> HubSpotGateway:
    settings = Settings(
        hubspot_token=SecretStr(token),
        hubspot_base_url=sandbox.url,
        hubspot_requests_per_10s=requests_per_window,
        hubspot_search_per_second=searches_per_second,
        hubspot_timeout_s=5.0,
    )
    limiter = HubSpotLimiter.from_settings(settings, window_s=window_s)
    return HubSpotGateway(settings, limiter=limiter, retry_policy=policy)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(SandboxConfig(seed=7, **UNLIMITED)) as running:
        yield running


@pytest.fixture
def gateway(sandbox: RunningSandbox) -> HubSpotGateway:
    """A gateway to a portal that has hubsync's properties."""
    gateway = make_gateway(sandbox)
    assert apply_schema(gateway, KEY).ok
    gateway.calls.clear()
    return gateway


def add_contacts(sandbox: RunningSandbox, count: int, *, with_key: bool = True) -> list[str]:
    """Contacts user{i}@example.com, keyed ch{i} when the portal has the key property."""
    return [
        sandbox.store.add_contact(
            {"email": f"user{i}@example.com", **({KEY: f"ch{i}"} if with_key else {})}
        )
        for i in range(count)
    ]


def stored_property(sandbox: RunningSandbox, contact_id: str | None, name: str) -> str | None:
    contact = sandbox.store.get(contact_id or "")
    assert contact is not None
    return contact["properties"].get(name)


def upserts(*emails: str) -> list[WriteInput]:
    return [
        WriteInput(trace_id=f"t{i}", id=email, properties={"firstname": f"Name {i}"})
        for i, email in enumerate(emails)
    ]


# -- reads -----------------------------------------------------------------------------------


def test_list_follows_paging_100_at_a_time(
    sandbox: RunningSandbox, gateway: HubSpotGateway
) -> None:
    add_contacts(sandbox, 250)
    contacts = list(gateway.list_contacts(["email", KEY]))
    assert len(contacts) == 250
    assert len({c.id for c in contacts}) == 250
    assert {c.email for c in contacts} == {f"user{i}@example.com" for i in range(250)}
    assert gateway.calls["contacts.list"] == 3


def test_read_chunks_ids_by_100_and_drops_unknown_ids(
    sandbox: RunningSandbox, gateway: HubSpotGateway
) -> None:
    ids = add_contacts(sandbox, 248)
    contacts = gateway.read_contacts([*ids, "999999998", "999999999"], ["email"])
    assert sorted(c.id for c in contacts) == sorted(ids)
    assert gateway.calls["contacts.batch_read"] == 3
    assert gateway.retries == {}


def test_read_by_email_or_key_chunks_batch_reads(
    sandbox: RunningSandbox, gateway: HubSpotGateway
) -> None:
    add_contacts(sandbox, 160)
    emails = [f"user{i}@example.com" for i in range(150)] + ["nobody@example.com"]
    keys = [f"ch{i}" for i in range(140, 160)] + ["ch-unknown"]

    by_email = gateway.read_contacts(emails, ["channel_title"], id_property="email")
    by_key = gateway.read_contacts(keys, ["channel_title"], id_property=KEY)

    assert {c.email for c in by_email} == {f"user{i}@example.com" for i in range(150)}
    assert {c.get(KEY) for c in by_key} == {f"ch{i}" for i in range(140, 160)}
    assert gateway.calls["contacts.batch_read"] == 3  # 151 e-mails: two reads; 21 keys: one
    assert gateway.calls["contacts.search"] == 0


def test_a_batch_read_sees_a_write_that_search_does_not_yet(
    sandbox: RunningSandbox, gateway: HubSpotGateway
) -> None:
    sandbox.config.search_index_delay_s = 60
    [outcome] = gateway.upsert("email", upserts("fresh@example.com"))

    [contact] = gateway.read_contacts(["fresh@example.com"], ["email"], id_property="email")

    assert contact.id == outcome.contact_id


def test_count_marketing_contacts(sandbox: RunningSandbox, gateway: HubSpotGateway) -> None:
    outcomes = gateway.upsert("email", upserts("a@example.com", "b@example.com"))
    assert all(o.ok for o in outcomes)
    assert gateway.count_marketing_contacts() == 2


def test_count_marketing_contacts_leaving_at_the_update_date(
    sandbox: RunningSandbox, gateway: HubSpotGateway
) -> None:
    outcomes = gateway.upsert("email", upserts("a@example.com", "b@example.com"))
    sandbox.store.set_non_marketing(str(outcomes[0].contact_id))

    assert gateway.count_marketing_contacts() == 2
    assert gateway.count_marketing_contacts(leaving=True) == 1
    assert [o.marketing for o in outcomes] == [True, True]  # read back from the answer


# -- writes ----------------------------------------------------------------------------------


def test_upsert_reports_created_then_updated(
    sandbox: RunningSandbox, gateway: HubSpotGateway
) -> None:
    first = gateway.upsert("email", upserts("new1@example.com", "new2@example.com"))
    assert [(o.trace_id, o.ok, o.created) for o in first] == [
        ("t0", True, True),
        ("t1", True, True),
    ]
    again = gateway.upsert("email", upserts("new1@example.com", "NEW2@example.com"))
    assert [(o.ok, o.created) for o in again] == [(True, False), (True, False)]
    assert [o.contact_id for o in again] == [o.contact_id for o in first]
    assert stored_property(sandbox, first[0].contact_id, "firstname") == "Name 0"


def test_upsert_chunks_by_100_and_sends_trace_ids(gateway: HubSpotGateway) -> None:
    emails = [f"bulk{i}@example.com" for i in range(230)]
    outcomes = gateway.upsert("email", upserts(*emails))
    assert len(outcomes) == 230 and all(o.ok and o.created for o in outcomes)
    assert [o.trace_id for o in outcomes] == [f"t{i}" for i in range(230)]
    assert gateway.calls["contacts.batch_upsert"] == 3


def test_update_by_id(sandbox: RunningSandbox, gateway: HubSpotGateway) -> None:
    ids = add_contacts(sandbox, 2)
    inputs = [
        WriteInput("a", ids[0], {"channel_title": "A"}),
        WriteInput("b", ids[1], {"channel_title": "B"}),
    ]
    outcomes = gateway.update(inputs)
    assert [(o.trace_id, o.ok, o.contact_id, o.created) for o in outcomes] == [
        ("a", True, ids[0], False),
        ("b", True, ids[1], False),
    ]
    assert stored_property(sandbox, ids[1], "channel_title") == "B"


def test_update_of_an_unknown_id_fails_alone(
    sandbox: RunningSandbox, gateway: HubSpotGateway
) -> None:
    # How the gateway reads per-input (207) errors: by default HubSpot refuses the batch whole.
    sandbox.config.batch_errors_per_input = True
    [known] = add_contacts(sandbox, 1)
    inputs = [WriteInput("known", known, {"firstname": "K"}), WriteInput("gone", "987654", {})]
    outcomes = {o.trace_id: o for o in gateway.update(inputs)}
    assert outcomes["known"].ok
    assert not outcomes["gone"].ok
    assert outcomes["gone"].error_category == "OBJECT_NOT_FOUND"


def test_one_invalid_email_fails_alone(sandbox: RunningSandbox, gateway: HubSpotGateway) -> None:
    # How the gateway reads per-input (207) errors: by default HubSpot refuses the batch whole.
    sandbox.config.batch_errors_per_input = True
    inputs = [
        WriteInput("good1", "ch-1", {"email": "good1@example.com"}),
        WriteInput("bad", "ch-2", {"email": "not an e-mail"}),
        WriteInput("good2", "ch-3", {"email": "good2@example.com"}),
    ]
    outcomes = {o.trace_id: o for o in gateway.upsert(KEY, inputs)}
    assert outcomes["good1"].ok and outcomes["good2"].ok
    bad = outcomes["bad"]
    assert not bad.ok and bad.contact_id is None
    assert bad.error_category == "VALIDATION_ERROR"
    assert "INVALID_EMAIL" in (bad.error_message or "")
    assert bad.email_refused and not outcomes["good1"].email_refused
    assert not bad.batch_rejected
    assert len(sandbox.store.contacts()) == 2


def test_conflict_names_the_existing_contact(
    sandbox: RunningSandbox, gateway: HubSpotGateway
) -> None:
    # How the gateway reads per-input (207) errors: by default HubSpot refuses the batch whole.
    sandbox.config.batch_errors_per_input = True
    owner = gateway.upsert("email", upserts("taken@example.com"))[0].contact_id
    inputs = [
        WriteInput("clash", "ch-9", {"email": "Taken@example.com"}),
        WriteInput("fine", "ch-10", {"email": "free@example.com"}),
    ]
    outcomes = {o.trace_id: o for o in gateway.upsert(KEY, inputs)}
    clash = outcomes["clash"]
    assert not clash.ok
    assert clash.error_category == "CONFLICT"
    assert clash.existing_contact_id == owner
    assert outcomes["fine"].ok and outcomes["fine"].created


def test_a_rejected_batch_becomes_failed_outcomes_not_an_exception(
    sandbox: RunningSandbox, gateway: HubSpotGateway
) -> None:
    # Upserting by a property that is not unique is refused for the whole batch.
    inputs = [WriteInput("x", "v1", {"channel_title": "x"}), WriteInput("y", "v2", {})]
    outcomes = gateway.upsert("channel_title", inputs)
    assert [o.ok for o in outcomes] == [False, False]
    assert all(o.error_category == "VALIDATION_ERROR" for o in outcomes)
    assert all(o.batch_rejected for o in outcomes)
    assert sandbox.store.contacts() == []


def test_duplicate_trace_ids_are_a_programming_error(gateway: HubSpotGateway) -> None:
    with pytest.raises(ValueError):
        gateway.upsert("email", [WriteInput("t", "a@example.com", {})] * 2)


# -- limits, faults and failures -------------------------------------------------------------


def test_the_limiter_keeps_us_under_the_server_limit() -> None:
    config = SandboxConfig(requests_per_10s=4, rate_window_s=0.5, search_per_second=None)
    with start_sandbox(config) as sandbox:
        gateway = make_gateway(sandbox, requests_per_window=4, window_s=0.5)
        for _ in range(10):
            gateway.list_properties()
        assert gateway.calls["properties.list"] == 10
        assert gateway.retries == {}


def test_a_429_storm_is_ridden_out_with_counted_retries() -> None:
    config = SandboxConfig(requests_per_10s=3, rate_window_s=0.3, search_per_second=None)
    with start_sandbox(config) as sandbox:
        add_contacts(sandbox, 250, with_key=False)
        gateway = make_gateway(sandbox, policy=FAST)  # our limit is far above the server's
        contacts = list(gateway.list_contacts(["email"]))
        ids = gateway.read_contacts([c.id for c in contacts], ["email"])
    assert len(contacts) == 250 and len(ids) == 250
    assert gateway.retries["contacts.list"] + gateway.retries["contacts.batch_read"] > 0
    assert gateway.calls["contacts.list"] == 3 + gateway.retries["contacts.list"]
    assert gateway.calls["contacts.batch_read"] == 3 + gateway.retries["contacts.batch_read"]


def test_search_429s_are_retried() -> None:
    config = SandboxConfig(requests_per_10s=None, search_per_second=2)
    with start_sandbox(config) as sandbox:
        add_contacts(sandbox, 5, with_key=False)
        policy = RetryPolicy(attempts=20, max_total_s=20.0, backoff_base_s=0.0, search_window_s=0.2)
        gateway = make_gateway(sandbox, policy=policy)
        counts = [gateway.count_marketing_contacts() for _ in range(5)]
    assert len(counts) == 5
    assert gateway.retries["contacts.search"] > 0


def test_5xx_and_dropped_connections_are_retried() -> None:
    config = SandboxConfig(seed=3, fault_rate=0.25, drop_rate=0.25, **UNLIMITED)
    with start_sandbox(config) as sandbox:
        add_contacts(sandbox, 120, with_key=False)
        gateway = make_gateway(sandbox, policy=FAST)
        contacts = list(gateway.list_contacts(["email"]))
        outcomes = gateway.upsert("email", upserts(*[f"f{i}@example.com" for i in range(150)]))
    assert len(contacts) == 120
    assert all(o.ok for o in outcomes)
    assert sum(gateway.retries.values()) > 0
    assert sum(gateway.calls.values()) == 2 + 2 + sum(gateway.retries.values())


def test_exhausted_retries_raise_unavailable_with_a_clear_message() -> None:
    config = SandboxConfig(fault_rate=1.0, seed=1, **UNLIMITED)
    with start_sandbox(config) as sandbox:
        policy = RetryPolicy(attempts=3, max_total_s=5.0, backoff_base_s=0.0)
        gateway = make_gateway(sandbox, policy=policy)
        with capture_logs() as logs, pytest.raises(HubSpotUnavailable) as raised:
            gateway.upsert("email", upserts("a@example.com"))
    message = str(raised.value)
    assert "contacts.batch_upsert" in message and "3 attempts" in message
    assert "HTTP 5" in message
    assert gateway.calls["contacts.batch_upsert"] == 3
    assert len(logs) == 2 and all(e["event"] == "hubspot.retry" for e in logs)
    assert TOKEN not in message and TOKEN not in repr(logs)


def test_unreachable_hubspot_is_unavailable() -> None:
    with start_sandbox(SandboxConfig()) as sandbox:
        url = sandbox.url
    settings = Settings(hubspot_token=SecretStr(TOKEN), hubspot_base_url=url, hubspot_timeout_s=1.0)
    policy = RetryPolicy(attempts=2, max_total_s=5.0, backoff_base_s=0.0)
    gateway = HubSpotGateway(settings, retry_policy=policy)
    with pytest.raises(HubSpotUnavailable) as raised:
        gateway.list_properties()
    assert "2 attempts" in str(raised.value)


def test_a_bad_token_is_an_auth_error_without_the_token(sandbox: RunningSandbox) -> None:
    secret = "pat-na1-00000000-this-is-secret"
    gateway = make_gateway(sandbox, token=secret)
    with capture_logs() as logs, pytest.raises(HubSpotAuthError) as raised:
        gateway.list_properties()
    message = str(raised.value)
    assert "(401)" in message and "HUBSYNC_HUBSPOT_TOKEN" in message
    assert secret not in message and "Bearer" not in message
    assert secret not in repr(logs)
    assert raised.value.__cause__ is None and raised.value.__context__ is None
    assert gateway.calls["properties.list"] == 1  # never retried


def test_the_token_never_reaches_logs_or_errors(capsys: pytest.CaptureFixture[str]) -> None:
    config = SandboxConfig(seed=5, fault_rate=0.3, drop_rate=0.2, **UNLIMITED)
    with start_sandbox(config) as sandbox:
        gateway = make_gateway(sandbox, policy=RetryPolicy(attempts=2, backoff_base_s=0.0))
        messages: list[str] = []
        with capture_logs() as logs:
            for _ in range(15):
                try:
                    gateway.list_properties()
                except HubSpotUnavailable as exc:
                    messages.append(str(exc))
                    messages.append(repr(exc.__cause__))
    captured = capsys.readouterr()
    assert sum(gateway.retries.values()) > 0
    for text in [*messages, repr(logs), captured.out, captured.err]:
        assert TOKEN not in text
        assert "Bearer" not in text
