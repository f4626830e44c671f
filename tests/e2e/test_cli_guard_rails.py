"""Guard rails seen from the command line: secrets never printed, every bad setting named in
one line with the right exit code, a first dry run before any state, and Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
import urllib.parse
from pathlib import Path

import pytest

from hubsync.state.store import StateStore
from tests.e2e.test_cli import assert_one_line_no_traceback, hubsync
from tests.e2e.world import KEY, World, clean_env
from tests.unit.factories import channel_item

# Printable ASCII that repr, JSON and URL encoding each write differently.
CANARY = "pat-na1-C4NARY/t0k3n+x=y\"q'\\z"


def printed_forms(secret: str) -> set[str]:
    """Every way a secret could show up in printed text."""
    return {
        secret,
        repr(secret)[1:-1],
        repr(secret.encode())[2:-1],
        json.dumps(secret)[1:-1],
        urllib.parse.quote(secret),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
    }


def assert_never_printed(secret: str, done: subprocess.CompletedProcess) -> None:
    output = done.stdout + done.stderr
    leaked = [form for form in printed_forms(secret) if form in output]
    assert leaked == [], output


def run_with_failure(failure: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """`hubsync sync` in a real process whose run raises `failure` (an expression that may use
    TOKEN): what the command prints for an error hubsync does not expect, or for a Ctrl-C."""
    driver = textwrap.dedent(
        f"""
        import contextlib, json, os, urllib.parse
        import hubsync.app
        import hubsync.daemon.oneoff
        from hubsync.cli import main

        TOKEN = os.environ["HUBSYNC_HUBSPOT_TOKEN"]

        def run_sync(*args, **kwargs):
            raise {failure}

        @contextlib.contextmanager
        def sync_lease(*args, **kwargs):  # the lease's table is DynamoDB, which this has none of
            yield None

        hubsync.app.run_sync = run_sync
        hubsync.daemon.oneoff.sync_lease = sync_lease
        main(["sync"])
        """
    )
    return subprocess.run(
        [sys.executable, "-c", driver], env=env, cwd=cwd, capture_output=True, text=True
    )


# -- the token -------------------------------------------------------------------------------


@pytest.mark.parametrize("padding", ["\n", " ", "\r\n", "\t"])
def test_a_token_with_surrounding_whitespace_works(
    world: World, tmp_path: Path, padding: str
) -> None:
    world.put(channel_item(101))
    env = clean_env(**world.env())
    env["HUBSYNC_HUBSPOT_TOKEN"] = padding + world.hubspot.config.token + padding

    checked = hubsync("schema", "check", env=env, cwd=tmp_path)
    planned = hubsync("plan", "--full", env=env, cwd=tmp_path)

    assert checked.returncode == 0, checked.stderr
    assert planned.returncode == 0, planned.stderr
    assert "new customer" in planned.stdout


def test_a_token_with_a_trailing_newline_in_dotenv_works(world: World, tmp_path: Path) -> None:
    env = clean_env(**world.env())
    token = env.pop("HUBSYNC_HUBSPOT_TOKEN")
    (tmp_path / ".env").write_text(f'HUBSYNC_HUBSPOT_TOKEN="{token}\n"\n')

    done = hubsync("schema", "check", env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "token", [f"{CANARY} more", f"{CANARY}\nmore", f"{CANARY}\x1b", f"{CANARY}é"]
)
def test_a_token_with_whitespace_or_control_characters_inside_is_refused_unseen(
    tmp_path: Path, token: str
) -> None:
    done = hubsync("schema", "check", env=clean_env(HUBSYNC_HUBSPOT_TOKEN=token), cwd=tmp_path)

    assert done.returncode == 2
    line = assert_one_line_no_traceback(done.stderr)
    assert line.startswith("hubsync: HUBSYNC_HUBSPOT_TOKEN is invalid")
    assert_never_printed(token, done)
    assert_never_printed(CANARY, done)


ERRORS = {
    "usage: unknown option": (2, {}, ("sync", "--no-such-flag")),
    "usage: the token as an argument": (2, {}, ("sync", CANARY)),
    "usage: the token as a bad option value": (2, {}, ("sandbox", "--seed", CANARY)),
    "config: invalid setting": (2, {"HUBSYNC_SCAN_SEGMENTS": "0"}, ("sync",)),
    "config: the token in another setting": (2, {"HUBSYNC_LOG_FORMAT": CANARY}, ("sync",)),
    "auth: HubSpot refuses the token": (2, {}, ("schema", "check")),
    "HubSpot unreachable": (
        1,
        {
            "HUBSYNC_HUBSPOT_BASE_URL": "http://127.0.0.1:9",
            "HUBSYNC_HUBSPOT_RETRY_ATTEMPTS": "2",
            "HUBSYNC_HUBSPOT_RETRY_MAX_S": "2",
        },
        ("schema", "check"),
    ),
    "HubSpot over TLS that is not there": (1, {"https": "hubspot"}, ("schema", "check")),
    "AWS unreachable": (1, {"HUBSYNC_DYNAMO_ENDPOINT_URL": "http://127.0.0.1:9"}, ("plan",)),
    "AWS: a missing state table": (1, {"HUBSYNC_STATE_TABLE": "no_such_table"}, ("sync",)),
    "AWS: an unknown profile": (2, {"AWS_PROFILE": "no-such-profile"}, ("plan",)),
}


@pytest.mark.parametrize("kind", list(ERRORS))
def test_no_error_prints_the_token(world: World, tmp_path: Path, kind: str) -> None:
    code, settings, args = ERRORS[kind]
    env = clean_env(**world.env(), HUBSYNC_LOG_LEVEL="DEBUG")
    env.update(AWS_CONFIG_FILE=str(tmp_path / "aws-config"), HUBSYNC_HUBSPOT_TOKEN=CANARY)
    env.update(settings)
    if env.pop("https", None):
        env["HUBSYNC_HUBSPOT_BASE_URL"] = world.hubspot.url.replace("http://", "https://")

    done = hubsync(*args, env=env, cwd=tmp_path)

    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert_never_printed(CANARY, done)


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (
            "RuntimeError(f'{TOKEN} {TOKEN!r} {TOKEN.encode()!r} {json.dumps(TOKEN)} '"
            " f'{urllib.parse.quote(TOKEN)} {urllib.parse.quote_plus(TOKEN)}')",
            1,
        ),
        ("ValueError(b'Bearer ' + TOKEN.encode())", 1),
        ("KeyboardInterrupt()", 130),
    ],
)
def test_unexpected_errors_and_their_tracebacks_never_print_the_token(
    tmp_path: Path, failure: str, code: int
) -> None:
    env = clean_env(
        HUBSYNC_HUBSPOT_TOKEN=CANARY, HUBSYNC_LOG_LEVEL="DEBUG", HUBSYNC_LOG_FORMAT="console"
    )

    done = run_with_failure(failure, env, tmp_path)

    assert done.returncode == code, done.stderr
    assert_never_printed(CANARY, done)
    assert ("Traceback" in done.stderr) == (code == 1), "DEBUG logs the unexpected one's traceback"
    assert len([line for line in done.stderr.splitlines() if line.startswith("hubsync:")]) == 1


@pytest.mark.parametrize(
    ("level", "hint"),
    [
        ("INFO", "(set HUBSYNC_LOG_LEVEL=DEBUG to see where)"),
        ("DEBUG", "(the traceback is logged above)"),
    ],
)
def test_an_unexpected_error_is_one_line_whose_hint_fits_the_log_level(
    tmp_path: Path, level: str, hint: str
) -> None:
    env = clean_env(HUBSYNC_HUBSPOT_TOKEN="t0ken", HUBSYNC_LOG_LEVEL=level)

    done = run_with_failure("RuntimeError('first line\\n  second line')", env, tmp_path)

    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"hubsync: unexpected error: RuntimeError: first line second line {hint}"
    )
    assert ("Traceback" in done.stderr) == (level == "DEBUG")


# -- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HUBSYNC_HUBSPOT_TIMEOUT_S", "inf"),
        ("HUBSYNC_HUBSPOT_TIMEOUT_S", "nan"),
        ("HUBSYNC_HUBSPOT_TIMEOUT_S", "1e20"),
        ("HUBSYNC_HUBSPOT_RETRY_MAX_S", "inf"),
        ("HUBSYNC_HUBSPOT_RETRY_MAX_S", "-inf"),
        ("HUBSYNC_HUBSPOT_BASE_URL", "http://"),
        ("HUBSYNC_HUBSPOT_BASE_URL", "https://:443"),
        ("HUBSYNC_HUBSPOT_BASE_URL", "http://127.0.0.1:99999"),
        ("HUBSYNC_HUBSPOT_BASE_URL", "https://api.hub api.com"),
        ("HUBSYNC_DYNAMO_ENDPOINT_URL", "http://"),
        ("HUBSYNC_DYNAMO_ENDPOINT_URL", "http://localhost:port"),
        ("HUBSYNC_CHANNELS_TABLE", "dev channels"),
        ("HUBSYNC_STATE_TABLE", "state/table"),
    ],
)
def test_a_setting_that_cannot_work_is_a_configuration_error(
    tmp_path: Path, name: str, value: str
) -> None:
    env = clean_env(HUBSYNC_HUBSPOT_TOKEN=CANARY, **{name: value})

    done = hubsync("plan", "--full", env=env, cwd=tmp_path)

    assert done.returncode == 2, done.stderr
    assert assert_one_line_no_traceback(done.stderr).startswith(f"hubsync: {name} is invalid")


def test_the_demo_names_an_invalid_log_level(tmp_path: Path) -> None:
    done = hubsync("demo", env=clean_env(HUBSYNC_LOG_LEVEL="verbose"), cwd=tmp_path)

    assert done.returncode == 2
    line = assert_one_line_no_traceback(done.stderr)
    assert line.startswith("hubsync: HUBSYNC_LOG_LEVEL is invalid")


@pytest.mark.parametrize(
    ("name", "command"),
    [("HUBSYNC_HUBSPOT_BASE_URL", ("schema", "check")), ("HUBSYNC_DYNAMO_ENDPOINT_URL", ("plan",))],
)
def test_https_to_a_plain_http_server_says_which_url_and_why(
    world: World, tmp_path: Path, name: str, command: tuple[str, ...]
) -> None:
    env = clean_env(**world.env())
    env[name] = env[name].replace("http://", "https://")

    started = time.monotonic()
    done = hubsync(*command, env=env, cwd=tmp_path)

    assert done.returncode == 1
    line = assert_one_line_no_traceback(done.stderr)
    assert name in line and env[name] in line
    assert "http://" in line and "TLS" in line
    assert time.monotonic() - started < 30, "a TLS mismatch is not retried like a lost connection"


def test_a_dotenv_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"HUBSYNC_HUBSPOT_TOKEN=t0ken\nHUBSYNC_LOG_LEVEL=\xff\xfe\n")

    done = hubsync("plan", env=clean_env(), cwd=tmp_path)

    assert done.returncode == 2
    line = assert_one_line_no_traceback(done.stderr)
    assert str(tmp_path / ".env") in line and "UTF-8" in line


def test_an_unknown_aws_profile_is_named(world: World, tmp_path: Path) -> None:
    env = clean_env(**world.env(), AWS_PROFILE="no-such-profile")
    env["AWS_CONFIG_FILE"] = str(tmp_path / "aws-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "aws-credentials")

    done = hubsync("plan", env=env, cwd=tmp_path)

    assert done.returncode == 2
    line = assert_one_line_no_traceback(done.stderr)
    assert "AWS_PROFILE" in line and "no-such-profile" in line


@pytest.mark.parametrize("name", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
def test_an_aws_key_with_a_line_break_is_named_not_shown(
    world: World, tmp_path: Path, name: str
) -> None:
    env = clean_env(**world.env())
    env[name] = f"{CANARY}\n"

    done = hubsync("plan", env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert name in assert_one_line_no_traceback(done.stderr)
    assert_never_printed(CANARY, done)


def test_an_invalid_aws_region_is_named(world: World, tmp_path: Path) -> None:
    env = clean_env(**world.env(), AWS_DEFAULT_REGION="us east 1")

    done = hubsync("plan", env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert "AWS_DEFAULT_REGION" in assert_one_line_no_traceback(done.stderr)


def test_a_misspelt_setting_is_a_warning_naming_the_real_one(world: World, tmp_path: Path) -> None:
    env = clean_env(**world.env(), HUBSYNC_SCAN_SEGMNETS="4", HUBSYNC_LOG_FORMAT="json")
    (tmp_path / ".env").write_text("HUBSYNC_HUBSPOT_TIMEOUT=10\nHUBSYNC_NOTHING_LIKE_IT=1\n")

    done = hubsync("schema", "check", env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    warnings = [json.loads(line) for line in done.stderr.splitlines()]
    by_name = {w["variable"]: w for w in warnings if w["level"] == "warning"}
    assert by_name["HUBSYNC_SCAN_SEGMNETS"]["did_you_mean"] == "HUBSYNC_SCAN_SEGMENTS"
    assert by_name["HUBSYNC_HUBSPOT_TIMEOUT"]["did_you_mean"] == "HUBSYNC_HUBSPOT_TIMEOUT_S"
    assert by_name["HUBSYNC_NOTHING_LIKE_IT"]["did_you_mean"] is None
    assert len(by_name) == 3


def test_a_misspelt_required_setting_is_named_in_the_error(tmp_path: Path) -> None:
    done = hubsync("plan", env=clean_env(HUBSYNC_HUBSPOT_TOKNE="t0ken"), cwd=tmp_path)

    assert done.returncode == 2
    line = assert_one_line_no_traceback(done.stderr)
    assert "HUBSYNC_HUBSPOT_TOKEN is not set" in line and "HUBSYNC_HUBSPOT_TOKNE" in line
    assert "t0ken" not in done.stderr


# -- the first minutes -----------------------------------------------------------------------


@pytest.mark.parametrize("create", ["true", "false"])
@pytest.mark.parametrize("command", [("plan",), ("sync", "--dry-run")])
def test_the_first_dry_run_needs_no_state_table_and_creates_none(
    world: World, tmp_path: Path, create: str, command: tuple[str, ...]
) -> None:
    world.put(channel_item(101), channel_item(102))
    world.add_lead("creator101@example.com")
    new_table = f"{world.tables.state}_first"
    env = clean_env(**world.env())
    env.update(HUBSYNC_STATE_TABLE=new_table, HUBSYNC_CREATE_STATE_TABLE=create)

    done = hubsync(*command, "--json", env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["mode"], report["created"], report["updated"]) == ("full", 1, 1)
    assert new_table not in world.tables.client.list_tables()["TableNames"]
    assert all(c["properties"].get(KEY) is None for c in world.contacts())


def test_the_first_sync_creates_the_state_table_when_allowed(world: World, tmp_path: Path) -> None:
    world.put(channel_item(101))
    new_table = f"{world.tables.state}_first"
    env = clean_env(**world.env())
    env["HUBSYNC_STATE_TABLE"] = new_table
    client = world.tables.client

    refused = hubsync("sync", env=env, cwd=tmp_path)
    env["HUBSYNC_CREATE_STATE_TABLE"] = "true"
    try:
        done = hubsync("sync", env=env, cwd=tmp_path)
        links = StateStore(client, new_table).load_links()
    finally:
        if new_table in client.list_tables()["TableNames"]:
            client.delete_table(TableName=new_table)

    assert refused.returncode == 1
    assert "HUBSYNC_CREATE_STATE_TABLE=true" in assert_one_line_no_traceback(refused.stderr)
    assert done.returncode == 0, done.stderr
    assert set(links) == {101}


@pytest.mark.parametrize(
    ("stop", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"]
)
def test_stopped_mid_run_says_so_and_the_next_run_finishes(
    world: World, tmp_path: Path, stop: signal.Signals, code: int
) -> None:
    count = 300
    world.put(*(channel_item(10_000 + n) for n in range(count)))
    world.hubspot.config.latency_s = 0.3
    env = clean_env(**world.env(), HUBSYNC_LOG_FORMAT="json")
    process = subprocess.Popen(
        [sys.executable, "-m", "hubsync", "sync"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        # The sandbox holds a batch's contacts before hubsync has its answer: at 200, the
        # first batch is confirmed and saved, and the second is awaiting its answer.
        while len(world.contacts()) < 200 and time.monotonic() < deadline:
            time.sleep(0.02)
        written_before_interrupt = len(world.contacts())
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    assert 200 <= written_before_interrupt < count, "the interrupt must land mid-run"
    assert process.returncode == code
    lines = [line for line in stderr.splitlines() if line.startswith("hubsync:")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert "interrupted" in lines[0] and "saved" in lines[0] and "next run" in lines[0]
    saved = StateStore(world.tables.client, world.tables.state).load_links()
    assert len(saved) >= 100, "each batch HubSpot confirmed is remembered at once"

    world.hubspot.config.latency_s = 0
    finished = hubsync("sync", "--json", env=env, cwd=tmp_path)

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["failed"] == 0
    assert len(world.contacts()) == count
    world.assert_no_duplicates()


def test_ctrl_c_while_the_channels_are_scanned_does_not_wait_for_the_scan(
    world: World, tmp_path: Path
) -> None:
    world.put(*(channel_item(10_000 + n) for n in range(4000)))  # several seconds of scan
    env = clean_env(**world.env(), HUBSYNC_LOG_FORMAT="json")
    process = subprocess.Popen(
        [sys.executable, "-m", "hubsync", "sync"],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        events = [json.loads(process.stderr.readline())["event"]]
        assert events == ["run started"]
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        rest = process.stderr.read()
        process.wait(timeout=60)
        exited_after_s = time.monotonic() - interrupted
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 130
    assert rest.strip().startswith("hubsync: interrupted"), rest
    assert exited_after_s < 3
