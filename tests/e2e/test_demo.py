"""`hubsync demo` and `hubsync sandbox` as a user runs them."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pytest

from tests.e2e.world import clean_env


def test_demo_first_run_works_second_run_writes_nothing(tmp_path, sandbox_aws) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hubsync", "demo", "--channels", "120"],
        env=clean_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr
    first, second = done.stdout.split("Second run")
    assert re.search(r"contacts: [1-9]\d* created", first)
    assert "contacts: 0 created, 0 updated" in second
    # The preflight and the marketing-contact count.
    assert "HubSpot calls: 2 (2 reads, 0 writes" in second
    assert "result: completed" in second


def test_sandbox_serves_until_interrupted(tmp_path, sandbox_aws) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hubsync",
            "sandbox",
            "--hubspot-port",
            "0",
            "--dynamo-port",
            "0",
            "--seed",
            "30",
        ],
        env=clean_env(),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.strip())
            if "Ctrl-C" in line:
                break
        exported = [line.removeprefix("export ") for line in lines if line.startswith("export ")]
        settings = dict(line.split("=", 1) for line in exported)
        request = urllib.request.Request(
            f"{settings['HUBSYNC_HUBSPOT_BASE_URL']}/_sandbox/contacts",
            headers={"Authorization": f"Bearer {settings['HUBSYNC_HUBSPOT_TOKEN']}"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            contacts = json.load(answer)
        assert len(contacts) > 0  # the seeded leads
        assert settings["HUBSYNC_DYNAMO_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        # What it prints is all a user needs: the first steps of the README then work.
        for step in (["schema", "apply"], ["plan"]):
            done = subprocess.run(
                [sys.executable, "-m", "hubsync", *step],
                env={**clean_env(), **settings},
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Stopped." in out


def run_hubsync(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hubsync", *args],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port some other program listens on."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


@pytest.mark.parametrize("option", ["--hubspot-port", "--dynamo-port"])
def test_sandbox_on_a_taken_port_exits_1_saying_how_to_choose_another(
    tmp_path, sandbox_aws, taken_port: int, option: str
) -> None:
    other = "--dynamo-port" if option == "--hubspot-port" else "--hubspot-port"

    done = run_hubsync("sandbox", option, str(taken_port), other, "0")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    line = done.stderr.strip()
    assert line.startswith("hubsync: ") and "\n" not in line, done.stderr
    assert str(taken_port) in line and option in line and "already in use" in line


@pytest.mark.parametrize(
    "args",
    [
        ["sandbox", "--hubspot-port", "99999"],
        ["sandbox", "--dynamo-port", "-1"],
        ["sandbox", "--seed", "-5"],
        ["demo", "--channels", "-5"],
        ["demo", "--channels", "0"],
    ],
)
def test_sandbox_and_demo_numbers_out_of_range_are_usage_errors(args: list[str]) -> None:
    done = run_hubsync(*args)

    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert f"Invalid value for '{args[1]}'" in done.stderr


# Runs hubsync as an install without the sandbox distribution would: importing it fails.
_WITHOUT_SANDBOX = (
    "import sys; sys.modules['hubsync_sandbox'] = None; "
    "from hubsync.cli import main; main(sys.argv[1:])"
)


@pytest.mark.parametrize("command", [["demo"], ["sandbox", "--seed", "5"]])
def test_sandbox_commands_without_the_sandbox_installed_say_how_to_install_it(
    command: list[str],
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_SANDBOX, *command],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # one line, no traceback
    assert "needs hubsync_sandbox, which is not installed" in lines[0]
    assert "pip install ./sandbox '.[sandbox]'" in lines[0]
