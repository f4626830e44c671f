"""The gateway counts each call's status and keeps the portal's daily usage from HubSpot's
headers, against the sandbox over HTTP with the real SDK."""

from __future__ import annotations

import pytest

from hubsync.hubspot.errors import HubSpotError
from hubsync.hubspot.retry import RetryPolicy
from hubsync_sandbox.hubspot import SandboxConfig, start_sandbox
from tests.integration.test_gateway import make_gateway


def test_daily_usage_and_statuses_as_hubspot_answered() -> None:
    config = SandboxConfig(requests_per_10s=None, daily_limit=1000, daily_used_elsewhere=600)
    with start_sandbox(config) as sandbox:
        gateway = make_gateway(sandbox, policy=RetryPolicy(attempts=1))
        assert gateway.usage.daily.limit is None  # nothing heard yet

        gateway.list_properties()
        gateway.list_properties()
        heard = gateway.usage.daily
        assert (heard.limit, heard.remaining) == (1000, 398)

        sandbox.config.fault_rate = 1.0
        with pytest.raises(HubSpotError):
            gateway.list_properties()
        statuses = gateway.usage.statuses
        assert statuses[("properties.list", "200")] == 2
        assert sum(n for (_, status), n in statuses.items() if status.startswith("5")) == 1
