"""A world for end-to-end runs: moto's DynamoDB and the HubSpot sandbox, both over HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hubsync_sandbox.dynamo import sandbox_aws_environment
from hubsync_sandbox.hubspot import SandboxConfig, start_sandbox
from tests.e2e.daemons import Daemons
from tests.e2e.world import World


@pytest.fixture
def sandbox_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, value in sandbox_aws_environment().items():
        monkeypatch.setenv(name, value)
    for name in list(os.environ):
        if name.startswith("HUBSYNC_"):
            monkeypatch.delenv(name)


@pytest.fixture
def world(request: pytest.FixtureRequest, dynamo_tables, sandbox_aws) -> Iterator[World]:
    """Limits off unless a test asks otherwise with @pytest.mark.sandbox(**SandboxConfig)."""
    marker = request.node.get_closest_marker("sandbox")
    settings = {
        "requests_per_10s": None,
        "search_per_second": None,
        **(marker.kwargs if marker else {}),
    }
    config = SandboxConfig(**settings)
    with start_sandbox(config, journal=True) as hubspot:
        yield World.create(dynamo_tables, hubspot)


@pytest.fixture
def daemons(world: World, tmp_path: Path) -> Iterator[Daemons]:
    """`hubsync run` subprocesses on this world; every one still running is killed after."""
    running = Daemons(world, tmp_path)
    try:
        yield running
    finally:
        running.kill_all()
