"""The hubsync command as a user runs it: a real process, its output and exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.world import KEY, World, clean_env
from tests.unit.factories import ABSENT, channel_item, youtube_id

TOKEN_LIKE = "pat-na1-11111111-2222-3333-4444-555555555555"


def hubsync(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hubsync", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line_no_traceback(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith("hubsync:")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_missing_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = hubsync("sync", env=clean_env(), cwd=tmp_path)

    assert done.returncode == 2
    line = assert_one_line_no_traceback(done.stderr)
    assert "HUBSYNC_HUBSPOT_TOKEN is not set" in line


def test_invalid_setting_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = clean_env(HUBSYNC_HUBSPOT_TOKEN=TOKEN_LIKE, HUBSYNC_DUPLICATE_EMAIL_POLICY="merge")

    done = hubsync("sync", env=env, cwd=tmp_path)

    assert done.returncode == 2
    line = assert_one_line_no_traceback(done.stderr)
    assert "HUBSYNC_DUPLICATE_EMAIL_POLICY is invalid" in line
    assert TOKEN_LIKE not in done.stderr + done.stdout


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    done = hubsync("sync", "--no-such-flag", env=clean_env(), cwd=tmp_path)
    assert done.returncode == 2
    assert "No such option" in done.stderr


def test_wrong_token_is_exit_2_and_never_printed(world: World, tmp_path: Path) -> None:
    env = clean_env(**world.env())
    env["HUBSYNC_HUBSPOT_TOKEN"] = TOKEN_LIKE

    done = hubsync("schema", "check", env=env, cwd=tmp_path)

    assert done.returncode == 2
    line = assert_one_line_no_traceback(done.stderr)
    assert "HubSpot rejected the token (401)" in line
    assert TOKEN_LIKE not in done.stderr + done.stdout


def test_unreachable_hubspot_is_exit_1_with_a_clear_line(world: World, tmp_path: Path) -> None:
    env = clean_env(
        **{
            **world.env(),
            "HUBSYNC_HUBSPOT_BASE_URL": "http://127.0.0.1:9",
            "HUBSYNC_HUBSPOT_RETRY_ATTEMPTS": "2",
            "HUBSYNC_HUBSPOT_RETRY_MAX_S": "2",
        }
    )
    world.put(channel_item(101))

    done = hubsync("sync", env=env, cwd=tmp_path)

    assert done.returncode == 1
    line = assert_one_line_no_traceback(done.stderr)
    assert "HubSpot" in line and "attempt" in line
    assert world.hubspot.config.token not in done.stderr


def test_sync_json_reports_the_run(world: World, tmp_path: Path) -> None:
    world.put(channel_item(101), channel_item(102, email="CREATOR101@example.com "))
    env = clean_env(**world.env(), HUBSYNC_LOG_FORMAT="json")

    done = hubsync("sync", "--json", env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    for name in ("created", "updated", "unchanged", "conflicts", "rejected", "held", "orphaned"):
        assert name in report
    assert report["created"] == 2 and report["conflicts"] == 1
    assert report["api_calls"]["by_endpoint"]["contacts.batch_upsert"] >= 1
    assert report["api_calls"]["total"] == sum(report["api_calls"]["by_endpoint"].values())
    assert isinstance(report["duration_s"], float)
    run_ids = {json.loads(line).get("run_id") for line in done.stderr.splitlines()}
    assert run_ids == {report["run_id"]}
    assert world.hubspot.config.token not in done.stderr + done.stdout


def test_plan_shows_what_would_change_and_writes_nothing(world: World, tmp_path: Path) -> None:
    world.add_lead("creator101@example.com")
    world.put(channel_item(101), channel_item(102))
    env = clean_env(**world.env())

    done = hubsync("plan", env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "lead converted" in done.stdout
    assert "new customer" in done.stdout
    assert "(dry run)" in done.stdout
    assert all(c["properties"].get(KEY) is None for c in world.contacts())


def test_plan_json_lists_every_write_with_its_reason(world: World, tmp_path: Path) -> None:
    lead = world.add_lead("creator101@example.com")
    world.put(channel_item(101), channel_item(102))

    done = hubsync("plan", "--json", env=clean_env(**world.env()), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    writes = {w["gleev_id"]: w for w in json.loads(done.stdout)["writes"]}
    assert writes[101]["action"] == "update" and writes[101]["contact_id"] == lead
    assert writes[101]["reason"].startswith("lead converted")
    assert writes[102]["action"] == "create" and writes[102]["id_property"] == "email"
    assert writes[102]["properties"]["email"] == "creator102@example.com"
    assert world.contacts()[0]["properties"].get(KEY) is None


def test_unknown_channel_is_exit_2(world: World, tmp_path: Path) -> None:
    world.put(channel_item(101))

    done = hubsync("sync", "--channel", "UCnope", env=clean_env(**world.env()), cwd=tmp_path)

    assert done.returncode == 2
    assert "UCnope" in assert_one_line_no_traceback(done.stderr)


@pytest.mark.parametrize("missing", ["channels", "state"])
def test_missing_table_is_exit_1_naming_it(world: World, tmp_path: Path, missing: str) -> None:
    env = clean_env(**world.env())
    name = "no_such_table"
    env["HUBSYNC_CHANNELS_TABLE" if missing == "channels" else "HUBSYNC_STATE_TABLE"] = name

    done = hubsync("sync", env=env, cwd=tmp_path)

    assert done.returncode == 1
    assert name in assert_one_line_no_traceback(done.stderr)


def test_schema_check_fails_until_apply(world: World, tmp_path: Path) -> None:
    env = clean_env(**world.env(), HUBSYNC_KEY_PROPERTY="other_key")

    before = hubsync("schema", "check", env=env, cwd=tmp_path)
    applied = hubsync("schema", "apply", env=env, cwd=tmp_path)
    after = hubsync("schema", "check", "--json", env=env, cwd=tmp_path)

    assert before.returncode == 1 and "other_key" in before.stdout
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert after.returncode == 0 and json.loads(after.stdout)["ok"] is True


def test_a_rejected_channel_is_exit_2_saying_why(world: World, tmp_path: Path) -> None:
    world.put(channel_item(101, yppStatus=ABSENT))

    done = hubsync("sync", "--channel", youtube_id(101), env=clean_env(**world.env()), cwd=tmp_path)

    assert done.returncode == 2
    line = assert_one_line_no_traceback(done.stderr)
    assert f"channel {youtube_id(101)} is rejected: yppStatus is missing" in line
    assert "no channel" not in line


@pytest.mark.parametrize("command", ["sync", "plan"])
@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_channel_is_a_usage_error(tmp_path: Path, command: str, empty: str) -> None:
    done = hubsync(command, "--channel", empty, env=clean_env(), cwd=tmp_path)

    assert done.returncode == 2
    assert "Invalid value for '--channel'" in done.stderr and "empty" in done.stderr
    assert "Traceback" not in done.stderr


def test_plan_of_one_channel_shows_just_that_channel(world: World, tmp_path: Path) -> None:
    world.put(channel_item(101), channel_item(102), channel_item(900, yppStatus=ABSENT))

    done = hubsync("plan", "--channel", "102", env=clean_env(**world.env()), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    table = done.stdout.split("\n\n")[0].splitlines()
    assert [row.split()[1] for row in table[1:]] == ["102"]
    assert "channel 102: created (planned) as customer: new customer" in done.stdout
    assert "0 rejected" in done.stdout and youtube_id(900) not in done.stdout
    assert world.contacts() == []


def test_a_one_channel_sync_says_what_happened_to_it(world: World, tmp_path: Path) -> None:
    world.put(
        channel_item(101),
        channel_item(102, yppStatus="Unverified"),
        channel_item(900, yppStatus=ABSENT),
    )
    env = clean_env(**world.env())

    done = hubsync("sync", "--channel", youtube_id(101), "--json", env=env, cwd=tmp_path)
    again = hubsync("sync", "--channel", youtube_id(101), env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    contact_id = world.id_of("creator101@example.com")
    assert report["channels"] == [
        {
            "channel": youtube_id(101),
            "gleev_id": 101,
            "outcome": "created",
            "contact_id": contact_id,
            "detail": "new customer",
            "role": "customer",
            "flag": None,
            "conflicts": [],
        }
    ]
    counts = ("created", "updated", "unchanged", "rejected", "unverified_skipped", "flagged")
    assert [report[name] for name in counts] == [1, 0, 0, 0, 0, 0]
    assert again.returncode == 0, again.stderr
    assert "contacts: 0 created, 0 updated, 1 unchanged" in again.stdout
    assert (
        f"channel {youtube_id(101)} (Gleev id 101): unchanged contact {contact_id} as customer"
        in again.stdout
    )


def test_plain_sync_shows_the_first_reasons_and_points_to_json(
    world: World, tmp_path: Path
) -> None:
    world.put(channel_item(101), *(channel_item(900 + n, yppStatus=ABSENT) for n in range(7)))

    done = hubsync("sync", env=clean_env(**world.env()), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    reasons = [line for line in done.stdout.splitlines() if "yppStatus is missing" in line]
    assert len(reasons) == 5
    assert "... and 2 more (--json lists them all)" in done.stdout
