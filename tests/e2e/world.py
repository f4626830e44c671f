"""Drives hubsync end to end: channels into DynamoDB, runs through the real clients, and
questions about what the HubSpot sandbox holds afterwards."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from hubsync.app import build_engine, run_sync
from hubsync.engine import RunOptions
from hubsync.hubspot.gateway import HubSpotGateway
from hubsync.hubspot.retry import RetryPolicy
from hubsync.hubspot.schema import apply_schema
from hubsync.result import RunResult
from hubsync.settings import Settings, load_settings
from hubsync_sandbox.hubspot import RunningSandbox
from hubsync_sandbox.hubspot.exchange import Exchange

KEY = "gleev_channel_id"


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without HUBSYNC_ settings, plus `extra`: for subprocesses."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUBSYNC_")}
    return {**env, **extra}


FAST_RETRIES = RetryPolicy(attempts=12, max_total_s=60, backoff_base_s=0.01, backoff_cap_s=0.2)


@dataclass
class World:
    tables: Any  # tests.conftest.DynamoTables
    hubspot: RunningSandbox
    overrides: dict[str, Any] = field(default_factory=dict)
    retry_policy: RetryPolicy = FAST_RETRIES

    @classmethod
    def create(cls, tables: Any, hubspot: RunningSandbox) -> World:
        world = cls(tables, hubspot)
        report = apply_schema(HubSpotGateway(world.settings()), KEY)
        assert report.ok, report.lines()
        hubspot.store.reset_request_counts()
        return world

    def settings(self, **extra: Any) -> Settings:
        return load_settings(
            hubspot_token=self.hubspot.config.token,
            hubspot_base_url=self.hubspot.url,
            dynamo_endpoint_url=self.tables.endpoint_url,
            channels_table=self.tables.channels,
            state_table=self.tables.state,
            **{**self.overrides, **extra},
        )

    def env(self) -> dict[str, str]:
        """The same settings as environment variables, for hubsync in a subprocess."""
        return {
            "HUBSYNC_HUBSPOT_TOKEN": self.hubspot.config.token,
            "HUBSYNC_HUBSPOT_BASE_URL": self.hubspot.url,
            "HUBSYNC_DYNAMO_ENDPOINT_URL": self.tables.endpoint_url,
            "HUBSYNC_CHANNELS_TABLE": self.tables.channels,
            "HUBSYNC_STATE_TABLE": self.tables.state,
        }

    # -- the source -------------------------------------------------------------------------

    def put(self, *items: dict[str, Any]) -> None:
        serializer = TypeSerializer()
        for start in range(0, len(items), 25):
            requests = [
                {"PutRequest": {"Item": {k: serializer.serialize(v) for k, v in item.items()}}}
                for item in items[start : start + 25]
            ]
            self.tables.client.batch_write_item(RequestItems={self.tables.channels: requests})

    def delete(self, item: dict[str, Any]) -> None:
        key = {"userId": {"S": item["userId"]}, "id": {"S": item["id"]}}
        self.tables.client.delete_item(TableName=self.tables.channels, Key=key)

    # -- runs -------------------------------------------------------------------------------

    def sync(
        self,
        full: bool = False,
        dry_run: bool = False,
        channels: tuple[str, ...] = (),
        **extra: Any,
    ) -> RunResult:
        settings = self.settings(**extra)
        engine = build_engine(
            settings, hubspot=HubSpotGateway(settings, retry_policy=self.retry_policy)
        )
        return run_sync(settings, RunOptions(full=full, dry_run=dry_run, channels=channels), engine)

    # -- HubSpot ----------------------------------------------------------------------------

    def contacts(self) -> list[dict[str, Any]]:
        return self.hubspot.store.contacts()

    def by_key(self, gleev_id: int) -> dict[str, str]:
        found = [c for c in self.contacts() if c["properties"].get(KEY) == str(gleev_id)]
        assert len(found) == 1, f"{len(found)} contacts carry {KEY}={gleev_id}"
        return found[0]["properties"]

    def by_id(self, contact_id: str) -> dict[str, str]:
        contact = self.hubspot.store.get(contact_id)
        assert contact is not None, f"no contact {contact_id}"
        return contact["properties"]

    def by_email(self, email: str) -> dict[str, str]:
        return self._with_email(email)["properties"]

    def id_of(self, email: str) -> str:
        return self._with_email(email)["id"]

    def _with_email(self, email: str) -> dict[str, Any]:
        contact = self.hubspot.store.find_by_email(email)
        assert contact is not None, f"no contact with e-mail {email}"
        return contact

    def journal(self) -> list[Exchange]:
        """Every request the sandbox answered, in order."""
        journal = self.hubspot.store.journal
        assert journal is not None, "the sandbox was started without its journal"
        return journal

    def add_lead(self, email: str, **properties: str) -> str:
        lead = {"email": email, "lifecyclestage": "lead", "hs_lead_status": "NEW", **properties}
        return self.hubspot.store.add_contact(lead)

    def meanwhile(
        self, method: str, path: str, action: Callable[[], object], nth: int = 1
    ) -> threading.Thread:
        """Run `action` (someone working in HubSpot) as soon as the sandbox has handled the
        `nth` `method path` request from now, before its answer reaches hubsync: with latency
        set, that lands deterministically between hubsync's read and its write."""
        seen = len(self.hubspot.store.journal or [])

        def watch() -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                new = (self.hubspot.store.journal or [])[seen:]
                if sum(e.method == method and e.path == path for e in new) >= nth:
                    action()
                    return
                time.sleep(0.002)

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        return thread

    def assert_no_duplicates(self) -> None:
        keys = Counter(c["properties"].get(KEY) for c in self.contacts())
        emails = Counter((c["properties"].get("email") or "").lower() for c in self.contacts())
        keys.pop(None, None)
        emails.pop("", None)
        assert [k for k, n in keys.items() if n > 1] == []
        assert [e for e, n in emails.items() if n > 1] == []
