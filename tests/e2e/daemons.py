"""Daemons as ops run them: `hubsync run` in subprocesses, on free ports, with their JSON
log lines read back, and killed on teardown whatever the test did."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.world import World, clean_env

ADMIN_TOKEN = "admin-token-0123456789abcdef"
FAST = {
    "HUBSYNC_SYNC_INTERVAL_SECONDS": "1",
    "HUBSYNC_LEASE_TTL_SECONDS": "3",
    "HUBSYNC_REQUEST_POLL_SECONDS": "0.5",
    "HUBSYNC_SHUTDOWN_GRACE_SECONDS": "20",
    "HUBSYNC_HUBSPOT_RETRY_ATTEMPTS": "2",
    "HUBSYNC_HUBSPOT_RETRY_MAX_S": "2",
    "HUBSYNC_LOG_FORMAT": "json",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class DaemonProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def logs(self) -> list[dict[str, Any]]:
        events = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
        return events

    def events(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.logs() if e.get("event") == name]

    def wait_for(self, name: str, timeout_s: float = 30, count: int = 1) -> dict[str, Any]:
        found = wait_until(lambda: len(self.events(name)) >= count, timeout_s, self.describe)
        assert found
        return self.events(name)[count - 1]

    def http(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        timeout_s: float = 30,
    ) -> Answer:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data, method=method
        )
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as answer:
                return Answer(answer.status, answer.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.read())

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait_exit(self, timeout_s: float) -> int:
        return self.process.wait(timeout=timeout_s)

    def describe(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def wait_until(
    condition: Callable[[], object], timeout_s: float, describe: Callable[[], str] = str
) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    raise AssertionError(f"not met within {timeout_s} s:\n{describe()}")


class Daemons:
    def __init__(self, world: World, tmp_path: Path) -> None:
        self.world = world
        self.tmp_path = tmp_path
        self.started: list[DaemonProcess] = []

    def env(self, **settings: str) -> dict[str, str]:
        return clean_env(**{**self.world.env(), **FAST, **settings})

    def start(self, wait: bool = True, **settings: str) -> DaemonProcess:
        port = free_port()
        env = self.env(
            **{"HUBSYNC_ADMIN_PORT": str(port), "HUBSYNC_ADMIN_TOKEN": ADMIN_TOKEN, **settings}
        )
        log_path = self.tmp_path / f"daemon-{len(self.started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "hubsync", "run"],
                env=env,
                cwd=self.tmp_path,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        daemon = DaemonProcess(process, port, log_path, env)
        self.started.append(daemon)
        if wait:
            daemon.wait_for("daemon started")
        return daemon

    def hubsync(
        self, *args: str, timeout_s: float = 120, **settings: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hubsync", *args],
            env=self.env(**settings),
            cwd=self.tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )

    def kill_all(self) -> None:
        for daemon in self.started:
            if daemon.process.poll() is None:
                os.kill(daemon.process.pid, signal.SIGKILL)
                daemon.process.wait(timeout=10)
