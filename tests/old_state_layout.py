"""A state table as versions before the link partitions wrote it: each link an item
`pk=link#<Gleev id>`, `sk=link`, and no `pk=state`, `sk=layout` item saying they were moved."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from hubsync.aws import write_batches
from hubsync.domain.links import Link

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LAYOUT_KEY: Any = {"pk": {"S": "state"}, "sk": {"S": "layout"}}


def as_an_older_table(client: DynamoDBClient, table: str) -> None:
    client.delete_item(TableName=table, Key=LAYOUT_KEY)


def put_old_layout_links(client: DynamoDBClient, table: str, links: Iterable[Link]) -> None:
    """Keep `links` as older versions did, instead of in their partitions (moved back)."""
    as_an_older_table(client, table)
    links = list(links)
    write_batches(client, table, [{"DeleteRequest": {"Key": _key(link)}} for link in links])
    write_batches(client, table, [{"PutRequest": {"Item": _old_item(link)}} for link in links])


def old_layout_items(client: DynamoDBClient, table: str) -> list[dict[str, Any]]:
    items = client.scan(TableName=table)["Items"]
    return [item for item in items if item["pk"]["S"].startswith("link#")]


def _key(link: Link) -> dict[str, Any]:
    return {"pk": {"S": f"links#{link.gleev_id % 10}"}, "sk": {"S": str(link.gleev_id)}}


def _old_item(link: Link) -> dict[str, Any]:
    item = {
        "pk": {"S": f"link#{link.gleev_id}"},
        "sk": {"S": "link"},
        "contact_id": {"S": link.contact_id},
        "pushed_hash": {"S": link.pushed_hash},
        "role": {"S": link.role.value},
        "updated_at": {"S": "2026-01-02T03:04:05+00:00"},
    }
    if link.refused_email:
        item["refused_email"] = {"S": link.refused_email}
    if link.gdpr_email:
        item["gdpr_email"] = {"S": link.gdpr_email}
    return item
