"""Batch endpoints: limits, multi-status creates, whole-batch refusals of upserts and updates
(per-input answers as a portal setting), result order and trace ids."""

from __future__ import annotations

import json
from typing import Any

import hubspot
import pytest
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
)

from hubsync_sandbox.hubspot import RunningSandbox, SandboxConfig, start_sandbox
from sandbox.tests.conftest import (
    RawApi,
    contact_in,
    create_property,
    journal_of,
    limits_off,
    make_client,
)

BATCH = "/crm/v3/objects/contacts/batch"


def creates(*emails: str, traced: bool = False) -> BatchInputSimplePublicObjectBatchInputForCreate:
    return BatchInputSimplePublicObjectBatchInputForCreate(
        inputs=[
            SimplePublicObjectBatchInputForCreate(
                properties={"email": email}, object_write_trace_id=f"t{i}" if traced else None
            )
            for i, email in enumerate(emails)
        ]
    )


def upserts(
    *keys: str, id_property: str = "email", properties: dict[str, str] | None = None
) -> BatchInputSimplePublicObjectBatchInputUpsert:
    return BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[
            SimplePublicObjectBatchInputUpsert(
                id=key, id_property=id_property, properties=properties or {}
            )
            for key in keys
        ]
    )


def updates(*inputs: tuple[str, dict[str, str]], id_property: str | None = None) -> Any:
    return BatchInputSimplePublicObjectBatchInput(
        inputs=[
            SimplePublicObjectBatchInput(id=contact_id, id_property=id_property, properties=props)
            for contact_id, props in inputs
        ]
    )


def body_of(error: pytest.ExceptionInfo[ApiException]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(error.value.body)
    return body


def add_property(client: hubspot.Client, name: str, *, unique: bool) -> None:
    create_property(client, name, has_unique_value=unique)


def test_batch_create_answers_201_with_every_contact(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    answer = client.crm.contacts.batch_api.create(creates("a@example.com", "b@example.com"))
    assert answer.status == "COMPLETE"
    assert sorted(c.properties["email"] for c in answer.results) == [
        "a@example.com",
        "b@example.com",
    ]
    assert answer.started_at and answer.completed_at
    assert len(sandbox.store.contacts()) == 2


@pytest.mark.parametrize("operation", ["create", "read", "update", "upsert", "archive"])
def test_every_batch_refuses_more_than_100_inputs(api: RawApi, operation: str) -> None:
    inputs = [{"id": str(i), "idProperty": "email", "properties": {}} for i in range(101)]
    answer = api.call("POST", f"{BATCH}/{operation}", {"inputs": inputs})
    assert answer.status == 400
    assert answer.body["category"] == "VALIDATION_ERROR"
    assert answer.body["message"].startswith(
        "The maximum number of inputs supported in a batch is 100"
    )


def test_creating_an_existing_email_is_a_409_naming_the_existing_contact(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    existing = sandbox.store.add_contact({"email": "ada@example.com"})
    with pytest.raises(ApiException) as conflict:
        client.crm.contacts.batch_api.create(creates("ADA@example.com"))
    assert conflict.value.status == 409
    body = body_of(conflict)
    assert body["message"] == f"Contact already exists. Existing ID: {existing}"
    assert body["category"] == "CONFLICT"
    assert body["status"] == "error"
    assert body["correlationId"]


def test_without_trace_ids_one_bad_input_fails_the_batch_and_nothing_is_written(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    sandbox.store.add_contact({"email": "taken@example.com"})
    with pytest.raises(ApiException) as conflict:
        client.crm.contacts.batch_api.create(creates("new@example.com", "taken@example.com"))
    assert conflict.value.status == 409
    assert sandbox.store.find_by_email("new@example.com") is None


def test_with_trace_ids_failures_are_per_input_and_good_inputs_are_written(
    sandbox: RunningSandbox, api: RawApi
) -> None:
    existing = sandbox.store.add_contact({"email": "taken@example.com"})
    inputs = [
        {"properties": {"email": "new@example.com"}, "objectWriteTraceId": "row-1"},
        {"properties": {"email": "taken@example.com"}, "objectWriteTraceId": "row-2"},
        {"properties": {"email": "not an email"}, "objectWriteTraceId": "row-3"},
    ]
    answer = api.call("POST", f"{BATCH}/create", {"inputs": inputs})
    assert answer.status == 207
    assert answer.body["numErrors"] == 2
    conflict, invalid = answer.body["errors"]
    assert conflict == {
        "status": "error",
        "category": "CONFLICT",
        "message": f"Contact already exists. Existing ID: {existing}",
        "context": {"objectWriteTraceId": ["row-2"]},
    }
    assert invalid["category"] == "VALIDATION_ERROR"
    assert '"error":"INVALID_EMAIL"' in invalid["message"]
    assert invalid["context"] == {"objectWriteTraceId": ["row-3"]}
    assert [c["properties"]["email"] for c in answer.body["results"]] == ["new@example.com"]
    assert sandbox.store.find_by_email("new@example.com") is not None


def test_an_invalid_email_without_trace_ids_is_a_400_with_code_invalid_email(
    sandbox: RunningSandbox, api: RawApi
) -> None:
    inputs = [{"properties": {"email": "ok@example.com"}}, {"properties": {"email": "a@b"}}]
    answer = api.call("POST", f"{BATCH}/create", {"inputs": inputs})
    assert answer.status == 400
    assert answer.body["category"] == "VALIDATION_ERROR"
    assert answer.body["errors"] == [
        {
            "message": "Email address a@b is invalid",
            "code": "INVALID_EMAIL",
            "context": {"propertyName": ["email"]},
        }
    ]
    assert sandbox.store.contacts() == []


def test_the_same_email_twice_in_one_create_batch_conflicts(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    with pytest.raises(ApiException) as conflict:
        client.crm.contacts.batch_api.create(creates("ada@example.com", "Ada@example.com"))
    assert conflict.value.status == 409
    assert sandbox.store.contacts() == []


def test_batch_read_returns_found_contacts_and_names_missing_ones(
    sandbox: RunningSandbox, api: RawApi
) -> None:
    found = sandbox.store.add_contact({"email": "ada@example.com"})
    answer = api.call("POST", f"{BATCH}/read", {"inputs": [{"id": found}, {"id": "999"}]})
    assert answer.status == 207
    assert [c["id"] for c in answer.body["results"]] == [found]
    [error] = answer.body["errors"]
    assert error["category"] == "OBJECT_NOT_FOUND"
    assert error["context"] == {"ids": ["999"]}


def test_batch_read_by_email_with_chosen_properties(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    sandbox.store.add_contact({"email": "ada@example.com", "firstname": "Ada"})
    answer = client.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id="ada@example.com")],
            id_property="email",
            properties=["firstname"],
            properties_with_history=[],
        )
    )
    assert answer.results[0].properties["firstname"] == "Ada"


@pytest.mark.parametrize("operation", ["read", "update", "upsert"])
def test_the_same_id_twice_in_one_batch_is_refused(api: RawApi, operation: str) -> None:
    inputs = [{"id": "a@example.com", "idProperty": "email", "properties": {}}] * 2
    answer = api.call("POST", f"{BATCH}/{operation}", {"inputs": inputs})
    assert answer.status == 400
    assert answer.body["category"] == "VALIDATION_ERROR"
    assert "Duplicate IDs" in answer.body["message"]


def test_batch_update_by_id(sandbox: RunningSandbox, client: hubspot.Client) -> None:
    contact_id = sandbox.store.add_contact({"email": "ada@example.com"})
    answer = client.crm.contacts.batch_api.update(updates((contact_id, {"firstname": "Ada"})))
    assert answer.results[0].properties["firstname"] == "Ada"
    assert contact_in(sandbox, contact_id)["properties"]["firstname"] == "Ada"


def test_batch_update_by_email_is_refused(sandbox: RunningSandbox, client: hubspot.Client) -> None:
    sandbox.store.add_contact({"email": "ada@example.com"})
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.batch_api.update(
            updates(("ada@example.com", {"firstname": "Ada"}), id_property="email")
        )
    assert refused.value.status == 400
    assert body_of(refused)["message"] == (
        "Unable to perform update/upsert by non-unique 0-1 property email"
    )


def test_batch_update_by_a_custom_property_needs_unique_values(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    add_property(client, "nickname", unique=False)
    add_property(client, "gleev_channel_id", unique=True)
    contact_id = sandbox.store.add_contact({"nickname": "ada", "gleev_channel_id": "ch-1"})
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.batch_api.update(
            updates(("ada", {"firstname": "Ada"}), id_property="nickname")
        )
    assert "non-unique 0-1 property nickname" in body_of(refused)["message"]
    client.crm.contacts.batch_api.update(
        updates(("ch-1", {"firstname": "Ada"}), id_property="gleev_channel_id")
    )
    assert contact_in(sandbox, contact_id)["properties"]["firstname"] == "Ada"


def test_per_input_mode_answers_missing_ids_of_an_update_with_a_207(
    sandbox: RunningSandbox, api: RawApi
) -> None:
    sandbox.config.batch_errors_per_input = True
    contact_id = sandbox.store.add_contact({"email": "ada@example.com"})
    inputs = [
        {"id": contact_id, "properties": {"firstname": "Ada"}},
        {"id": "999", "properties": {"firstname": "Nobody"}},
    ]
    answer = api.call("POST", f"{BATCH}/update", {"inputs": inputs})
    assert answer.status == 207
    assert answer.body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert answer.body["errors"][0]["context"]["ids"] == ["999"]
    assert contact_in(sandbox, contact_id)["properties"]["firstname"] == "Ada"


def test_batch_update_taking_another_contacts_email_conflicts(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    first = sandbox.store.add_contact({"email": "ada@example.com"})
    second = sandbox.store.add_contact({"email": "grace@example.com"})
    with pytest.raises(ApiException) as conflict:
        client.crm.contacts.batch_api.update(updates((second, {"email": "ADA@example.com"})))
    assert conflict.value.status == 409
    assert body_of(conflict)["message"] == f"Contact already exists. Existing ID: {first}"


def test_upsert_by_email_creates_then_updates(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    batch = client.crm.contacts.batch_api
    created = batch.upsert(upserts("Ada@Example.com", properties={"firstname": "Ada"}))
    assert [c.new for c in created.results] == [True]
    assert created.results[0].properties["email"] == "ada@example.com"
    again = batch.upsert(upserts("ada@example.com", properties={"lastname": "Lovelace"}))
    assert [c.new for c in again.results] == [False]
    assert again.results[0].id == created.results[0].id
    [contact] = sandbox.store.contacts()
    assert contact["properties"]["firstname"] == "Ada"
    assert contact["properties"]["lastname"] == "Lovelace"


def test_upsert_by_a_unique_custom_property_creates_then_updates(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    add_property(client, "gleev_channel_id", unique=True)
    batch = client.crm.contacts.batch_api
    first = batch.upsert(upserts("ch-1", id_property="gleev_channel_id"))
    second = batch.upsert(
        upserts("ch-1", id_property="gleev_channel_id", properties={"firstname": "Ada"})
    )
    assert [first.results[0].new, second.results[0].new] == [True, False]
    [contact] = sandbox.store.contacts()
    assert contact["properties"]["gleev_channel_id"] == "ch-1"


def test_upsert_by_a_property_without_unique_values_is_refused(client: hubspot.Client) -> None:
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.batch_api.upsert(upserts("Ada", id_property="firstname"))
    assert refused.value.status == 400


def test_per_input_mode_reports_upsert_conflicts_per_traced_input(
    sandbox: RunningSandbox, api: RawApi
) -> None:
    sandbox.config.batch_errors_per_input = True
    sandbox.store.add_contact({"email": "taken@example.com"})
    sandbox.store.add_contact({"email": "grace@example.com"})
    inputs = [
        {
            "id": "new@example.com",
            "idProperty": "email",
            "properties": {"firstname": "New"},
            "objectWriteTraceId": "a",
        },
        {
            "id": "grace@example.com",
            "idProperty": "email",
            "properties": {"email": "taken@example.com"},
            "objectWriteTraceId": "b",
        },
    ]
    answer = api.call("POST", f"{BATCH}/upsert", {"inputs": inputs})
    assert answer.status == 207
    assert [c["new"] for c in answer.body["results"]] == [True]
    assert answer.body["errors"][0]["category"] == "CONFLICT"
    assert answer.body["errors"][0]["context"] == {"objectWriteTraceId": ["b"]}


def test_batch_archive_answers_204_and_frees_the_email(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    contact_id = sandbox.store.add_contact({"email": "ada@example.com"})
    client.crm.contacts.batch_api.archive(
        BatchInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=contact_id)])
    )
    assert sandbox.store.contacts() == []
    recreated = client.crm.contacts.batch_api.create(creates("ada@example.com"))
    assert recreated.results[0].id != contact_id


# -- whole-batch refusals, result order, trace ids -------------------------------------------


def traced_upserts(*items: tuple[str, dict[str, str]]) -> list[dict[str, Any]]:
    return [
        {"id": email, "idProperty": "email", "properties": props, "objectWriteTraceId": f"t{i}"}
        for i, (email, props) in enumerate(items)
    ]


@pytest.mark.parametrize(
    ("bad_key", "bad_properties", "status", "category", "in_message"),
    [
        ("x@y.comtttt", {}, 400, "VALIDATION_ERROR", "INVALID_EMAIL"),
        ("bad@example.com", {"lifecyclestage": "vip"}, 400, "VALIDATION_ERROR", "INVALID_OPTION"),
        ("mover@example.com", {"email": "taken@example.com"}, 409, "CONFLICT", "Existing ID: "),
    ],
)
def test_one_bad_input_refuses_a_whole_upsert_naming_it_and_nothing_is_written(
    sandbox: RunningSandbox,
    api: RawApi,
    bad_key: str,
    bad_properties: dict[str, str],
    status: int,
    category: str,
    in_message: str,
) -> None:
    for email in ("taken@example.com", "mover@example.com", "known@example.com"):
        sandbox.store.add_contact({"email": email})
    before = sandbox.store.contacts()
    inputs = traced_upserts(
        ("new@example.com", {"firstname": "New"}),
        (bad_key, bad_properties),
        ("known@example.com", {"firstname": "Known"}),
    )
    answer = api.call("POST", f"{BATCH}/upsert", {"inputs": inputs})
    assert answer.status == status
    assert answer.body["category"] == category
    assert in_message in answer.body["message"]
    assert answer.body["context"]["ids"] == [bad_key]
    assert answer.body["context"]["objectWriteTraceId"] == ["t1"]
    assert sandbox.store.contacts() == before


@pytest.mark.parametrize("gone", ["archived", "unknown"])
def test_an_archived_or_unknown_id_refuses_a_whole_update(
    sandbox: RunningSandbox, client: hubspot.Client, gone: str
) -> None:
    kept = sandbox.store.add_contact({"email": "ada@example.com"})
    missing = sandbox.store.add_contact({"email": "grace@example.com"})
    if gone == "archived":
        client.crm.contacts.basic_api.archive(missing)
    else:
        missing = "999"
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.batch_api.update(
            updates((kept, {"firstname": "Ada"}), (missing, {"firstname": "Grace"}))
        )
    assert refused.value.status == 404
    body = body_of(refused)
    assert body["category"] == "OBJECT_NOT_FOUND"
    assert body["context"] == {"ids": [missing]}
    assert body["message"].endswith(f"Input id: {missing}.")
    assert "firstname" not in contact_in(sandbox, kept)["properties"]


def test_a_refused_batch_without_trace_ids_names_the_input_by_id(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.batch_api.upsert(
            upserts("ok@example.com", "x@y.comtttt", properties={"firstname": "X"})
        )
    assert refused.value.status == 400
    assert body_of(refused)["context"] == {"ids": ["x@y.comtttt"]}
    assert sandbox.store.contacts() == []


def test_an_email_twice_in_one_upsert_differing_in_case_is_a_duplicate_id(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.batch_api.upsert(upserts("Ada@Example.com", "ada@example.com"))
    assert refused.value.status == 400
    body = body_of(refused)
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Duplicate IDs found in batch input")
    assert body["context"] == {"ids": ["ada@example.com"]}
    with pytest.raises(ApiException) as read_twice:
        client.crm.contacts.batch_api.read(
            BatchReadInputSimplePublicObjectId(
                inputs=[
                    SimplePublicObjectId(id="ADA@example.com"),
                    SimplePublicObjectId(id="ada@example.com"),
                ],
                id_property="email",
                properties=[],
                properties_with_history=[],
            )
        )
    assert read_twice.value.status == 400
    assert sandbox.store.contacts() == []


def test_the_same_key_by_two_properties_is_not_a_duplicate(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    add_property(client, "gleev_channel_id", unique=True)
    answer = client.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(
                    id="7", id_property="gleev_channel_id", properties={}
                ),
                SimplePublicObjectBatchInputUpsert(
                    id="seven@example.com", id_property="email", properties={}
                ),
            ]
        )
    )
    assert len(answer.results) == 2


def upsert_fifty(config: SandboxConfig) -> list[dict[str, Any]]:
    with start_sandbox(config, journal=True) as sandbox:
        client = make_client(sandbox)
        client.crm.contacts.batch_api.upsert(
            BatchInputSimplePublicObjectBatchInputUpsert(
                inputs=[
                    SimplePublicObjectBatchInputUpsert(
                        id=f"c{i}@example.com",
                        id_property="email",
                        properties={},
                        object_write_trace_id=f"t{i}",
                    )
                    for i in range(50)
                ]
            )
        )
        results: list[dict[str, Any]] = journal_of(sandbox)[-1].response_body["results"]
        return results


def test_results_come_back_in_any_order_and_only_some_echo_their_trace_id() -> None:
    config = limits_off()
    config.seed = 4
    results = upsert_fifty(config)
    emails = [r["properties"]["email"] for r in results]
    assert sorted(emails) == sorted(f"c{i}@example.com" for i in range(50))
    assert emails != [f"c{i}@example.com" for i in range(50)]
    echoed = [r for r in results if "objectWriteTraceId" in r]
    assert 0 < len(echoed) < 50
    for result in echoed:
        assert result["properties"]["email"] == f"c{result['objectWriteTraceId'][1:]}@example.com"

    def shape(answer: list[dict[str, Any]]) -> list[tuple[str, bool]]:
        return [(r["properties"]["email"], "objectWriteTraceId" in r) for r in answer]

    assert shape(upsert_fifty(config)) == shape(results)  # the seed decides


@pytest.mark.parametrize(("rate", "echoed"), [(0.0, 0), (1.0, 50)])
def test_the_share_of_echoed_trace_ids_is_a_setting(rate: float, echoed: int) -> None:
    config = limits_off()
    config.trace_id_echo_rate = rate
    results = upsert_fifty(config)
    assert sum("objectWriteTraceId" in r for r in results) == echoed
