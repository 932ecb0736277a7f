"""Contract: the official Kubernetes Python client, typed and dynamic, works against the stand-in."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException

from tests.conftest import Server
from tests.sandbox.widgets import WIDGET_CRD
from tests.waiting import eventually


@pytest.fixture
def api_client(apiserver: Server, tmp_path: Path) -> Iterator[client.ApiClient]:
    path = apiserver.write_kubeconfig(tmp_path / "kubeconfig")
    with config.new_client_from_config(config_file=str(path)) as api:
        yield api


def test_typed_core_and_apps_apis(api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(api_client)
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cfg", labels={"a": "b"}), data={"k": "v"})
    created = core.create_namespaced_config_map("default", body)
    assert created.metadata.uid and created.data == {"k": "v"}
    patched = core.patch_namespaced_config_map("cfg", "default", {"data": {"k2": "v2"}})
    assert patched.data == {"k": "v", "k2": "v2"}
    assert [c.metadata.name for c in core.list_namespaced_config_map("default", label_selector="a=b").items] == ["cfg"]
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_config_map("nope", "default")
    assert missing.value.status == 404
    with pytest.raises(ApiException) as duplicate:
        core.create_namespaced_config_map("default", body)
    assert duplicate.value.status == 409
    apps = client.AppsV1Api(api_client)
    deployment = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1DeploymentSpec(
            selector=client.V1LabelSelector(match_labels={"app": "web"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "web"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="main", image="nginx:1")]),
            ),
        ),
    )
    made = apps.create_namespaced_deployment("default", deployment)
    assert made.metadata.generation == 1 and made.spec.replicas == 1
    core.delete_namespaced_config_map("cfg", "default")
    left = [c.metadata.name for c in core.list_namespaced_config_map("default").items]
    assert left in ([], ["kube-root-ca.crt"])  # a real namespace holds its root CA


def test_typed_watch_stream(api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a")))
    events = []
    stream = watch.Watch().stream(
        core.list_namespaced_config_map, "default", field_selector="metadata.name=a", timeout_seconds=1
    )
    for event in stream:
        events.append((event["type"], event["object"].metadata.name))
    assert events == [("ADDED", "a")]


def test_dynamic_client_with_a_custom_resource(api_client: client.ApiClient) -> None:
    dyn = dynamic.DynamicClient(api_client)
    crds = dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    crds.create(body=copy.deepcopy(WIDGET_CRD))
    eventually(
        lambda: any(
            c.type == "Established" and c.status == "True"
            for c in crds.get(name="widgets.example.com").status.conditions or []
        )
    )
    dyn = dynamic.DynamicClient(api_client)  # fresh discovery, as a client started after the CRD would
    widgets = dyn.resources.get(api_version="example.com/v1", kind="Widget")
    created = widgets.create(
        namespace="default",
        body={"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 2}},
    )
    assert created.spec.color == "red"
    widgets.status.patch(
        namespace="default", name="w", body={"status": {"phase": "Ready"}}, content_type="application/merge-patch+json"
    )
    assert widgets.get(namespace="default", name="w").status.phase == "Ready"
    applied = widgets.server_side_apply(
        namespace="default",
        body={"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 5}},
        field_manager="tests",
        force_conflicts=True,
    )
    assert applied.spec.size == 5
