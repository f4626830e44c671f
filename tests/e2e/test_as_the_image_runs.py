"""hubsync as the image runs it, without Docker: installed as deploy/Dockerfile installs it
(the hashed lock, then hubsync alone) on the system's Python, run as the image's user (UID
10001, not root) with the image's environment and its exact command, in a working directory
it cannot write to."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hubsync.state.lease import LeaseTable
from tests.deploy.dockerfile import image_command, image_environment, image_user
from tests.deploy.lockfile import LOCK, PROJECT_ROOT
from tests.deploy.prometheus_rules import rule_metric_names
from tests.e2e.daemons import free_port, wait_until
from tests.e2e.world import World, clean_env
from tests.unit.factories import channel_item

IMAGE_BIN = "/opt/hubsync/bin"
# The image's Python is a system one; this project's own may sit where other users cannot
# read it (a root-only home), so the image's user could not run it.
SYSTEM_PYTHON = "/usr/bin/python3"
EVERYONE_READS = 0o755


def _run(*command: str | Path, cwd: Path | None = None) -> None:
    subprocess.run(
        [str(part) for part in command], check=True, capture_output=True, timeout=600, cwd=cwd
    )


@pytest.fixture(scope="module")
def image_venv() -> Iterator[Path]:
    """The image's /opt/hubsync, built the way its build stage builds it."""
    root = Path(tempfile.mkdtemp(prefix="hubsync-image-"))
    root.chmod(EVERYONE_READS)
    source = root / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, source / name)
    shutil.copytree(PROJECT_ROOT / "hubsync", source / "hubsync")
    venv = root / "venv"
    _run(SYSTEM_PYTHON, "-m", "venv", venv)
    pip = venv / "bin" / "pip"
    _run(pip, "install", "--quiet", "--require-hashes", "--no-deps", "-r", LOCK)
    _run(pip, "install", "--quiet", "--no-deps", source)
    yield venv
    shutil.rmtree(root)


@pytest.fixture
def read_only_directory() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="hubsync-ro-"))
    path.chmod(0o555)
    yield path
    shutil.rmtree(path)


def as_the_image_user() -> dict[str, Any]:
    """subprocess arguments that run as the image's user when the tests run as root;
    otherwise they already run as a user that is not root."""
    if os.geteuid() != 0:
        return {}
    uid, _, gid = image_user().partition(":")
    return {"user": int(uid), "group": int(gid), "extra_groups": []}


def image_env(world: World, venv: Path) -> dict[str, str]:
    env = {
        name: value.replace(IMAGE_BIN, str(venv / "bin")).replace("$PATH", os.environ["PATH"])
        for name, value in image_environment().items()
    }
    return clean_env(**env, **world.env(), HOME="/nonexistent")


def test_the_installed_image_has_no_sandbox_and_nothing_broken(image_venv: Path) -> None:
    python = image_venv / "bin" / "python"
    _run(python, "-m", "pip", "check")
    missing = subprocess.run(
        [str(python), "-c", "import hubsync_sandbox"], capture_output=True, check=False
    )
    assert missing.returncode != 0
    whoami = subprocess.run(
        [str(python), "-c", "import os; print(os.geteuid())"],
        capture_output=True,
        text=True,
        check=True,
        **as_the_image_user(),
    )
    assert whoami.stdout.strip() != "0"


def test_a_sync_runs_as_the_image_user_in_a_read_only_directory(
    world: World, image_venv: Path, read_only_directory: Path
) -> None:
    world.put(*(channel_item(100 + n) for n in range(5)))

    done = subprocess.run(
        ["hubsync", "sync", "--json"],
        env=image_env(world, image_venv),
        cwd=read_only_directory,
        **as_the_image_user(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] == 5
    assert len(world.contacts()) == 5
    logged = [json.loads(line) for line in done.stderr.splitlines()]  # JSON lines, as set
    assert any(event.get("event") == "run finished" for event in logged)
    assert list(read_only_directory.iterdir()) == []


def _get(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
        return bytes(answer.read())


def _served_metric_names(text: str) -> set[str]:
    """Each family as PromQL selects it: a counter by its `_total` series, a histogram by
    its own name (as `rule_metric_names` reads the rules)."""
    return {
        f"{family.name}_total" if family.type == "counter" else family.name
        for family in text_string_to_metric_families(text)
    }


def test_the_image_command_starts_syncs_serves_its_probes_and_stops_on_sigterm(
    world: World, image_venv: Path, read_only_directory: Path, tmp_path: Path
) -> None:
    world.put(*(channel_item(100 + n) for n in range(5)))
    port = free_port()
    env = {**image_env(world, image_venv), "HUBSYNC_ADMIN_PORT": str(port)}
    log_path = tmp_path / "daemon.log"
    with log_path.open("wb") as log:
        daemon = subprocess.Popen(
            image_command(),
            env=env,
            cwd=read_only_directory,
            **as_the_image_user(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:

        def healthy() -> bool:  # the image's HEALTHCHECK, as Docker would run it
            check = subprocess.run(
                ["hubsync", "health"], env=env, capture_output=True, timeout=30, check=False
            )
            return check.returncode == 0

        wait_until(healthy, 60, log_path.read_text)
        wait_until(lambda: len(world.contacts()) == 5, 60, log_path.read_text)
        wait_until(lambda: _get(port, "/readyz"), 30, log_path.read_text)
        lease = LeaseTable(world.tables.client, world.tables.state).read()
        assert lease.holder is not None and lease.holder.pid == daemon.pid
        metrics = _get(port, "/metrics").decode()
        assert rule_metric_names() <= _served_metric_names(metrics)

        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0, log_path.read_text()
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait(timeout=10)

    assert LeaseTable(world.tables.client, world.tables.state).read().holder is None
    assert len(world.contacts()) == 5
    assert list(read_only_directory.iterdir()) == []
