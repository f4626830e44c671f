"""deploy/Dockerfile: hadolint-clean, non-root with a fixed UID, the daemon by default, a
health check through hubsync itself, the locked dependencies, and nothing else inside."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.deploy.dockerfile import (
    DOCKERFILE,
    default_target,
    image_command,
    image_environment,
    image_user,
    lineage,
    stage,
    stages,
)
from tests.deploy.settings_names import unknown_settings

PROJECT_ROOT = DOCKERFILE.parents[1]
HADOLINT = Path(sys.executable).parent / "hadolint"
SECRET_WORDS = re.compile(r"TOKEN|SECRET|PASSWORD|ACCESS_KEY|CREDENTIAL", re.IGNORECASE)


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HADOLINT), "--no-color", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_hadolint_finds_nothing() -> None:
    done = hadolint(DOCKERFILE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_would_find_a_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "Dockerfile"
    broken.write_text(DOCKERFILE.read_text().replace("USER 10001:10001", "USER root"))
    done = hadolint(broken)
    assert done.returncode != 0 and "DL3002" in done.stdout  # last USER should not be root


def test_the_default_image_runs_the_daemon_with_its_health_check() -> None:
    runtime = default_target()
    assert runtime.name == "runtime"
    assert image_command() == ["hubsync", "run"]
    healthcheck = runtime.last("HEALTHCHECK") or ""
    assert healthcheck.endswith('CMD ["hubsync", "health"]'), healthcheck
    assert image_environment()["HUBSYNC_ADMIN_HOST"] == "0.0.0.0"
    assert unknown_settings(image_environment()) == []
    assert runtime.all("EXPOSE") == [image_environment()["HUBSYNC_ADMIN_PORT"]]


def test_it_runs_as_a_fixed_non_root_uid() -> None:
    uid, _, gid = image_user().partition(":")
    assert uid.isdigit() and int(uid) >= 1000 and gid.isdigit()
    assert f"--uid {uid}" in " ".join(stage("base").all("RUN"))


def test_it_is_multi_stage_on_a_slim_python_and_installs_the_lock_with_hashes() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.11-slim", text)
    assert len(stages()) >= 3
    installs = " ".join(stage("build").all("RUN"))
    assert "--require-hashes --no-deps -r /tmp/requirements.lock" in installs
    assert "pip install --no-deps /src" in installs


def test_the_default_image_carries_no_sandbox_no_dev_tool_no_curl_and_no_secret() -> None:
    chain = lineage(default_target())
    copied_from = {
        match
        for built in chain
        for rest in built.all("COPY")
        for match in re.findall(r"--from=(\S+)", rest)
    }
    assert copied_from == {"build"}
    sources = [*chain, *lineage(stage("build"))]
    everything = " ".join(rest for built in sources for _, rest in built.instructions)
    assert "sandbox" not in everything and "[dev]" not in everything
    assert not re.search(r"\b(curl|wget)\b", DOCKERFILE.read_text())
    for built in stages():
        for rest in built.all("ENV") + built.all("ARG"):
            assert not SECRET_WORDS.search(rest), rest
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".venv" in ignored
