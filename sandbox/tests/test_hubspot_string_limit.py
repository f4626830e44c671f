"""HubSpot refuses a string property value longer than 65,536 characters."""

from __future__ import annotations

import json

import hubspot
import pytest
from hubspot.crm.contacts import ApiException, SimplePublicObjectInput

from hubsync_sandbox.hubspot import RunningSandbox
from sandbox.tests.conftest import contact_in, create_property

LIMIT = 65_536


def patch_title(client: hubspot.Client, contact_id: str, title: str) -> dict[str, str | None]:
    answer = client.crm.contacts.basic_api.update(
        contact_id, SimplePublicObjectInput(properties={"channel_title": title})
    )
    written: dict[str, str | None] = answer.properties
    return written


@pytest.fixture
def contact_id(sandbox: RunningSandbox, client: hubspot.Client) -> str:
    create_property(client, "channel_title")
    return sandbox.store.add_contact({})


@pytest.mark.parametrize("title", ["t" * LIMIT, "\U0001f600" * (LIMIT // 2)])
def test_a_string_of_the_limit_is_stored_whole(
    client: hubspot.Client, contact_id: str, title: str
) -> None:
    assert patch_title(client, contact_id, title)["channel_title"] == title


@pytest.mark.parametrize(
    "title",
    ["t" * (LIMIT + 1), "\U0001f600" * (LIMIT // 2) + "t"],  # an emoji counts twice
)
def test_a_longer_string_is_a_validation_error_naming_the_property(
    sandbox: RunningSandbox, client: hubspot.Client, contact_id: str, title: str
) -> None:
    with pytest.raises(ApiException) as refused:
        patch_title(client, contact_id, title)

    assert refused.value.status == 400
    body = json.loads(refused.value.body)
    assert body["category"] == "VALIDATION_ERROR"
    assert body["errors"][0]["context"] == {"propertyName": ["channel_title"]}
    assert "channel_title" not in contact_in(sandbox, contact_id)["properties"]
