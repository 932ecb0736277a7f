"""The Helm chart, rendered and linted by the real Helm engine (helm-python-sdk), its manifests
checked with kubernetes-validate, applied to the API stand-in with kubectl, and its RBAC checked
against the requests the operator really makes."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from tests.chart.rendering import CHART, KUBE_VERSION, ROOT, by_kind, granted, render
from tests.conftest import Kubectl


def test_lint_has_no_errors_or_warnings() -> None:
    report = helm.lint(str(CHART), strict=True)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_rendered_manifests_validate_against_kubernetes_schemas() -> None:
    for values in ({}, {"watchNamespaces": ["team-a", "team-b"]}):
        for doc in render(values):
            kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)


def test_operator_deployment_is_locked_down() -> None:
    (deployment,) = by_kind(render(), "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz" and container["readinessProbe"]
    assert "--log-format=json" in container["args"] and container["args"][0] == "run"
    assert by_kind(render(), "Service")[0]["spec"]["ports"][0]["name"] == "metrics"


def test_crds_ship_with_the_chart() -> None:
    chart = helm.Chart.load(str(CHART))
    names = [Path(c["name"]).name for c in chart.crds]
    assert sorted(names) == [
        "agentdeployments.agentops.dev.yaml",
        "agentevaluations.agentops.dev.yaml",
        "agentincidents.agentops.dev.yaml",
    ]


def _args(docs: list[dict[str, Any]]) -> list[str]:
    (deployment,) = by_kind(docs, "Deployment")
    args: list[str] = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    return args


def _bindings(docs: list[dict[str, Any]], role: str) -> list[str]:
    """Where the `agentops-agentops-operator-<role>` ClusterRole is bound: namespaces, or "*" for all."""
    return sorted(
        b["metadata"].get("namespace", "*")
        for b in docs
        if b["kind"].endswith("RoleBinding") and b["roleRef"]["name"] == f"agentops-agentops-operator-{role}"
    )


def test_by_default_the_operator_manages_its_own_namespace_only() -> None:
    docs = render()
    assert [a for a in _args(docs) if a.startswith("--namespace")] == ["--namespace=agentops-system"]
    assert _bindings(docs, "agents") == ["agentops-system"]
    assert _bindings(docs, "notification-secrets") == ["agentops-system"]
    assert _bindings(docs, "cluster") == ["*"]  # only CRD discovery and the namespace list
    cluster_wide = granted([d for d in docs if d["kind"] in ("ClusterRole", "ClusterRoleBinding")])
    assert cluster_wide == {("apiextensions.k8s.io", "customresourcedefinitions", v) for v in ("list", "watch")} | {
        ("", "namespaces", v) for v in ("list", "watch")
    }
    routers = {r for _, r, _ in granted(docs)} & {"httproutes", "virtualservices"}
    assert routers == set(), "router rights are granted only when a router is enabled"


def test_namespaced_mode_binds_per_namespace() -> None:
    docs = render({"watchNamespaces": ["team-a", "team-b"]})
    assert _bindings(docs, "agents") == _bindings(docs, "notification-secrets") == ["team-a", "team-b"]
    assert {"--namespace=team-a", "--namespace=team-b"} <= set(_args(docs))
    assert (
        _bindings(
            render({"watchNamespaces": ["team-a"], "notifications": {"readSecrets": False}}), "notification-secrets"
        )
        == []
    )


def test_cluster_wide_mode_never_reads_secrets_cluster_wide() -> None:
    docs = render({"clusterWide": True, "notifications": {"secretNamespaces": ["team-a"]}})
    assert _bindings(docs, "agents") == ["*"] and not any(a.startswith("--namespace") for a in _args(docs))
    assert _bindings(docs, "notification-secrets") == ["team-a"]
    cluster_wide = granted([d for d in docs if d["kind"] in ("ClusterRole", "ClusterRoleBinding")])
    assert ("", "secrets", "get") not in cluster_wide
    with pytest.raises(helm.HelmError, match="leave watchNamespaces empty"):
        render({"clusterWide": True, "watchNamespaces": ["team-a"]})


@pytest.mark.parametrize(("router", "resource"), [("gatewayAPI", "httproutes"), ("istio", "virtualservices")])
def test_a_router_is_granted_when_enabled(router: str, resource: str) -> None:
    rights = granted(render({"trafficRouting": {router: True}}))
    assert {v for _, r, v in rights if r == resource} == {"get", "patch"}


def test_service_monitor_is_optional() -> None:
    assert by_kind(render(), "ServiceMonitor") == []
    (monitor,) = by_kind(
        render({"metrics": {"port": 9102, "serviceMonitor": {"enabled": True, "interval": "15s"}}}), "ServiceMonitor"
    )
    assert monitor["spec"]["endpoints"][0] == {"port": "metrics", "interval": "15s"}


def test_leader_election_for_more_replicas() -> None:
    (single,) = by_kind(render(), "Deployment")
    assert single["spec"]["replicas"] == 1 and single["spec"]["strategy"]["type"] == "Recreate"
    assert "--leader-election" not in single["spec"]["template"]["spec"]["containers"][0]["args"]
    docs = render({"replicaCount": 2, "leaderElection": {"enabled": True}})
    (deployment,) = by_kind(docs, "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert deployment["spec"]["replicas"] == 2 and "--leader-election" in container["args"]
    assert {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}} in container["env"]
    (role,) = by_kind(docs, "Role")
    assert role["metadata"]["namespace"] == "agentops-system"
    lease = {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"]}
    assert role["rules"] == [
        {**lease, "verbs": ["create"]},
        {**lease, "resourceNames": ["agentops-agentops-operator"], "verbs": ["get", "update"]},
    ]
    assert f"--leader-election-id={role['rules'][1]['resourceNames'][0]}" in container["args"]
    with pytest.raises(helm.HelmError, match=r"leaderElection\.enabled"):
        render({"replicaCount": 2})


def test_grafana_dashboard_is_optional_and_generated() -> None:
    dashboards = [c for c in by_kind(render(), "ConfigMap") if c["metadata"]["name"].endswith("-dashboard")]
    assert dashboards == []
    enabled = render({"grafana": {"dashboard": {"enabled": True, "namespace": "monitoring"}}})
    (dashboard,) = [c for c in by_kind(enabled, "ConfigMap") if c["metadata"]["name"].endswith("-dashboard")]
    assert (
        dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
        and dashboard["metadata"]["namespace"] == "monitoring"
    )
    committed = (CHART / "dashboards" / "agentops.json").read_text()
    assert json.loads(dashboard["data"]["agentops.json"]) == json.loads(committed)
    loaded = importlib.util.spec_from_file_location("grafana_dashboard", ROOT / "scripts" / "grafana_dashboard.py")
    assert loaded is not None and loaded.loader is not None
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    assert committed == module.render(), "stale: run `python scripts/grafana_dashboard.py --write`"


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"logFormat": "xml"}, id="bad-log-format"),
        pytest.param({"watchNamespaces": ["Not_A_Namespace"]}, id="bad-namespace"),
        pytest.param({"resyncSeconds": 0}, id="zero-resync"),
        pytest.param({"unknownKey": True}, id="unknown-key"),
    ],
)
def test_values_schema_rejects_mistakes(values: dict[str, Any]) -> None:
    chart = helm.Chart.load(str(CHART))
    with pytest.raises(helm.HelmError):
        chart.validate_schema(values)


@pytest.fixture
def rendered_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "rendered.yaml"
    path.write_text(yaml.safe_dump_all(render()))
    yield path


def test_rendered_chart_applies_to_the_api_stand_in(kubectl: Kubectl, rendered_file: Path) -> None:
    kubectl("apply", "-f", str(CHART / "crds"))
    kubectl(
        "apply",
        "-f",
        "-",
        input=yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "agentops-system"}}),
    )
    out = kubectl("apply", "-f", str(rendered_file)).stdout
    assert "deployment.apps/agentops-agentops-operator created" in out
    assert "clusterrole.rbac.authorization.k8s.io/agentops-agentops-operator-agents created" in out
