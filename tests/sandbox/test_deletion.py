"""Contract: deletion, finalizers, garbage collection and namespace termination.

Docs: "Finalizers" (kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/),
"Owners and Dependents" and "Garbage Collection" (…/concepts/architecture/garbage-collection/),
"Use Cascading Deletion" (…/tasks/administer-cluster/use-cascading-deletion/), "Namespaces".
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.sandbox.rest import CM, DEPLOY, MERGE, configmap, deployment, ok, status_of
from tests.waiting import eventually


def eventually_gone(api: httpx.Client, path: str) -> None:
    """Gone within what a real namespace controller or garbage collector takes (seconds)."""
    eventually(lambda: api.get(path).status_code == 404, timeout=30, message=f"{path} still exists")


def owned_by(owner: dict[str, Any], name: str, block: bool = False) -> dict[str, Any]:
    ref = {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
    }
    if block:
        ref["blockOwnerDeletion"] = True
    return configmap(name, ownerReferences=[ref])


def test_delete_without_finalizers_is_200_and_immediate(api: httpx.Client) -> None:
    created = ok(api.post(CM, json=configmap("a")))
    deleted = ok(api.delete(f"{CM}/a"), 200)  # a ConfigMap's storage answers with a Status naming it
    assert (deleted["kind"], deleted["status"]) == ("Status", "Success")
    assert deleted["details"] == {"name": "a", "kind": "configmaps", "uid": created["metadata"]["uid"]}
    status_of(api.get(f"{CM}/a"), 404, "NotFound")
    status_of(api.delete(f"{CM}/a"), 404, "NotFound")


def test_finalizers_hold_the_object_until_removed(api: httpx.Client) -> None:
    ok(api.post(CM, json=configmap("a", finalizers=["example.com/hold"])))
    held = ok(api.delete(f"{CM}/a"), 200)  # 200 with the object as it now is (202 only for orphanDependents=false)
    assert held["metadata"]["deletionTimestamp"]
    still = ok(api.get(f"{CM}/a"))
    assert still["metadata"]["deletionTimestamp"] == held["metadata"]["deletionTimestamp"]
    body = status_of(
        api.patch(f"{CM}/a", json={"metadata": {"finalizers": ["example.com/hold", "new/one"]}}, headers=MERGE),
        422,
        "Invalid",
    )
    assert "no new finalizers can be added if the object is being deleted" in body["message"]
    ok(api.patch(f"{CM}/a", json={"metadata": {"finalizers": None}}, headers=MERGE))
    status_of(api.get(f"{CM}/a"), 404, "NotFound")
    ok(api.post(CM, json=configmap("b", finalizers=["example.com/hold"])))
    ok(api.request("DELETE", f"{CM}/b", json={"orphanDependents": False}), 202)  # the deprecated option's answer
    ok(api.patch(f"{CM}/b", json={"metadata": {"finalizers": None}}, headers=MERGE))


def test_delete_preconditions(api: httpx.Client) -> None:
    created = ok(api.post(CM, json=configmap("a")))
    stale = {"preconditions": {"resourceVersion": "1"}}
    status_of(api.request("DELETE", f"{CM}/a", json=stale), 409, "Conflict")
    exact = {"preconditions": {"uid": created["metadata"]["uid"]}}
    ok(api.request("DELETE", f"{CM}/a", json=exact))


def test_background_deletion_collects_dependents(api: httpx.Client) -> None:
    owner = ok(api.post(DEPLOY, json=deployment("owner")))
    ok(api.post(CM, json=owned_by(owner, "child")))
    ok(api.delete(f"{DEPLOY}/owner"), 200)
    eventually_gone(api, f"{CM}/child")


def test_dependent_with_a_living_second_owner_stays(api: httpx.Client) -> None:
    first = ok(api.post(DEPLOY, json=deployment("first")))
    second = ok(api.post(DEPLOY, json=deployment("second")))
    child = owned_by(first, "child")
    child["metadata"]["ownerReferences"] += owned_by(second, "x")["metadata"]["ownerReferences"]
    ok(api.post(CM, json=child))
    ok(api.delete(f"{DEPLOY}/first"))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        refs = ok(api.get(f"{CM}/child"))["metadata"]["ownerReferences"]
        if [r["name"] for r in refs] == ["second"]:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("reference to the deleted owner was not dropped")


def test_foreground_deletion_waits_for_dependents(api: httpx.Client) -> None:
    owner = ok(api.post(DEPLOY, json=deployment("owner")))
    ok(
        api.post(
            CM,
            json={
                **owned_by(owner, "child", block=True),
                "metadata": {**owned_by(owner, "child", True)["metadata"], "finalizers": ["example.com/hold"]},
            },
        )
    )
    response = api.request("DELETE", f"{DEPLOY}/owner", json={"propagationPolicy": "Foreground"})
    held = ok(response, 200)
    assert "foregroundDeletion" in held["metadata"]["finalizers"]
    eventually(lambda: ok(api.get(f"{CM}/child"))["metadata"].get("deletionTimestamp"), message="child not deleted")
    assert ok(api.get(f"{DEPLOY}/owner"))["metadata"]["deletionTimestamp"]  # held by its blocking dependent
    ok(api.patch(f"{CM}/child", json={"metadata": {"finalizers": None}}, headers=MERGE))
    eventually_gone(api, f"{DEPLOY}/owner")


def test_orphan_deletion_keeps_dependents_without_the_reference(api: httpx.Client) -> None:
    owner = ok(api.post(DEPLOY, json=deployment("owner")))
    ok(api.post(CM, json=owned_by(owner, "child")))
    ok(api.delete(f"{DEPLOY}/owner", params={"propagationPolicy": "Orphan"}), 200)
    eventually_gone(api, f"{DEPLOY}/owner")
    assert "ownerReferences" not in ok(api.get(f"{CM}/child"))["metadata"]


def test_namespace_deletion_removes_its_objects_then_itself(api: httpx.Client) -> None:
    ok(api.post("/api/v1/namespaces", json={"metadata": {"name": "team"}}))
    ok(api.post("/api/v1/namespaces/team/configmaps", json=configmap("a")))
    ok(api.post("/api/v1/namespaces/team/configmaps", json=configmap("held", finalizers=["example.com/hold"])))
    terminating = ok(api.delete("/api/v1/namespaces/team"))
    assert terminating["status"]["phase"] == "Terminating"
    body = status_of(api.post("/api/v1/namespaces/team/configmaps", json=configmap("late")), 403, "Forbidden")
    assert "is being terminated" in body["message"]
    eventually_gone(api, "/api/v1/namespaces/team/configmaps/a")
    assert ok(api.get("/api/v1/namespaces/team"))["status"]["phase"] == "Terminating"
    ok(api.patch("/api/v1/namespaces/team/configmaps/held", json={"metadata": {"finalizers": None}}, headers=MERGE))
    eventually_gone(api, "/api/v1/namespaces/team")


def test_delete_collection_by_label(api: httpx.Client) -> None:
    ok(api.post(CM, json=configmap("a", labels={"batch": "1"})))
    ok(api.post(CM, json=configmap("b", labels={"batch": "1"})))
    ok(api.post(CM, json=configmap("c")))
    ok(api.delete(CM, params={"labelSelector": "batch=1"}))
    names = [i["metadata"]["name"] for i in ok(api.get(CM))["items"]]
    assert [n for n in names if n != "kube-root-ca.crt"] == ["c"]  # a real namespace holds the root CA too
