"""`python -m hubsync_sandbox.serve`: each stand-in alone, seeded, stopped by SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3

from hubsync_sandbox.dynamo import SANDBOX_REGION


@contextmanager
def serving(*args: str) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "hubsync_sandbox.serve", *args, "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("listening on http://"), line
        yield line.split()[-1]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert process.stdout.read().strip() == "stopped"
    finally:
        process.kill()
        process.wait()


def test_hubspot_serves_the_seeded_leads_until_sigterm() -> None:
    with serving("hubspot", "--seed", "40") as url:
        request = urllib.request.Request(
            f"{url}/crm/v3/objects/contacts?limit=100",
            headers={"Authorization": "Bearer sandbox-token"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            contacts = json.load(answer)["results"]
    assert len(contacts) == 20


def test_dynamodb_serves_the_seeded_channels_table_until_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    with serving(
        "dynamodb", "--seed", "40", "--channels-table", "ypp", "--ready-file", str(ready)
    ) as url:
        assert ready.read_text().strip() == url
        client = boto3.client(
            "dynamodb",
            endpoint_url=url,
            region_name=SANDBOX_REGION,
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )
        count = client.scan(TableName="ypp", Select="COUNT")["Count"]
    assert count >= 40
