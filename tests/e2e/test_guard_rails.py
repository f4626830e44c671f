"""A run that cannot be right writes nothing: the preflight before planning, the run's verdict
and the early stop, seen through the hubsync command as a user runs it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from hubsync.hubspot.errors import MESSAGE_LIMIT
from hubsync.hubspot.gateway import HubSpotGateway
from hubsync_sandbox.hubspot import SandboxConfig, start_sandbox
from tests.e2e.test_cli import TOKEN_LIKE, assert_one_line_no_traceback, hubsync
from tests.e2e.world import KEY, World, clean_env
from tests.unit.factories import channel_item

PROPERTIES = "/crm/v3/properties/contacts"
PREFLIGHT_ONLY = {"GET /crm/v3/properties/{objectType}": 1}


def non_unique_property(world: World, name: str) -> None:
    """A custom property that exists in the portal but is not unique, as marketing made it."""
    HubSpotGateway(world.settings()).create_property(
        {
            "name": name,
            "label": name,
            "type": "string",
            "fieldType": "text",
            "groupName": "contactinformation",
            "hasUniqueValue": False,
        }
    )


def drop_option_after_preflight(world: World, name: str, value: str) -> Callable[[], None]:
    """Someone removes an option in HubSpot while the run plans: the preflight found the
    portal ready, and every write using the option then fails. Returns how to put it back."""
    store = world.hubspot.store
    definition = store.catalog.get(name)
    assert definition is not None
    without = replace(definition, options=tuple(o for o in definition.options if o.value != value))
    world.hubspot.config.latency_s = 0.2

    def drop() -> None:
        store.add_property(without)
        world.hubspot.config.latency_s = 0

    world.meanwhile("GET", PROPERTIES, drop)
    return lambda: store.add_property(definition)


# -- the preflight ------------------------------------------------------------------------


RUNS = [
    ("sync",),
    ("sync", "--full"),
    ("sync", "--dry-run"),
    ("sync", "--channel", "101"),
    ("plan",),
    ("plan", "--full"),
]


@pytest.mark.parametrize("command", RUNS, ids=" ".join)
def test_a_non_unique_key_property_stops_every_run_before_it_plans(
    world: World, tmp_path: Path, command: tuple[str, ...]
) -> None:
    non_unique_property(world, "creator_handle")
    lead = world.add_lead("creator101@example.com", creator_handle="ann-the-creator")
    world.put(channel_item(101), channel_item(102))
    before = world.contacts()
    world.hubspot.store.reset_request_counts()
    env = clean_env(**world.env(), HUBSYNC_KEY_PROPERTY="creator_handle")

    done = hubsync(*command, env=env, cwd=tmp_path)

    assert done.returncode == 1, done.stdout + done.stderr
    line = assert_one_line_no_traceback(done.stderr)
    assert "nothing was written" in line
    assert "creator_handle: exists but is not unique" in line
    assert world.hubspot.store.request_counts() == PREFLIGHT_ONLY
    assert world.contacts() == before
    assert world.by_id(lead)["creator_handle"] == "ann-the-creator"


@pytest.mark.parametrize("name", ["lifecyclestage", "hs_object_id", "email", "firstname"])
def test_hubspots_own_property_as_key_is_a_setting_error_not_a_crash(
    world: World, tmp_path: Path, name: str
) -> None:
    world.put(channel_item(101))
    env = clean_env(**world.env(), HUBSYNC_KEY_PROPERTY=name)

    done = hubsync("plan", "--full", env=env, cwd=tmp_path)

    assert done.returncode == 2
    line = assert_one_line_no_traceback(done.stderr)
    assert line.startswith("hubsync: HUBSYNC_KEY_PROPERTY is invalid")
    assert f"{name} is one of HubSpot's own contact properties" in line
    assert world.hubspot.store.request_counts() == {}


def test_before_schema_apply_a_sync_writes_nothing_and_says_what_to_run(
    dynamo_tables, sandbox_aws, tmp_path: Path
) -> None:
    with start_sandbox(SandboxConfig(requests_per_10s=None, search_per_second=None)) as hubspot:
        world = World(dynamo_tables, hubspot)  # a portal hubsync has never prepared
        world.put(*(channel_item(1000 + n) for n in range(250)))
        env = clean_env(**world.env())

        refused = hubsync("sync", env=env, cwd=tmp_path)

        assert refused.returncode == 1
        line = assert_one_line_no_traceback(refused.stderr)
        assert "nothing was written" in line and "run `hubsync schema apply`" in line
        assert f"{KEY}" in line and "channel_title" in line
        assert hubspot.store.request_counts() == PREFLIGHT_ONLY
        assert world.contacts() == []

        assert hubsync("schema", "apply", env=env, cwd=tmp_path).returncode == 0
        done = hubsync("sync", env=env, cwd=tmp_path)

        assert done.returncode == 0, done.stderr
        assert len(world.contacts()) == 250


@pytest.mark.parametrize(
    ("setting", "value", "code", "expected"),
    [
        ("HUBSYNC_HUBSPOT_TOKEN", "   ", 2, "HUBSYNC_HUBSPOT_TOKEN"),
        ("HUBSYNC_HUBSPOT_TOKEN", TOKEN_LIKE, 2, "HubSpot rejected the token (401)"),
        ("HUBSYNC_HUBSPOT_BASE_URL", "http://127.0.0.1:1", 1, "HubSpot"),
    ],
    ids=["blank token", "wrong token", "wrong url"],
)
def test_a_run_with_nothing_to_do_still_proves_hubspot_answers(
    world: World, tmp_path: Path, setting: str, value: str, code: int, expected: str
) -> None:
    world.put(*(channel_item(100 + n) for n in range(3)))
    assert world.sync().created == 3  # the next run has nothing to do
    env = clean_env(
        **{
            **world.env(),
            setting: value,
            "HUBSYNC_HUBSPOT_RETRY_ATTEMPTS": "2",
            "HUBSYNC_HUBSPOT_RETRY_MAX_S": "2",
        }
    )

    done = hubsync("sync", env=env, cwd=tmp_path)

    assert done.returncode == code
    assert expected in assert_one_line_no_traceback(done.stderr)
    assert "unchanged" not in done.stdout
    assert TOKEN_LIKE not in done.stdout + done.stderr


# -- the verdict --------------------------------------------------------------------------


def test_batches_refused_whole_for_one_reason_stop_the_run_and_lose_nothing(
    world: World, tmp_path: Path
) -> None:
    world.put(*(channel_item(1000 + n) for n in range(450)))  # five batches of new customers
    restore = drop_option_after_preflight(world, "hs_lead_status", "CONNECTED")
    env = clean_env(**world.env())

    done = hubsync("sync", env=env, cwd=tmp_path)

    assert done.returncode == 1
    line = assert_one_line_no_traceback(done.stderr)
    assert line.startswith(
        "hubsync: the run failed: stopped after 3 batches in a row failed with "
        "VALIDATION_ERROR: 300 writes failed, 150 not attempted (the next run sends them)"
    )
    assert "300 failed, 150 not attempted" in done.stdout
    upserts = [e for e in world.journal() if e.path.endswith("/batch/upsert")]
    # HubSpot refuses a batch whole, naming one input; the resend of the other 99 is refused
    # for the same reason, so the whole batch fails: 2 calls per batch, 3 batches.
    assert len(upserts) == 6
    # HubSpot's message lists every allowed option over many lines.
    assert len(upserts[0].response_body["message"]) > 2 * MESSAGE_LIMIT
    failures = [row for row in done.stdout.splitlines() if row.startswith("  ! ")]
    assert len(failures) == 20
    for row in failures:
        assert row.endswith(
            ": VALIDATION_ERROR: Property values were not valid: "
            'hs_lead_status INVALID_OPTION "CONNECTED"'
        )
        assert len(row) < MESSAGE_LIMIT
    assert world.contacts() == []

    restore()
    again = hubsync("sync", env=env, cwd=tmp_path)

    assert again.returncode == 0, again.stdout + again.stderr
    assert len(world.contacts()) == 450
    assert {c["properties"]["hs_lead_status"] for c in world.contacts()} == {"CONNECTED"}


def test_a_run_where_no_write_succeeded_exits_1_and_its_json_says_why(
    world: World, tmp_path: Path
) -> None:
    world.put(channel_item(101), channel_item(102))
    drop_option_after_preflight(world, "hs_lead_status", "CONNECTED")

    done = hubsync("sync", "--json", env=clean_env(**world.env()), cwd=tmp_path)

    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["failed"] == 2 and report["not_attempted"] == 0
    assert report["verdict"]["ok"] is False
    assert report["verdict"]["reason"].startswith(
        "no write succeeded, 2 failed (first: 101: VALIDATION_ERROR: "
        'Property values were not valid: hs_lead_status INVALID_OPTION "CONNECTED")'
    )
    line = assert_one_line_no_traceback(done.stderr)
    assert line == f"hubsync: the run failed: {report['verdict']['reason']}"


@pytest.mark.parametrize(("ratio", "code"), [("0.5", 0), ("0.4", 1)])
def test_failures_past_the_ratio_fail_the_run(
    world: World, tmp_path: Path, ratio: str, code: int
) -> None:
    # The customer's write fails (no CONNECTED), its referrer's succeeds: 1 of 2 failed.
    world.put(channel_item(101, referrerChannelId=500))
    drop_option_after_preflight(world, "hs_lead_status", "CONNECTED")
    env = clean_env(**world.env(), HUBSYNC_MAX_FAILURE_RATIO=ratio)

    done = hubsync("sync", env=env, cwd=tmp_path)

    assert done.returncode == code, done.stdout + done.stderr
    assert "1 created, 0 updated, 0 unchanged, 1 failed" in done.stdout
    if code:
        reason = "1 of 2 writes failed, more than HUBSYNC_MAX_FAILURE_RATIO=0.4 allows"
        assert reason in assert_one_line_no_traceback(done.stderr)
        assert f"result: FAILED: {reason}" in done.stdout
    else:
        assert "result: completed; 1 of 2 writes failed" in done.stdout
        assert "hubsync:" not in done.stderr


def test_a_lasting_conflict_costs_two_batch_reads_and_the_preflight(world: World) -> None:
    # An e-mail on another channel's contact, and a duplicate-e-mail group whose e-mail
    # contact is held by a later sign-up.
    world.hubspot.store.add_contact(
        {"email": "taken@example.com", "lifecyclestage": "customer", KEY: "900"}
    )
    world.put(
        channel_item(101, email="taken@example.com"),
        channel_item(103, email="shared@example.com", createdAt="2024-03-01T00:00:00Z"),
    )
    world.sync()
    world.put(channel_item(102, email="shared@example.com", createdAt="2024-02-01T00:00:00Z"))
    world.sync()

    again = world.sync()

    assert sorted(c.kind.value for c in again.plan.conflicts) == [
        "duplicate-email",
        "email-taken",
    ]
    assert again.api_calls == {
        "properties.list": 1,
        "contacts.search": 1,  # the marketing-contact count
        "contacts.batch_read": 2,
    }
