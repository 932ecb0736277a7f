"""Contract: PATCH in its four forms.

Docs: "Update API Objects in Place Using kubectl patch"
(kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/) — JSON merge patch,
JSON patch, strategic merge patch and its directives; "Server-Side Apply"
(kubernetes.io/docs/reference/using-api/server-side-apply/) — field management, conflicts, force, and
removal of fields a manager stops applying; RFC 7386 and RFC 6902.
"""

from __future__ import annotations

import httpx

from tests.sandbox.rest import APPLY, CM, DEPLOY, JSONPATCH, MERGE, STRATEGIC, configmap, deployment, ok, status_of
from tests.sandbox.widgets import WIDGETS, install_widgets


def containers(api: httpx.Client, name: str = "d") -> list[dict]:  # type: ignore[type-arg]
    return ok(api.get(f"{DEPLOY}/{name}"))["spec"]["template"]["spec"]["containers"]  # type: ignore[no-any-return]


def test_merge_patch_merges_maps_replaces_lists_and_deletes_nulls(api: httpx.Client) -> None:
    ok(api.post(CM, json=configmap("a", {"keep": "1", "drop": "2"})))
    patched = ok(api.patch(f"{CM}/a", json={"data": {"drop": None, "new": "3"}}, headers=MERGE))
    assert patched["data"] == {"keep": "1", "new": "3"}
    ok(api.post(DEPLOY, json=deployment("d")))
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox"}]}}}}
    ok(api.patch(f"{DEPLOY}/d", json=patch, headers=MERGE))
    assert [c["name"] for c in containers(api)] == ["side"]


def test_json_patch_and_failed_test_is_422(api: httpx.Client) -> None:
    ok(api.post(CM, json=configmap("a", {"k": "v"})))
    ops = [{"op": "test", "path": "/data/k", "value": "v"}, {"op": "add", "path": "/data/x", "value": "y"}]
    assert ok(api.patch(f"{CM}/a", json=ops, headers=JSONPATCH))["data"] == {"k": "v", "x": "y"}
    failing = [{"op": "test", "path": "/data/k", "value": "other"}, {"op": "remove", "path": "/data/k"}]
    response = api.patch(f"{CM}/a", json=failing, headers=JSONPATCH)
    assert response.status_code == 422 and response.json()["kind"] == "Status"
    assert ok(api.get(f"{CM}/a"))["data"]["k"] == "v"


def test_json_patch_on_finalizers_with_resource_version_test(api: httpx.Client) -> None:
    created = ok(api.post(CM, json=configmap("a")))
    ops = [
        {"op": "test", "path": "/metadata/resourceVersion", "value": created["metadata"]["resourceVersion"]},
        {"op": "add", "path": "/metadata/finalizers", "value": ["example.com/keep"]},
    ]
    assert ok(api.patch(f"{CM}/a", json=ops, headers=JSONPATCH))["metadata"]["finalizers"] == ["example.com/keep"]
    assert api.patch(f"{CM}/a", json=ops, headers=JSONPATCH).status_code == 422


def test_strategic_merge_patch_merges_lists_by_key(api: httpx.Client) -> None:
    ok(api.post(DEPLOY, json=deployment("d")))
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "main", "image": "nginx:1.27", "env": [{"name": "B", "value": "2"}]},
                        {"name": "side", "image": "busybox:1"},
                    ]
                }
            }
        }
    }
    ok(api.patch(f"{DEPLOY}/d", json=patch, headers=STRATEGIC))
    main, side = containers(api)
    assert main["image"] == "nginx:1.27" and side["name"] == "side"
    # a patch item the server did not have goes before the server-only ones (kubectl sends $setElementOrder)
    assert main["env"] == [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]
    assert main["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]


def test_strategic_merge_patch_directives(api: httpx.Client) -> None:
    ok(api.post(DEPLOY, json=deployment("d")))
    add = {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox:1"}]}}}}
    ok(api.patch(f"{DEPLOY}/d", json=add, headers=STRATEGIC))
    delete = {"spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}}
    ok(api.patch(f"{DEPLOY}/d", json=delete, headers=STRATEGIC))
    assert [c["name"] for c in containers(api)] == ["main"]
    replace = {
        "spec": {"template": {"spec": {"containers": [{"name": "only", "image": "x:1"}, {"$patch": "replace"}]}}}
    }
    ok(api.patch(f"{DEPLOY}/d", json=replace, headers=STRATEGIC))
    assert [c["name"] for c in containers(api)] == ["only"]
    ok(api.patch(f"{DEPLOY}/d", json={"metadata": {"finalizers": ["a/x", "b/y"]}}, headers=STRATEGIC))
    ok(api.patch(f"{DEPLOY}/d", json={"metadata": {"finalizers": ["c/z"]}}, headers=STRATEGIC))
    removed = ok(
        api.patch(f"{DEPLOY}/d", json={"metadata": {"$deleteFromPrimitiveList/finalizers": ["b/y"]}}, headers=STRATEGIC)
    )
    assert removed["metadata"]["finalizers"] == ["c/z", "a/x"]  # merged as kube-apiserver orders them


def test_server_side_apply_creates_records_manager_and_removes_dropped_fields(api: httpx.Client) -> None:
    applied = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "a", "labels": {"x": "1"}},
        "data": {"one": "1", "two": "2"},
    }
    created = ok(api.patch(f"{CM}/a", json=applied, headers=APPLY, params={"fieldManager": "tool"}), 201)
    entry = created["metadata"]["managedFields"][0]
    assert entry["manager"] == "tool" and entry["operation"] == "Apply"
    assert set(entry["fieldsV1"]["f:data"]) == {"f:one", "f:two"}
    smaller = {**applied, "data": {"one": "1"}}
    after = ok(api.patch(f"{CM}/a", json=smaller, headers=APPLY, params={"fieldManager": "tool"}))
    assert after["data"] == {"one": "1"}


def test_server_side_apply_conflicts_and_force(api: httpx.Client) -> None:
    first = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"shared": "1"}}
    ok(api.patch(f"{CM}/a", json=first, headers=APPLY, params={"fieldManager": "alice"}))
    second = {**first, "data": {"shared": "2"}}
    body = status_of(api.patch(f"{CM}/a", json=second, headers=APPLY, params={"fieldManager": "bob"}), 409, "Conflict")
    assert 'conflict with "alice"' in body["message"] and ".data.shared" in body["message"]
    same_value = ok(api.patch(f"{CM}/a", json=first, headers=APPLY, params={"fieldManager": "bob"}))
    assert {e["manager"] for e in same_value["metadata"]["managedFields"]} == {"alice", "bob"}
    forced = ok(api.patch(f"{CM}/a", json=second, headers=APPLY, params={"fieldManager": "bob", "force": "true"}))
    assert forced["data"]["shared"] == "2"
    owners = {e["manager"]: e for e in forced["metadata"]["managedFields"]}
    assert "f:shared" not in owners.get("alice", {}).get("fieldsV1", {}).get("f:data", {})


def test_update_takes_ownership_from_appliers(api: httpx.Client) -> None:
    applied = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "1"}}
    ok(api.patch(f"{CM}/a", json=applied, headers=APPLY, params={"fieldManager": "alice"}))
    ok(api.patch(f"{CM}/a", json={"data": {"k": "2"}}, headers=MERGE, params={"fieldManager": "editor"}))
    status_of(api.patch(f"{CM}/a", json=applied, headers=APPLY, params={"fieldManager": "alice"}), 409, "Conflict")


def test_apply_requires_a_field_manager(api: httpx.Client) -> None:
    applied = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "1"}}
    response = api.patch(f"{CM}/a", json=applied, headers=APPLY)  # the user agent does not stand in for one
    body = status_of(response, 422, "Invalid")
    assert (
        body["message"]
        == 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'
    )
    assert body["details"]["causes"] == [
        {
            "reason": "FieldValueRequired",
            "field": "fieldManager",
            "message": "Required value: is required for apply patch",
        }
    ]


def test_server_side_apply_on_custom_resource_merges_map_lists_by_key(api: httpx.Client) -> None:
    install_widgets(api)
    one = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 1, "parts": [{"name": "a", "count": 1}]},
    }
    ok(api.patch(f"{WIDGETS}/w", json=one, headers=APPLY, params={"fieldManager": "alice"}))
    two = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"parts": [{"name": "b", "count": 2}]},
    }
    merged = ok(api.patch(f"{WIDGETS}/w", json=two, headers=APPLY, params={"fieldManager": "bob"}))
    assert sorted(p["name"] for p in merged["spec"]["parts"]) == ["a", "b"]


def test_server_side_apply_to_status_subresource(api: httpx.Client) -> None:
    install_widgets(api)
    ok(
        api.post(
            WIDGETS,
            json={"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 1}},
        )
    )
    status = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "status": {"phase": "Ready"},
        "spec": {"size": 9},
    }
    result = ok(
        api.patch(f"{WIDGETS}/w/status", json=status, headers=APPLY, params={"fieldManager": "ctl", "force": "true"})
    )
    assert result["status"]["phase"] == "Ready" and result["spec"]["size"] == 1
    entry = next(e for e in result["metadata"]["managedFields"] if e["manager"] == "ctl")
    assert entry["subresource"] == "status"
