"""What people do to contacts behind an integration's back: secondary e-mails, merges,
archives and GDPR deletes, driven by the real SDK over HTTP."""

from __future__ import annotations

import json
from typing import Any

import hubspot
import pytest
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchReadInputSimplePublicObjectId,
    PublicGdprDeleteInput,
    PublicMergeInput,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.contacts.exceptions import NotFoundException

from hubsync_sandbox.hubspot import RunningSandbox, start_sandbox
from hubsync_sandbox.hubspot.errors import SandboxHubSpotError
from sandbox.tests.conftest import contact_in, limits_off, make_client

ADDITIONAL = "hs_additional_emails"
MERGED_IDS = "hs_merged_object_ids"


def body_of(error: pytest.ExceptionInfo[ApiException]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(error.value.body)
    return body


def create(client: hubspot.Client, email: str) -> pytest.ExceptionInfo[ApiException]:
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": email})
        )
    return refused


def upsert_by_email(client: hubspot.Client, email: str) -> Any:
    return client.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(
                    id=email, id_property="email", properties={"firstname": "X"}
                )
            ]
        )
    )


def read_by(client: hubspot.Client, ids: list[str], id_property: str | None = None) -> Any:
    return client.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=value) for value in ids],
            id_property=id_property,
            properties=["email", ADDITIONAL, MERGED_IDS, "firstname"],
            properties_with_history=[],
        )
    )


def search_email(client: hubspot.Client, email: str) -> list[str]:
    answer = client.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                {"filters": [{"propertyName": "email", "operator": "EQ", "value": email}]}
            ]
        )
    )
    return [contact.id for contact in answer.results]


def merge(client: hubspot.Client, primary: str, merged: str) -> Any:
    return client.crm.contacts.basic_api.merge(
        PublicMergeInput(primary_object_id=primary, object_id_to_merge=merged)
    )


def properties_of(client: hubspot.Client, contact_id: str) -> dict[str, str | None]:
    contact = client.crm.contacts.basic_api.get_by_id(
        contact_id, properties=["email", "firstname", "lastname", "lifecyclestage", ADDITIONAL]
    )
    properties: dict[str, str | None] = contact.properties
    return properties


# -- secondary e-mails -----------------------------------------------------------------------


def test_secondary_emails_cannot_be_written_through_the_api(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    contact_id = sandbox.store.add_contact({"email": "ada@example.com"})
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.basic_api.update(
            contact_id, SimplePublicObjectInput(properties={ADDITIONAL: "old@example.com"})
        )
    assert refused.value.status == 400
    assert body_of(refused)["errors"][0]["code"] == "READ_ONLY_VALUE"
    assert contact_in(sandbox, contact_id)["properties"].get(ADDITIONAL) is None


def test_the_setup_helper_adds_secondary_emails_under_the_email_rules(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    ada = sandbox.store.add_contact({"email": "ada@example.com"})
    grace = sandbox.store.add_contact({"email": "grace@example.com"})
    sandbox.store.add_secondary_email(ada, " Old@Example.com")
    sandbox.store.add_secondary_email(ada, "older@example.com")
    assert properties_of(client, ada)[ADDITIONAL] == "old@example.com;older@example.com"
    with pytest.raises(SandboxHubSpotError, match=f"Existing ID: {ada}"):
        sandbox.store.add_secondary_email(grace, "OLD@example.com")
    with pytest.raises(SandboxHubSpotError, match=f"Existing ID: {grace}"):
        sandbox.store.add_secondary_email(ada, "grace@example.com")
    with pytest.raises(SandboxHubSpotError, match="INVALID_EMAIL"):
        sandbox.store.add_secondary_email(grace, "x@y.comtttt")
    with pytest.raises(KeyError):
        sandbox.store.add_secondary_email("999", "new@example.com")


def test_creating_or_upserting_another_contacts_secondary_email_is_a_409(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    holder = sandbox.store.add_contact({"email": "ada@example.com"})
    sandbox.store.add_secondary_email(holder, "old@example.com")
    conflict = create(client, "Old@example.com")
    assert conflict.value.status == 409
    assert body_of(conflict)["message"] == f"Contact already exists. Existing ID: {holder}"
    with pytest.raises(ApiException) as upserted:
        upsert_by_email(client, "old@example.com")
    assert upserted.value.status == 409
    assert body_of(upserted)["message"] == f"Contact already exists. Existing ID: {holder}"
    other = sandbox.store.add_contact({"email": "grace@example.com"})
    with pytest.raises(ApiException) as taken:
        client.crm.contacts.basic_api.update(
            other, SimplePublicObjectInput(properties={"email": "old@example.com"})
        )
    assert taken.value.status == 409
    assert [c["id"] for c in sandbox.store.contacts()] == [holder, other]


def test_an_email_eq_search_matches_secondary_emails(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    holder = sandbox.store.add_contact({"email": "ada@example.com"})
    sandbox.store.add_secondary_email(holder, "old@example.com")
    assert search_email(client, "OLD@example.com") == [holder]
    assert search_email(client, "ada@example.com") == [holder]
    assert search_email(client, "nobody@example.com") == []


def test_reads_by_email_match_primary_emails_only(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    holder = sandbox.store.add_contact({"email": "ada@example.com"})
    sandbox.store.add_secondary_email(holder, "old@example.com")
    answer = read_by(client, ["old@example.com", "ada@example.com"], id_property="email")
    assert [c.id for c in answer.results] == [holder]
    assert answer.errors[0].context == {"ids": ["old@example.com"]}
    with pytest.raises(NotFoundException):
        client.crm.contacts.basic_api.get_by_id("old@example.com", id_property="email")


def test_a_contacts_own_secondary_email_may_become_its_primary(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    contact_id = sandbox.store.add_contact({"email": "ada@example.com"})
    sandbox.store.add_secondary_email(contact_id, "old@example.com")
    sandbox.store.add_secondary_email(contact_id, "older@example.com")
    client.crm.contacts.basic_api.update(
        contact_id, SimplePublicObjectInput(properties={"email": "OLD@example.com"})
    )
    properties = properties_of(client, contact_id)
    assert (properties["email"], properties[ADDITIONAL]) == ("old@example.com", "older@example.com")


# -- merges ----------------------------------------------------------------------------------


def test_a_merge_creates_a_new_record_that_both_old_ids_read_as(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    primary = sandbox.store.add_contact({"email": "ada@example.com"})
    merged = sandbox.store.add_contact({"email": "grace@example.com"})

    survivor = merge(client, primary, merged)

    assert survivor.id not in (primary, merged)
    assert [c["id"] for c in sandbox.store.contacts()] == [survivor.id]
    assert client.crm.contacts.basic_api.get_by_id(primary).id == survivor.id
    assert client.crm.contacts.basic_api.get_by_id(merged).id == survivor.id
    [read] = read_by(client, [merged]).results
    assert read.id == survivor.id
    assert read.properties[MERGED_IDS] == f"{primary};{merged}"
    assert read.properties["hs_object_id"] == survivor.id


def test_the_survivor_follows_the_primary_and_the_other_email_becomes_secondary(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    primary = sandbox.store.add_contact(
        {"email": "ada@example.com", "firstname": "Ada", "lifecyclestage": "lead"}
    )
    merged = sandbox.store.add_contact(
        {
            "email": "grace@example.com",
            "firstname": "Grace",
            "lastname": "Hopper",
            "lifecyclestage": "customer",
        }
    )
    sandbox.store.add_secondary_email(merged, "navy@example.com")

    survivor = merge(client, primary, merged).id

    assert properties_of(client, survivor) == {
        "createdate": properties_of(client, survivor)["createdate"],
        "email": "ada@example.com",
        "firstname": "Ada",  # the primary's value
        "lastname": "Hopper",  # a gap filled from the merged-away contact
        "lifecyclestage": "customer",  # the furthest stage
        ADDITIONAL: "grace@example.com;navy@example.com",
        "hs_object_id": survivor,
        "lastmodifieddate": properties_of(client, survivor)["lastmodifieddate"],
    }
    assert search_email(client, "grace@example.com") == [survivor]
    assert read_by(client, ["grace@example.com"], id_property="email").results == []
    conflict = create(client, "grace@example.com")
    assert body_of(conflict)["message"] == f"Contact already exists. Existing ID: {survivor}"


def test_a_batch_update_by_an_old_id_writes_the_survivor_and_answers_its_id(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    primary = sandbox.store.add_contact({"email": "ada@example.com"})
    merged = sandbox.store.add_contact({"email": "grace@example.com"})
    survivor = merge(client, primary, merged).id

    answer = client.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[SimplePublicObjectBatchInput(id=merged, properties={"firstname": "Grace"})]
        )
    )

    assert [c.id for c in answer.results] == [survivor]
    assert contact_in(sandbox, survivor)["properties"]["firstname"] == "Grace"


def test_merging_again_lists_every_merged_id(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    first, second, third = (
        sandbox.store.add_contact({"email": f"{name}@example.com"}) for name in "abc"
    )
    between = merge(client, first, second).id
    last = merge(client, third, between).id
    [read] = read_by(client, [first]).results
    assert read.id == last
    assert read.properties[MERGED_IDS] == ";".join([first, second, third, between])
    assert read.properties["email"] == "c@example.com"
    assert read.properties[ADDITIONAL] == "a@example.com;b@example.com"


def test_a_portal_may_keep_the_primary_id_on_merge() -> None:
    config = limits_off()
    config.merge_creates_new_id = False
    with start_sandbox(config) as sandbox:
        client = make_client(sandbox)
        primary = sandbox.store.add_contact({"email": "ada@example.com"})
        merged = sandbox.store.add_contact({"email": "grace@example.com"})
        assert merge(client, primary, merged).id == primary
        assert client.crm.contacts.basic_api.get_by_id(merged).id == primary
        assert contact_in(sandbox, primary)["properties"][MERGED_IDS] == merged


def test_a_merge_of_a_contact_with_itself_or_an_unknown_one_is_refused(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    contact_id = sandbox.store.add_contact({"email": "ada@example.com"})
    with pytest.raises(ApiException) as itself:
        merge(client, contact_id, contact_id)
    assert itself.value.status == 400
    assert body_of(itself)["category"] == "VALIDATION_ERROR"
    with pytest.raises(ApiException) as unknown:
        merge(client, contact_id, "999")
    assert unknown.value.status == 404
    assert body_of(unknown)["context"] == {"ids": ["999"]}
    assert [c["id"] for c in sandbox.store.contacts()] == [contact_id]


# -- archive and GDPR delete -----------------------------------------------------------------


def test_an_archived_contact_is_gone_from_reads_and_search_until_restored(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    contact_id = sandbox.store.add_contact({"email": "ada@example.com"})
    client.crm.contacts.basic_api.archive(contact_id)

    with pytest.raises(NotFoundException):
        client.crm.contacts.basic_api.get_by_id(contact_id)
    assert read_by(client, [contact_id]).results == []
    assert search_email(client, "ada@example.com") == []
    assert client.crm.contacts.basic_api.get_page().results == []
    assert client.crm.contacts.basic_api.get_by_id(contact_id, archived=True).archived

    sandbox.store.restore(contact_id)

    restored = client.crm.contacts.basic_api.get_by_id(contact_id)
    assert (restored.id, restored.archived) == (contact_id, False)
    assert search_email(client, "ada@example.com") == [contact_id]
    assert create(client, "ada@example.com").value.status == 409


def test_a_restore_is_refused_when_another_contact_took_the_email(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    archived = sandbox.store.add_contact({"email": "ada@example.com"})
    client.crm.contacts.basic_api.archive(archived)
    newer = sandbox.store.add_contact({"email": "ada@example.com"})
    with pytest.raises(SandboxHubSpotError, match=f"Existing ID: {newer}"):
        sandbox.store.restore(archived)
    with pytest.raises(KeyError):
        sandbox.store.restore(newer)


def test_a_gdpr_delete_is_permanent_and_blocks_the_emails(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    contact_id = sandbox.store.add_contact({"email": "ada@example.com"})
    sandbox.store.add_secondary_email(contact_id, "old@example.com")

    client.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id=contact_id))

    for archived in (False, True):
        with pytest.raises(NotFoundException):
            client.crm.contacts.basic_api.get_by_id(contact_id, archived=archived)
    with pytest.raises(KeyError):
        sandbox.store.restore(contact_id)
    for email in ("ADA@example.com", "old@example.com"):
        refused = create(client, email)
        assert refused.value.status == 400
        assert body_of(refused)["category"] == "VALIDATION_ERROR"
        assert body_of(refused)["errors"][0]["code"] == "INVALID_EMAIL"
        assert "blocklisted" in body_of(refused)["message"]
    with pytest.raises(ApiException) as upserted:
        upsert_by_email(client, "ada@example.com")
    assert upserted.value.status == 400
    assert sandbox.store.contacts() == []


def test_a_gdpr_delete_of_an_unknown_email_blocks_it_and_of_an_unknown_id_is_a_404(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    client.crm.contacts.basic_api.purge(
        PublicGdprDeleteInput(object_id="Ada@example.com", id_property="email")
    )
    assert create(client, "ada@example.com").value.status == 400
    with pytest.raises(NotFoundException):
        client.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id="999"))


def test_a_gdpr_delete_by_email_and_of_an_archived_contact(
    sandbox: RunningSandbox, client: hubspot.Client
) -> None:
    by_email = sandbox.store.add_contact({"email": "ada@example.com"})
    archived = sandbox.store.add_contact({"email": "grace@example.com"})
    client.crm.contacts.basic_api.archive(archived)
    client.crm.contacts.basic_api.purge(
        PublicGdprDeleteInput(object_id="ada@example.com", id_property="email")
    )
    client.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id=archived))
    assert sandbox.store.get(by_email) is None
    assert client.crm.contacts.basic_api.get_page(archived=True).results == []
    assert create(client, "grace@example.com").value.status == 400
