"""What the after-run step (conflict register, outbox) costs a run, against moto's DynamoDB.

Run with `.venv/bin/python -m benchmarks.alerts`. Each size is one run that opens every
conflict (all alerted: stored in the outbox and logged; no sink, so nothing waits on the
network), then a run an hour later that sees them all again with nothing new (last-seen
updates only), then one a minute after that (nothing to write at all).
"""

from __future__ import annotations

import os
import time
import uuid
from typing import TYPE_CHECKING, cast
from unittest import mock

from hubsync.after_run import AfterRun
from hubsync.domain.plan import Conflict, ConflictKind, Plan
from hubsync.log import configure_logging
from hubsync.result import RunResult
from hubsync.settings import load_settings
from hubsync.state.store import StateStore
from hubsync_sandbox.dynamo import sandbox_aws_environment, start_dynamo

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SIZES = (100, 1_000, 5_000)


def result(conflicts: int) -> RunResult:
    plan = Plan(
        conflicts=[
            Conflict(
                ConflictKind.DUPLICATE_EMAIL,
                (10_000 + 2 * n, 10_001 + 2 * n),
                "2 channels signed up with this e-mail",
                email=f"pair{n}@example.com",
            )
            for n in range(conflicts)
        ]
    )
    return RunResult(uuid.uuid4().hex[:12], "incremental", False, "", plan)


def main() -> None:
    os.environ.update(sandbox_aws_environment())
    configure_logging("console", "WARNING")
    print("# after-run step: conflict register and outbox (moto DynamoDB, no sink)")
    with start_dynamo() as dynamo:
        for size in SIZES:
            table = f"hubsync_state_{uuid.uuid4().hex[:8]}"
            client = cast("DynamoDBClient", dynamo.client())  # a plain boto3 client
            StateStore(client, table).ensure_table(create=True)
            settings = load_settings(
                hubspot_token="bench-token-0000",
                dynamo_endpoint_url=dynamo.url,
                state_table=table,
            )
            step = AfterRun(settings)
            timings = []
            for offset in (0, 3600, 3660):
                # Later runs are pretended an hour and a minute later (last-seen resolution).
                now = time.time() + offset
                with mock.patch("hubsync.after_run._now", return_value=_iso(now)):
                    started = time.monotonic()
                    step.after_run(result(size))
                    timings.append(time.monotonic() - started)
            opened, hour_later, minute_later = timings
            print(
                f"{size:>6} conflicts: all new {opened:6.2f} s, seen again an hour later "
                f"{hour_later:6.2f} s, a minute after that {minute_later:6.2f} s"
            )


def _iso(at: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


if __name__ == "__main__":
    main()
