"""Contract: real kubectl against the stand-in.

kubectl is the reference client users will point at us: every command the operator's docs and
tests rely on must behave as it does against a real cluster ("kubectl reference",
kubernetes.io/docs/reference/kubectl/).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml

from agentops_sandbox.standin import ThreadedApiServer
from tests.conftest import Kubectl
from tests.sandbox.rest import CM, deployment, ok
from tests.sandbox.widgets import WIDGET_CRD

MANIFEST = yaml.safe_dump_all(
    [
        deployment("web", replicas=2),
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", "labels": {"tier": "web"}},
            "data": {"a": "1"},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        },
    ]
)
WIDGET = yaml.safe_dump(
    {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}}
)


def test_apply_get_and_reapply(kubectl: Kubectl) -> None:
    out = kubectl("apply", "-f", "-", input=MANIFEST).stdout
    assert "deployment.apps/web created" in out and "configmap/settings created" in out
    again = kubectl("apply", "-f", "-", input=MANIFEST).stdout
    assert "deployment.apps/web unchanged" in again
    changed = kubectl("apply", "-f", "-", input=MANIFEST.replace("replicas: 2", "replicas: 4")).stdout
    assert "deployment.apps/web configured" in changed
    assert kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}").stdout == "4"
    table = kubectl("get", "deployments").stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert kubectl("get", "cm", "-l", "tier=web", "-o", "name").stdout.split() == ["configmap/settings"]
    assert kubectl("get", "cm", "-l", "tier=db", "-o", "name").stdout.strip() == ""


def test_apply_server_side_and_conflict(kubectl: Kubectl) -> None:
    assert "serverside-applied" in kubectl("apply", "--server-side", "-f", "-", input=MANIFEST).stdout
    kubectl("patch", "deploy", "web", "-p", '{"spec":{"replicas":7}}')
    conflict = kubectl("apply", "--server-side", "-f", "-", input=MANIFEST, check=False)
    assert conflict.returncode != 0 and 'conflict with "kubectl-patch"' in conflict.stderr
    kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", input=MANIFEST)
    assert kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}").stdout == "2"


def test_patch_types(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=MANIFEST)
    kubectl(
        "patch",
        "deploy",
        "web",
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"nginx:2"}]}}}}',
    )
    kubectl("patch", "cm", "settings", "--type=merge", "-p", '{"data":{"b":"2"}}')
    kubectl("patch", "cm", "settings", "--type=json", "-p", '[{"op":"remove","path":"/data/a"}]')
    assert (
        kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}").stdout == "nginx:2"
    )
    assert kubectl("get", "cm", "settings", "-o", "jsonpath={.data}").stdout == '{"b":"2"}'


def test_custom_resource_columns_short_names_categories_and_explain(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=yaml.safe_dump(WIDGET_CRD))
    kubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=10s")
    kubectl("apply", "-f", "-", input=WIDGET)
    header, row = kubectl("get", "widgets").stdout.splitlines()
    assert header.split() == ["NAME", "SIZE", "READY", "AGE"]
    assert row.split()[:2] == ["w1", "3"]
    assert kubectl("get", "wd", "-o", "name").stdout.strip() == "widget.example.com/w1"
    assert kubectl("get", "gadgets", "-o", "name").stdout.strip() == "widget.example.com/w1"
    explained = kubectl("explain", "widgets.spec.size").stdout
    assert "How big." in explained
    resources = kubectl("api-resources", "--api-group=example.com").stdout
    assert "widgets" in resources and "wd" in resources and "Widget" in resources


def test_invalid_custom_resource_is_rejected_with_the_field(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=yaml.safe_dump(WIDGET_CRD))
    bad = kubectl("apply", "-f", "-", input=WIDGET.replace("size: 3", "size: 500"), check=False)
    assert bad.returncode != 0
    assert "spec.size: Invalid value: 500: spec.size in body should be less than or equal to 100" in bad.stderr
    unknown = kubectl("apply", "-f", "-", input=WIDGET.replace("size: 3", "size: 3\n  sise: 4"), check=False)
    assert unknown.returncode != 0 and 'unknown field "spec.sise"' in unknown.stderr


def test_wait_for_condition(kubectl: Kubectl, api: httpx.Client) -> None:
    kubectl("apply", "-f", "-", input=yaml.safe_dump(WIDGET_CRD))
    kubectl("apply", "-f", "-", input=WIDGET)
    waiting = subprocess.Popen(
        [*kubectl.argv, "wait", "--for=condition=Ready", "widget/w1", "--timeout=20s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    assert waiting.poll() is None
    ok(
        api.patch(
            "/apis/example.com/v1/namespaces/default/widgets/w1/status",
            json={"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
            headers={"Content-Type": "application/merge-patch+json"},
        )
    )
    out, err = waiting.communicate(timeout=20)
    assert waiting.returncode == 0, err
    assert "condition met" in out


def test_get_watch_prints_changes(kubectl: Kubectl, api: httpx.Client) -> None:
    kubectl("apply", "-f", "-", input=MANIFEST)
    watcher = subprocess.Popen(
        [*kubectl.argv, "get", "cm", "-w", "--no-headers"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert watcher.stdout is not None
    names: list[str] = []
    try:
        while "settings" not in names:  # the initial list is printed: the watch is open
            names.append(watcher.stdout.readline().split()[0])
        ok(
            api.post(
                CM, json={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "late"}, "data": {"x": "1"}}
            )
        )
        while "late" not in names:
            names.append(watcher.stdout.readline().split()[0])
    finally:
        watcher.terminate()
        watcher.communicate(timeout=10)
    assert "settings" in names and "late" in names


def test_delete_waits_for_finalizers_and_garbage_collection(kubectl: Kubectl, api: httpx.Client) -> None:
    kubectl("apply", "-f", "-", input=MANIFEST)
    out = kubectl("delete", "-f", "-", input=MANIFEST).stdout
    assert 'deployment.apps "web" deleted' in out
    left = kubectl("get", "deploy/web", "cm/settings", "svc/web", "--ignore-not-found", "-o", "name")
    assert left.stdout.strip() == ""


def test_namespaces_and_kubectl_config(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "team", check=False)  # protobuf body: 415, documented
    kubectl(
        "apply",
        "-f",
        "-",
        input=yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}),
    )
    kubectl("apply", "-n", "team", "-f", "-", input=MANIFEST)
    assert "settings" in kubectl("get", "cm", "-A").stdout
    kubectl("delete", "namespace", "team", "--timeout=20s")
    assert "team" not in kubectl("get", "ns", "-o", "name").stdout


@pytest.mark.standin_only  # the stand-in does not decode protobuf (a documented divergence)
def test_protobuf_requests_get_a_clear_415(kubectl: Kubectl) -> None:
    result = kubectl("create", "configmap", "x", "--from-literal=a=b", check=False)
    assert result.returncode != 0 and "does not decode protobuf" in result.stderr


def test_threaded_server_writes_a_usable_kubeconfig(tmp_path: Path) -> None:
    with ThreadedApiServer() as server:
        config = yaml.safe_load(server.write_kubeconfig(tmp_path / "kc").read_text())
        assert config["clusters"][0]["cluster"]["server"] == server.url
        assert server.url.startswith("http://127.0.0.1:")
