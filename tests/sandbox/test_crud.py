"""Contract: create, read, list, replace and metadata semantics.

Docs: "API Concepts" (kubernetes.io/docs/reference/using-api/api-concepts/) — HTTP status codes,
chunked lists, dry run; "Object Names and IDs" (…/concepts/overview/working-with-objects/names/) —
uid and generateName; "Kubernetes API conventions → Metadata and Concurrency Control and Consistency"
(github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md) —
resourceVersion, generation, optimistic concurrency.
"""

from __future__ import annotations

import httpx

from tests.sandbox.rest import CM, DEPLOY, MERGE, configmap, deployment, ok, status_of


def test_create_returns_201_with_server_metadata(api: httpx.Client) -> None:
    created = ok(api.post(CM, json=configmap("a")), 201)
    meta = created["metadata"]
    assert meta["namespace"] == "default"
    assert len(meta["uid"]) == 36 and meta["creationTimestamp"].endswith("Z")
    assert int(meta["resourceVersion"]) > 0
    assert ok(api.get(f"{CM}/a"))["metadata"]["uid"] == meta["uid"]


def test_create_twice_is_409_already_exists(api: httpx.Client) -> None:
    ok(api.post(CM, json=configmap("a")), 201)
    body = status_of(api.post(CM, json=configmap("a")), 409, "AlreadyExists")
    assert body["message"] == 'configmaps "a" already exists'
    assert body["details"]["name"] == "a"


def test_get_missing_is_404_not_found_status(api: httpx.Client) -> None:
    body = status_of(api.get(f"{CM}/nope"), 404, "NotFound")
    assert body["message"] == 'configmaps "nope" not found'
    body = status_of(api.get(f"{DEPLOY}/nope"), 404, "NotFound")
    assert body["message"] == 'deployments.apps "nope" not found'


def test_namespace_comes_from_the_url_and_must_exist(api: httpx.Client) -> None:
    status_of(api.post("/api/v1/namespaces/ghost/configmaps", json=configmap("a")), 404, "NotFound")
    mismatch = configmap("a", namespace="other")
    status_of(api.post(CM, json=mismatch), 400, "BadRequest")


def test_generate_name_gets_a_random_suffix(api: httpx.Client) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "job-"}}
    names = {ok(api.post(CM, json=body), 201)["metadata"]["name"] for _ in range(3)}
    assert len(names) == 3 and all(n.startswith("job-") and len(n) == 9 for n in names)


def test_invalid_names_are_rejected_with_field_path(api: httpx.Client) -> None:
    body = status_of(api.post(CM, json=configmap("Not_Valid")), 422, "Invalid")
    assert body["details"]["causes"][0]["field"] == "metadata.name"
    assert "RFC 1123 subdomain" in body["message"]
    status_of(api.post(CM, json={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}), 422, "Invalid")


def test_resource_version_is_global_and_monotonic(api: httpx.Client) -> None:
    first = int(ok(api.post(CM, json=configmap("a")))["metadata"]["resourceVersion"])
    second = int(ok(api.post(DEPLOY, json=deployment("d")))["metadata"]["resourceVersion"])
    third = int(ok(api.patch(f"{CM}/a", json={"data": {"x": "y"}}, headers=MERGE))["metadata"]["resourceVersion"])
    assert first < second < third
    listed = ok(api.get(CM))
    assert int(listed["metadata"]["resourceVersion"]) >= third


def test_put_with_stale_resource_version_is_409_conflict(api: httpx.Client) -> None:
    created = ok(api.post(CM, json=configmap("a")))
    fresh = {**created, "data": {"k": "fresh"}}
    ok(api.put(f"{CM}/a", json=fresh))
    stale = {**created, "data": {"k": "stale"}}
    body = status_of(api.put(f"{CM}/a", json=stale), 409, "Conflict")
    assert "the object has been modified" in body["message"]
    assert ok(api.get(f"{CM}/a"))["data"] == {"k": "fresh"}


def test_patch_carrying_a_stale_resource_version_is_409(api: httpx.Client) -> None:
    created = ok(api.post(CM, json=configmap("a")))
    ok(api.patch(f"{CM}/a", json={"data": {"k": "1"}}, headers=MERGE))
    patch = {"metadata": {"resourceVersion": created["metadata"]["resourceVersion"]}, "data": {"k": "2"}}
    status_of(api.patch(f"{CM}/a", json=patch, headers=MERGE), 409, "Conflict")


def test_put_without_resource_version_is_an_unconditional_update(api: httpx.Client) -> None:
    ok(api.post(CM, json=configmap("a")))
    updated = ok(api.put(f"{CM}/a", json=configmap("a", {"k": "new"})))
    assert updated["data"] == {"k": "new"}


def test_generation_moves_only_with_spec(api: httpx.Client) -> None:
    created = ok(api.post(DEPLOY, json=deployment("d")))
    assert created["metadata"]["generation"] == 1
    relabelled = ok(api.patch(f"{DEPLOY}/d", json={"metadata": {"labels": {"x": "y"}}}, headers=MERGE))
    assert relabelled["metadata"]["generation"] == 1
    scaled = ok(api.patch(f"{DEPLOY}/d", json={"spec": {"replicas": 3}}, headers=MERGE))
    assert scaled["metadata"]["generation"] == 2


def test_noop_update_does_not_bump_resource_version(api: httpx.Client) -> None:
    created = ok(api.post(CM, json=configmap("a")))
    again = ok(api.patch(f"{CM}/a", json={"data": {"k": "v"}}, headers=MERGE))
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_server_fields_cannot_be_overwritten(api: httpx.Client) -> None:
    created = ok(api.post(CM, json=configmap("a")))
    backdated = {**created, "metadata": {**created["metadata"], "creationTimestamp": "2000-01-01T00:00:00Z"}}
    updated = ok(api.put(f"{CM}/a", json={**backdated, "data": {"k": "2"}}))
    assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    # a uid is a precondition: an update naming another object's uid is a conflict, not a rename
    forged = {**updated, "metadata": {**updated["metadata"], "uid": "forged"}}
    body = status_of(api.put(f"{CM}/a", json=forged), 409, "Conflict")
    assert "Precondition failed: UID in precondition: forged, UID in object meta: " in body["message"]
    assert body["message"].startswith('Operation cannot be fulfilled on configmaps "a": StorageError: invalid object')
    assert ok(api.get(f"{CM}/a"))["metadata"]["uid"] == created["metadata"]["uid"]


def test_list_is_sorted_and_chunked_with_continue(api: httpx.Client) -> None:
    for index in range(5):
        ok(api.post(CM, json=configmap(f"cm-{index}")))
    page = ok(api.get(CM, params={"limit": "2"}))
    names = [i["metadata"]["name"] for i in page["items"]]
    while page["metadata"].get("continue"):
        page = ok(api.get(CM, params={"limit": "2", "continue": page["metadata"]["continue"]}))
        names += [i["metadata"]["name"] for i in page["items"]]
    # sorted by name; a real namespace also holds kube-root-ca.crt
    assert [n for n in names if n.startswith("cm-")] == [f"cm-{i}" for i in range(5)] and names == sorted(names)
    assert ok(api.get(CM))["kind"] == "ConfigMapList"


def test_list_across_namespaces(api: httpx.Client) -> None:
    ok(api.post("/api/v1/namespaces", json={"metadata": {"name": "team"}}))
    ok(api.post(CM, json=configmap("a")))
    ok(api.post("/api/v1/namespaces/team/configmaps", json=configmap("b")))
    everywhere = {
        (i["metadata"]["namespace"], i["metadata"]["name"]) for i in ok(api.get("/api/v1/configmaps"))["items"]
    }
    assert {("default", "a"), ("team", "b")} <= everywhere


def test_dry_run_validates_but_stores_nothing(api: httpx.Client) -> None:
    would_be = ok(api.post(CM, json=configmap("a"), params={"dryRun": "All"}), 201)
    assert would_be["metadata"]["name"] == "a"
    status_of(api.get(f"{CM}/a"), 404, "NotFound")


def test_immutable_configmap_rejects_data_changes(api: httpx.Client) -> None:
    ok(api.post(CM, json={**configmap("a"), "immutable": True}))
    body = status_of(api.patch(f"{CM}/a", json={"data": {"k": "other"}}, headers=MERGE), 422, "Invalid")
    assert "field is immutable" in body["message"]
    ok(api.patch(f"{CM}/a", json={"metadata": {"labels": {"ok": "yes"}}}, headers=MERGE))


def test_configmap_data_holds_at_most_one_mebibyte(api: httpx.Client) -> None:
    """All keys together, counted in UTF-8 bytes ("é" is two)."""
    half = 512 * 1024
    ok(api.post(CM, json=configmap("fits", {"a": "x" * half, "b": "y" * half})), 201)
    body = status_of(
        api.post(CM, json=configmap("over", {"a": "x" * half, "b": "é" * (half // 2) + "z"})), 422, "Invalid"
    )
    assert '"over" is invalid: []: Too long: may not be more than 1048576 bytes' in body["message"], body["message"]


def test_builtin_defaults_are_filled_in(api: httpx.Client) -> None:
    created = ok(api.post(DEPLOY, json=deployment("d")))
    spec = created["spec"]
    assert spec["strategy"]["type"] == "RollingUpdate" and spec["revisionHistoryLimit"] == 10
    container = spec["template"]["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["ports"][0]["protocol"] == "TCP"
    service = ok(
        api.post(
            "/api/v1/namespaces/default/services", json={"metadata": {"name": "svc"}, "spec": {"ports": [{"port": 80}]}}
        )
    )
    assert service["spec"]["clusterIP"].startswith("10.96.") and service["spec"]["ports"][0]["targetPort"] == 80


def test_deployment_selector_must_match_template(api: httpx.Client) -> None:
    bad = deployment("d")
    bad["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    body = status_of(api.post(DEPLOY, json=bad), 422, "Invalid")
    assert body["details"]["causes"][0]["field"] == "spec.template.metadata.labels"


def test_events_are_one_store_seen_through_two_apis(api: httpx.Client) -> None:
    event = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": "e1"},
        "regarding": {"kind": "ConfigMap", "name": "a", "namespace": "default"},
        "note": "hello",
        "reason": "Tested",
        "type": "Normal",
        "action": "Test",
        "reportingController": "tests",
        "reportingInstance": "t1",
        "eventTime": "2026-01-01T00:00:00.000000Z",
    }
    ok(api.post("/apis/events.k8s.io/v1/namespaces/default/events", json=event), 201)
    core = ok(api.get("/api/v1/namespaces/default/events/e1"))
    assert core["message"] == "hello" and core["involvedObject"]["name"] == "a" and core["apiVersion"] == "v1"
    selected = ok(api.get("/api/v1/namespaces/default/events", params={"fieldSelector": "involvedObject.name=a"}))
    assert [e["metadata"]["name"] for e in selected["items"]] == ["e1"]


def test_scale_subresource_reads_and_writes_replicas(api: httpx.Client) -> None:
    ok(api.post(DEPLOY, json=deployment("d", replicas=2)))
    scale = ok(api.get(f"{DEPLOY}/d/scale"))
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 2
    ok(api.patch(f"{DEPLOY}/d/scale", json={"spec": {"replicas": 5}}, headers=MERGE))
    assert ok(api.get(f"{DEPLOY}/d"))["spec"]["replicas"] == 5
