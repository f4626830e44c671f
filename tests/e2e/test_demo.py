"""`hubsync demo` and `hubsync sandbox` as a user runs them."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request

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
    assert "HubSpot calls: 1 (1 reads, 0 writes" in second  # the preflight
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
        settings = dict(line.split("=", 1) for line in lines if line.startswith("HUBSYNC_"))
        request = urllib.request.Request(
            f"{settings['HUBSYNC_HUBSPOT_BASE_URL']}/_sandbox/contacts",
            headers={"Authorization": f"Bearer {settings['HUBSYNC_HUBSPOT_TOKEN']}"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            contacts = json.load(answer)
        assert len(contacts) > 0  # the seeded leads
        assert settings["HUBSYNC_DYNAMO_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Stopped." in out
