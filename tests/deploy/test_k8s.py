"""deploy/k8s: valid for a current Kubernetes, consistent with itself and with the image,
locked down, and with no secret in it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.dockerfile import image_user
from tests.deploy.settings_names import unknown_settings

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
KUBERNETES_VERSION = "1.37.0"
VALIDATE = Path(sys.executable).parent / "kubernetes-validate"
MANIFESTS = sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((K8S / name).read_text())
    return document


def by_kind() -> dict[str, dict[str, Any]]:
    return {document["kind"]: document for document in map(load, (p.name for p in MANIFESTS))}


def validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    command = [str(VALIDATE), "--strict", "--kubernetes-version", KUBERNETES_VERSION]
    return subprocess.run(
        [*command, *map(str, paths)], capture_output=True, text=True, timeout=300, check=False
    )


def container() -> dict[str, Any]:
    [only] = by_kind()["Deployment"]["spec"]["template"]["spec"]["containers"]
    return only


def test_kubernetes_validate_passes_every_manifest() -> None:
    done = validate(*MANIFESTS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("passed") == len(MANIFESTS)


def test_kubernetes_validate_would_find_a_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "deployment.yaml"
    broken.write_text((K8S / "deployment.yaml").read_text().replace("replicas: 2", "replicas: two"))
    assert validate(broken).returncode != 0


def test_kustomization_holds_every_manifest_but_the_secret_example() -> None:
    kustomization = load("kustomization.yaml")
    expected = {p.name for p in MANIFESTS} - {"secret.example.yaml"}
    assert set(kustomization["resources"]) == expected
    assert [image["name"] for image in kustomization["images"]] == [container()["image"]]


def test_two_replicas_probed_on_the_admin_port() -> None:
    deployment = by_kind()["Deployment"]
    assert deployment["spec"]["replicas"] == 2
    admin = {port["name"]: port["containerPort"] for port in container()["ports"]}["admin"]
    assert container()["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "admin"}
    assert container()["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "admin"}
    env = {e["name"]: e["value"] for e in container()["env"]}
    assert env["HUBSYNC_ADMIN_PORT"] == str(admin) and env["HUBSYNC_ADMIN_HOST"] == "0.0.0.0"
    [service_port] = by_kind()["Service"]["spec"]["ports"]
    assert service_port["targetPort"] == "admin"
    assert "command" not in container() and "args" not in container()  # the image's `run`


def test_the_pod_is_locked_down() -> None:
    pod = by_kind()["Deployment"]["spec"]["template"]["spec"]
    security = container()["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    uid, _, gid = image_user().partition(":")
    assert (pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]) == (
        int(uid),
        int(gid),
    )
    resources = container()["resources"]
    assert resources["requests"]["memory"] and resources["limits"]["memory"]


def test_the_names_the_deployment_uses_exist() -> None:
    kinds = by_kind()
    pod = kinds["Deployment"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == kinds["ServiceAccount"]["metadata"]["name"]
    sources = {next(iter(s)): s[next(iter(s))]["name"] for s in container()["envFrom"]}
    assert sources == {
        "configMapRef": kinds["ConfigMap"]["metadata"]["name"],
        "secretRef": kinds["Secret"]["metadata"]["name"],
    }
    labels = kinds["Deployment"]["spec"]["template"]["metadata"]["labels"]
    for selector in (
        kinds["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"],
        kinds["Service"]["spec"]["selector"],
    ):
        assert selector.items() <= labels.items()
    role = kinds["ServiceAccount"]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert role.startswith("arn:aws:iam::")


def test_the_tokens_are_in_the_secret_example_only_and_empty() -> None:
    kinds = by_kind()
    secret = kinds["Secret"]["stringData"]
    assert set(secret) == {"HUBSYNC_HUBSPOT_TOKEN", "HUBSYNC_ADMIN_TOKEN"}
    assert set(secret.values()) == {""}
    config = kinds["ConfigMap"]["data"]
    assert not [name for name in config if "TOKEN" in name or "SECRET" in name]
    names = [*config, *secret, *(e["name"] for e in container()["env"])]
    assert unknown_settings(names) == []
