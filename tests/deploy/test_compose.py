"""deploy/docker-compose.yml (the local stack) and its production variant: consistent with
the image and with hubsync's settings; the production one bakes in nothing and reads .env."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.deploy.dockerfile import stages
from tests.deploy.settings_names import unknown_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def services(name: str) -> dict[str, dict[str, Any]]:
    compose: dict[str, dict[str, dict[str, Any]]] = yaml.safe_load((DEPLOY / name).read_text())
    return compose["services"]


def test_the_local_stack_is_seeded_stand_ins_bootstrap_then_the_daemon() -> None:
    local = services("docker-compose.yml")
    targets = {s.name for s in stages()}
    for name, service in local.items():
        target = service["build"].get("target", "runtime")
        assert target in targets, name
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert set(service.get("depends_on", {})) <= set(local), name
    for stand_in in ("dynamodb", "hubspot"):
        assert local[stand_in]["build"]["target"] == "sandbox"
        assert "--seed" in local[stand_in]["command"]
    assert local["schema"]["command"] == ["schema", "apply"]
    assert local["state"]["command"] == ["state", "create"]
    daemon = local["hubsync"]
    assert "command" not in daemon  # the image's own: `hubsync run`
    assert "target" not in daemon["build"]  # the default image, no sandbox in it
    assert {name: condition["condition"] for name, condition in daemon["depends_on"].items()} == {
        "schema": "service_completed_successfully",
        "state": "service_completed_successfully",
    }
    assert daemon["read_only"] is True and daemon["cap_drop"] == ["ALL"]
    environment = daemon["environment"]
    assert environment["HUBSYNC_HUBSPOT_BASE_URL"] == "http://hubspot:8099"
    assert environment["HUBSYNC_DYNAMO_ENDPOINT_URL"] == "http://dynamodb:8098"
    assert unknown_settings(environment) == []


def test_the_production_variant_reads_env_and_sets_no_setting_itself() -> None:
    [(name, service)] = services("docker-compose.prod.yml").items()
    assert name == "hubsync"
    assert service["env_file"] == ".env"
    assert "environment" not in service and "build" not in service
    assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
