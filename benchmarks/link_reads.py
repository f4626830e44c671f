"""What reading a run's links costs when the state table also holds months of other records.

Run with `.venv/bin/python -m benchmarks.link_reads`. For each size, the state table holds
the links and run-history records beside them (a 5-minute daemon keeps 288 a day). The
links are read in the old layout (one scan of the whole table, as earlier versions did), then
moved by a run that may write (the scan, and the writes of the move), then read in today's
layout (ten queries of the link partitions), counting the items DynamoDB reads.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import TYPE_CHECKING, Any, cast

from hubsync.aws import write_batches
from hubsync.domain.links import Link, Role
from hubsync.log import configure_logging
from hubsync.state.store import StateStore
from hubsync_sandbox.dynamo import sandbox_aws_environment, start_dynamo
from tests.old_state_layout import put_old_layout_links

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# (links, other records): 30 and 90 days of 5-minute run history.
SIZES = ((1_000, 8_640), (1_000, 25_920), (10_000, 25_920))


def fill(client: DynamoDBClient, table: str, links: int, others: int) -> None:
    StateStore(client, table).save_links(
        Link(gleev_id, str(50_000 + gleev_id), "h", Role.CUSTOMER) for gleev_id in range(links)
    )
    history = ({"pk": {"S": "history"}, "sk": {"S": f"{n:08d}"}} for n in range(others))
    write_batches(client, table, ({"PutRequest": {"Item": item}} for item in history))


def read_links(client: DynamoDBClient, table: str, *, dry_run: bool) -> tuple[int, int, float]:
    """(links, items DynamoDB read, seconds) of one load; only a dry run moves nothing."""
    read = [0]

    def count(parsed: dict[str, Any], **_: Any) -> None:
        read[0] += parsed.get("ScannedCount", 0)

    client.meta.events.register("after-call.dynamodb.Scan", count)
    client.meta.events.register("after-call.dynamodb.Query", count)
    store = StateStore(client, table)
    store.ensure_table(create=False, dry_run=dry_run)
    started = time.monotonic()
    links = store.load_links()
    elapsed = time.monotonic() - started
    client.meta.events.unregister("after-call.dynamodb.Scan", count)
    client.meta.events.unregister("after-call.dynamodb.Query", count)
    return len(links), read[0], elapsed


def main() -> None:
    os.environ.update(sandbox_aws_environment())
    configure_logging("console", "WARNING")
    print("# reading a run's links (moto DynamoDB)")
    print("links   other records   layout   items read   time")
    with start_dynamo() as dynamo:
        client = cast("DynamoDBClient", dynamo.client())  # a plain boto3 client
        for links, others in SIZES:
            table = f"hubsync_state_{uuid.uuid4().hex[:8]}"
            StateStore(client, table).ensure_table(create=True)
            fill(client, table, links, others)
            put_old_layout_links(client, table, StateStore(client, table).load_links().values())
            for layout, dry_run in (("old", True), ("moving", False), ("today", True)):
                found, read, elapsed = read_links(client, table, dry_run=dry_run)
                assert found == links, f"read {found} links of {links}"
                print(f"{links:>6,}  {others:>13,}   {layout:<6}  {read:>10,}  {elapsed:6.2f} s")
            client.delete_table(TableName=table)


if __name__ == "__main__":
    main()
