"""ChannelTable against moto's DynamoDB server over HTTP, with the real boto3."""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Generator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, NoCredentialsError

from hubsync.aws import NO_CREDENTIALS_MESSAGE, describe_aws_error, dynamodb_client
from hubsync.domain.properties import CONTACT_PROPERTIES
from hubsync.settings import ConfigError
from hubsync.sources.dynamo import (
    GLEEV_ID_INDEX,
    READ_ATTRIBUTES,
    REFERRER_INDEX,
    ChannelTable,
    SourceError,
)
from hubsync_sandbox.dynamo import sandbox_aws_environment
from hubsync_sandbox.seed import generate_bad_items, generate_channels, write_channels
from tests.conftest import DynamoTables
from tests.unit.factories import channel_item
from tests.unit.test_properties import TIER

SECRET_MARKERS = ("SECRET-", "ya29.", "1//")


def seed(tables: DynamoTables, items: list[dict[str, Any]]) -> None:
    write_channels(tables.client, tables.channels, items)


def keys(items: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((item["userId"], item["id"]) for item in items)


def record_scans(client: BaseClient, operation: str = "Scan") -> list[dict[str, Any]]:
    """The parameters of every Scan (or other operation) the client sends (observed, not
    altered)."""
    sent: list[dict[str, Any]] = []

    def remember(params: dict[str, Any], **_: Any) -> None:
        sent.append(dict(params))

    client.meta.events.register(f"provide-client-params.dynamodb.{operation}", remember)
    return sent


def walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for inner in value.values() for leaf in walk(inner)]
    if isinstance(value, list | set):
        return [leaf for inner in value for leaf in walk(inner)]
    return [value]


def test_the_sandbox_table_has_the_indexes_named_channels_are_read_by(
    dynamo_tables: DynamoTables,
) -> None:
    table = dynamo_tables.client.describe_table(TableName=dynamo_tables.channels)["Table"]

    indexes = {index["IndexName"] for index in table["GlobalSecondaryIndexes"]}

    assert {GLEEV_ID_INDEX, REFERRER_INDEX} <= indexes


def test_scan_yields_every_item_as_plain_python(dynamo_tables: DynamoTables) -> None:
    items = generate_channels(80) + generate_bad_items()
    seed(dynamo_tables, items)

    read = list(ChannelTable(dynamo_tables.client, dynamo_tables.channels).scan())

    assert keys(read) == keys(items)
    assert not any(isinstance(leaf, Decimal | float) for item in read for leaf in walk(item))
    by_key = {(item["userId"], item["id"]): item for item in read}
    for original in items[:80]:
        got = by_key[(original["userId"], original["id"])]
        assert got == {name: original[name] for name in READ_ATTRIBUTES if name in original}


def test_scan_never_reads_tokens_description_or_thumbnails(dynamo_tables: DynamoTables) -> None:
    items = generate_channels(40) + generate_bad_items()
    seed(dynamo_tables, items)
    client = dynamo_tables.client
    sent = record_scans(client)

    read = list(ChannelTable(client, dynamo_tables.channels).scan(segments=3))

    assert len(read) == len(items)
    assert all(set(item) <= set(READ_ATTRIBUTES) for item in read)
    text = repr(read)
    assert not any(marker in text for marker in SECRET_MARKERS)
    assert "Welcome to" not in text  # every seeded description starts so
    assert "yt3.ggpht.com" not in text  # thumbnails
    for params in sent:
        assert set(params["ExpressionAttributeNames"].values()) == set(READ_ATTRIBUTES)
        assert params["ProjectionExpression"].count("#") == len(READ_ATTRIBUTES)


def test_an_attribute_a_new_property_reads_is_projected(dynamo_tables: DynamoTables) -> None:
    item = {**channel_item(101), "yppTier": "Silver", "userRefreshToken": "1//SECRET-x"}
    seed(dynamo_tables, [item])
    table = replace(CONTACT_PROPERTIES, properties=(*CONTACT_PROPERTIES.properties, TIER))
    client, name = dynamo_tables.client, dynamo_tables.channels

    (read,) = ChannelTable(client, name, attributes=table.read_attributes()).scan()
    (before,) = ChannelTable(client, name).scan()

    assert read["yppTier"] == "Silver" and "yppTier" not in before
    assert set(read) == set(before) | {"yppTier"}


def test_named_channels_never_read_tokens_description_or_thumbnails(
    dynamo_tables: DynamoTables,
) -> None:
    items = generate_channels(40)
    seed(dynamo_tables, items)
    client = dynamo_tables.client
    scans, queries = record_scans(client), record_scans(client, "Query")
    named = [item for item in items if isinstance(item.get("joystreamChannelId"), int)][:3]

    read = ChannelTable(client, dynamo_tables.channels).items_of(
        {named[0]["joystreamChannelId"]}, {named[1]["id"], named[2]["id"]}
    )

    assert {item["id"] for item in named} <= {item["id"] for item in read}
    assert all(set(item) <= set(READ_ATTRIBUTES) for item in read)
    assert not any(marker in repr(read) for marker in SECRET_MARKERS)
    assert len(scans) == 1 and len(queries) == 6
    for params in scans + queries:
        projected = params["ProjectionExpression"].split(", ")
        assert {params["ExpressionAttributeNames"][name] for name in projected} == set(
            READ_ATTRIBUTES
        )


def test_a_gleev_id_is_read_by_query_with_the_channels_it_referred(
    dynamo_tables: DynamoTables,
) -> None:
    referred = [channel_item(201, referrerChannelId=101), channel_item(202, referrerChannelId=101)]
    seed(dynamo_tables, [channel_item(101), *referred, channel_item(301)])
    scans, queries = record_scans(dynamo_tables.client), record_scans(dynamo_tables.client, "Query")

    read = ChannelTable(dynamo_tables.client, dynamo_tables.channels).items_of({101}, ())

    assert sorted(item["joystreamChannelId"] for item in read) == [101, 201, 202]
    assert scans == []
    assert [(q["IndexName"], q["ExpressionAttributeValues"]) for q in queries] == [
        (GLEEV_ID_INDEX, {":key": {"N": "101"}}),
        (REFERRER_INDEX, {":key": {"N": "101"}}),
    ]


def test_a_youtube_id_is_found_by_one_filtered_scan_then_its_gleev_id_by_query(
    dynamo_tables: DynamoTables,
) -> None:
    first = channel_item(101, createdAt="2024-01-01T00:00:00Z")
    same_gleev_id = channel_item(101, id="UCsecond", userId="u-2")
    seed(dynamo_tables, [first, same_gleev_id, channel_item(102), channel_item(103)])
    scans, queries = record_scans(dynamo_tables.client), record_scans(dynamo_tables.client, "Query")
    table = ChannelTable(dynamo_tables.client, dynamo_tables.channels, page_size=2)

    read = table.items_of((), {first["id"], "UCnobody"})

    assert sorted(item["id"] for item in read) == sorted([first["id"], "UCsecond"])
    assert {params["FilterExpression"] for params in scans} == {"#id IN (:youtube0, :youtube1)"}
    assert len(scans) >= 2  # pages of 2 over 4 items ...
    assert sum("ExclusiveStartKey" not in params for params in scans) == 1  # ... of one scan
    assert {q["IndexName"] for q in queries} == {GLEEV_ID_INDEX, REFERRER_INDEX}


def test_scan_follows_pages_of_a_small_limit(dynamo_tables: DynamoTables) -> None:
    items = generate_channels(50)
    seed(dynamo_tables, items)
    sent = record_scans(dynamo_tables.client)

    read = list(ChannelTable(dynamo_tables.client, dynamo_tables.channels, page_size=7).scan())

    assert keys(read) == keys(items)
    assert len(sent) == 8  # 7 full pages and a last one of 1
    assert all(params["Limit"] == 7 for params in sent)


def test_scan_follows_pages_past_one_megabyte(dynamo_tables: DynamoTables) -> None:
    items = generate_channels(60)
    for item in items:
        item["description"] = "x" * 25_000  # 60 x 25 KB: DynamoDB pages at 1 MB read
    seed(dynamo_tables, items)
    sent = record_scans(dynamo_tables.client)

    read = list(ChannelTable(dynamo_tables.client, dynamo_tables.channels).scan())

    assert keys(read) == keys(items)
    assert len(sent) >= 2
    assert "ExclusiveStartKey" in sent[-1]


def test_parallel_segments_read_the_same_items_as_one(dynamo_tables: DynamoTables) -> None:
    items = generate_channels(150) + generate_bad_items()
    seed(dynamo_tables, items)
    client = dynamo_tables.client
    sent = record_scans(client)
    table = ChannelTable(client, dynamo_tables.channels, page_size=10)

    one = list(table.scan(segments=1))
    sent.clear()
    four = list(table.scan(segments=4))

    assert keys(one) == keys(four) == keys(items)
    assert {(params["Segment"], params["TotalSegments"]) for params in sent} == {
        (segment, 4) for segment in range(4)
    }


def test_stopping_a_parallel_scan_early_ends_its_threads(dynamo_tables: DynamoTables) -> None:
    seed(dynamo_tables, generate_channels(60))
    table = ChannelTable(dynamo_tables.client, dynamo_tables.channels, page_size=5)

    scan = table.scan(segments=4)
    assert isinstance(scan, Generator)  # what a consumer that stops early closes
    first = [next(scan) for _ in range(3)]
    scan.close()

    assert len(first) == 3


@pytest.mark.parametrize("segments", [1, 4])
def test_missing_table_says_which_table_where_and_what_to_do(
    dynamo_tables: DynamoTables, segments: int
) -> None:
    table = ChannelTable(dynamo_tables.client, "dev_channels_missing")

    with pytest.raises(SourceError) as raised:
        list(table.scan(segments=segments))

    message = str(raised.value)
    assert "'dev_channels_missing' not found" in message
    assert dynamo_tables.endpoint_url in message
    assert "us-east-1" in message
    assert "HUBSYNC_CHANNELS_TABLE" in message


def test_unreachable_endpoint_is_one_clear_line() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{closed_port}"
    client = boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=1),
    )

    with pytest.raises(SourceError) as raised:
        list(ChannelTable(client, "channels").scan())

    assert str(raised.value).startswith(f"cannot connect to {url}")
    assert "\n" not in str(raised.value)


def test_client_from_the_standard_environment_reads_the_table(
    dynamo_tables: DynamoTables, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(dynamo_tables, generate_channels(5))
    isolate_from_aws_configuration(monkeypatch)
    environment = sandbox_aws_environment()
    region = environment.pop("AWS_DEFAULT_REGION")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_REGION", region)  # what ECS sets; botocore alone ignores it

    client = dynamodb_client(dynamo_tables.endpoint_url)

    assert client.meta.region_name == region
    assert len(list(ChannelTable(client, dynamo_tables.channels).scan())) == 5


def test_no_region_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_from_aws_configuration(monkeypatch)

    with pytest.raises(ConfigError, match="set AWS_REGION or AWS_DEFAULT_REGION"):
        dynamodb_client(None)


def test_no_credentials_is_a_config_error_at_first_use(
    dynamo_tables: DynamoTables, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_from_aws_configuration(monkeypatch)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = dynamodb_client(dynamo_tables.endpoint_url)

    with pytest.raises(ConfigError) as raised:
        list(ChannelTable(client, dynamo_tables.channels).scan())

    assert str(raised.value) == NO_CREDENTIALS_MESSAGE


def test_described_errors_never_contain_secret_keys() -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    error = ClientError(
        {
            "Error": {
                "Code": "InvalidSignatureException",
                "Message": f"The request signature we calculated does not match.\n{secret}",
            }
        },
        "Scan",
    )

    line = describe_aws_error(error)

    assert secret not in line
    assert "\n" not in line
    assert line.startswith("Scan failed: InvalidSignatureException")
    assert "check the AWS credentials" in line
    assert describe_aws_error(NoCredentialsError()) == NO_CREDENTIALS_MESSAGE


def isolate_from_aws_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AWS settings from this machine: no keys, region, profile, files or instance role."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_a_table_without_the_index_says_which_index_is_missing(
    dynamo_tables: DynamoTables,
) -> None:
    client = dynamo_tables.client
    name = f"{dynamo_tables.channels}_no_index"
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "userId", "KeyType": "HASH"},
            {"AttributeName": "id", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "userId", "AttributeType": "S"},
            {"AttributeName": "id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        with pytest.raises(SourceError) as raised:
            ChannelTable(client, name).items_of({101}, ())
    finally:
        client.delete_table(TableName=name)

    assert f"index '{GLEEV_ID_INDEX}' (which --channel reads)" in str(raised.value)
