"""The real control plane as a test server: the same surface the tests use on the API stand-in
(`url`, `write_kubeconfig`, `client`), and a reset between tests.

One control plane serves the whole session (it takes seconds to start); each test gets the
`default` namespace back as a fresh cluster has it. The reset deletes every namespaced object the
API lists there (found by discovery, so a new kind needs no change here) except what the
control plane itself keeps (the `kubernetes` Service and its endpoints, the `default`
ServiceAccount, the root CA ConfigMap), strips finalizers nobody will run once the operator under
test is stopped, and waits until the objects are gone, so the next test can reuse every name."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx

from agentops_sandbox.testing import LocalControlPlane
from tests.waiting import eventually

NAMESPACE = "default"
KEEP = {
    ("", "services", "kubernetes"),
    ("", "endpoints", "kubernetes"),
    ("discovery.k8s.io", "endpointslices", "kubernetes"),
    ("", "serviceaccounts", "default"),
    ("", "configmaps", "kube-root-ca.crt"),
}
SYSTEM_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease"}
# CRDs every test may use stay (re-creating them costs seconds per test); any other CRD a test made goes.
KEEP_CRDS = {
    "agentdeployments.agentops.dev",
    "agentincidents.agentops.dev",
    "agentevaluations.agentops.dev",
    "httproutes.gateway.networking.k8s.io",
    "virtualservices.networking.istio.io",
}
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


class RealServer:
    """A handle on the session's control plane for one test."""

    def __init__(self, control_plane: LocalControlPlane) -> None:
        self.control_plane = control_plane
        self.url = control_plane.url

    def write_kubeconfig(self, path: str | Path) -> Path:
        shutil.copyfile(self.control_plane.kubeconfig, path)
        return Path(path)

    def client(self, **kwargs: Any) -> httpx.Client:
        return self.control_plane.client(**kwargs)

    def reset(self, timeout: float = 60) -> None:
        with self.client(timeout=10) as api:
            collections = _namespaced_collections(api)
            for path in collections:
                keep = ",".join(f"metadata.name!={name}" for name in _kept(path))
                api.request(
                    "DELETE",
                    path,
                    params={"fieldSelector": keep} if keep else None,
                    json={"propagationPolicy": "Background", "gracePeriodSeconds": 0},
                )
            for namespace in _test_namespaces(api):
                api.delete(f"/api/v1/namespaces/{namespace}")
            for crd in _test_crds(api):
                api.delete(f"{CRDS}/{crd}")
            eventually(lambda: _finish_deletions(api, collections), timeout, "the cluster did not reset")
            for path in filter(_is_event, collections):  # the deletions above were recorded as Events
                api.request("DELETE", path)


def _finish_deletions(api: httpx.Client, collections: list[str]) -> bool:
    """True once nothing is left; else nudges what is left: strips finalizers from objects being
    deleted (their controller, the operator under test, is stopped) and deletes what is not."""
    left = _leftovers(api, collections)
    for path, obj in left:
        meta = obj["metadata"]
        if meta.get("finalizers") and meta.get("deletionTimestamp"):
            merge = {"Content-Type": "application/merge-patch+json"}
            api.patch(f"{path}/{meta['name']}", json={"metadata": {"finalizers": None}}, headers=merge)
        elif not meta.get("deletionTimestamp"):
            api.request("DELETE", f"{path}/{meta['name']}", json={"gracePeriodSeconds": 0})
    return not left


def _namespaced_collections(api: httpx.Client) -> list[str]:
    """Every namespaced resource in `default` that can be listed and deleted, by discovery."""
    bases = ["/api/v1"] + [f"/apis/{g['preferredVersion']['groupVersion']}" for g in api.get("/apis").json()["groups"]]
    paths = []
    for base in bases:
        response = api.get(base)
        if response.status_code != 200:  # a group whose last CRD was just deleted lingers in /apis for a moment
            continue
        for resource in response.json()["resources"]:
            verbs = set(resource.get("verbs", []))
            if resource["namespaced"] and "/" not in resource["name"] and {"list", "delete"} <= verbs:
                paths.append(f"{base}/namespaces/{NAMESPACE}/{resource['name']}")
    return paths


def _kept(path: str) -> list[str]:
    resource = path.rsplit("/", 1)[1]
    return [name for (group, kind, name) in KEEP if (group, kind) == (_group_of(path), resource)]


def _is_event(path: str) -> bool:
    return path.endswith("/events")


def _group_of(path: str) -> str:
    parts = path.split("/")
    return "" if parts[1] == "api" else parts[2]


def _leftovers(api: httpx.Client, collections: list[str]) -> list[tuple[str, dict[str, Any]]]:
    left = []
    for path in collections:
        if _is_event(path):
            continue
        response = api.get(path)
        if response.status_code != 200:
            continue
        for obj in response.json().get("items", []):
            if obj["metadata"]["name"] not in _kept(path):
                left.append((path, obj))
    for namespace in _test_namespaces(api):
        left.append(("/api/v1/namespaces", {"metadata": {"name": namespace, "deletionTimestamp": "pending"}}))
    for crd in _test_crds(api):
        left.append((CRDS, {"metadata": {"name": crd, "deletionTimestamp": "pending"}}))
    return left


def _test_crds(api: httpx.Client) -> list[str]:
    return [c["metadata"]["name"] for c in api.get(CRDS).json()["items"] if c["metadata"]["name"] not in KEEP_CRDS]


def _test_namespaces(api: httpx.Client) -> list[str]:
    items = api.get("/api/v1/namespaces").json()["items"]
    return [n["metadata"]["name"] for n in items if n["metadata"]["name"] not in SYSTEM_NAMESPACES]
