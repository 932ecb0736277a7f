"""Contract: discovery documents.

"API Discovery", kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api.
"""

from __future__ import annotations

import httpx

from tests.sandbox.rest import ok


def test_version_and_core_group(api: httpx.Client) -> None:
    version = ok(api.get("/version"))
    assert version["major"] == "1" and version["gitVersion"].startswith("v1.")
    assert ok(api.get("/api"))["versions"] == ["v1"]
    core = ok(api.get("/api/v1"))
    names = {r["name"] for r in core["resources"]}
    assert {"namespaces", "configmaps", "secrets", "services", "events", "namespaces/status"} <= names


def test_named_groups_list_their_versions_and_resources(api: httpx.Client) -> None:
    groups = {g["name"]: g for g in ok(api.get("/apis"))["groups"]}
    for group in ("apps", "batch", "coordination.k8s.io", "events.k8s.io", "apiextensions.k8s.io"):
        assert groups[group]["preferredVersion"]["version"] == "v1"
    apps = ok(api.get("/apis/apps"))
    assert apps["kind"] == "APIGroup" and apps["versions"][0]["groupVersion"] == "apps/v1"
    resources = {r["name"]: r for r in ok(api.get("/apis/apps/v1"))["resources"]}
    assert resources["deployments"]["namespaced"] is True
    assert "deploy" in resources["deployments"]["shortNames"]
    assert set(resources["deployments"]["verbs"]) >= {"create", "get", "list", "watch", "patch", "delete"}
    assert "deployments/status" in resources and "deployments/scale" in resources


def test_unknown_group_and_path_are_not_found(api: httpx.Client) -> None:
    # outside every served group/version the HTTP mux answers in plain text, not with a Status
    for path in ("/apis/nope.example.com", "/apis/nope.example.com/v1", "/nope"):
        response = api.get(path)
        assert (response.status_code, response.text) == (404, "404 page not found\n")
        assert response.headers["content-type"].startswith("text/plain")
    # an unknown resource in a served group/version is a NotFound Status
    for path in ("/api/v1/widgets", "/apis/apps/v1/namespaces/default/widgets"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json()["message"] == "the server could not find the requested resource"
        assert (response.json()["reason"], response.json()["details"]) == ("NotFound", {})
