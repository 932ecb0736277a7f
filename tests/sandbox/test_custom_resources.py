"""Contract: CustomResourceDefinitions and custom resources.

Docs: "Extend the Kubernetes API with CustomResourceDefinitions"
(kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/) — serving on
creation, status subresource, field pruning, defaulting, validation, validation rules (CEL),
additional printer columns, deleting a CRD deletes its objects.
"""

from __future__ import annotations

import copy

import httpx

from tests.sandbox.rest import MERGE, ok, status_of
from tests.sandbox.widgets import CRDS, WIDGET_CRD, WIDGETS, install_widgets, widget
from tests.waiting import eventually, install_crd


def test_an_established_crd_is_served_and_discoverable(api: httpx.Client) -> None:
    install_widgets(api)  # waits for Established: a real server serves a new CRD after a moment
    ok(api.post(WIDGETS, json=widget("w1")), 201)
    discovery = eventually(lambda: (r := api.get("/apis/example.com/v1")).status_code == 200 and r.json())
    resources = {r["name"]: r for r in discovery["resources"]}
    assert resources["widgets"]["kind"] == "Widget" and resources["widgets"]["shortNames"] == ["wd"]
    assert resources["widgets"]["categories"] == ["gadgets"] and "widgets/status" in resources


def test_crd_name_must_be_plural_dot_group(api: httpx.Client) -> None:
    bad = copy.deepcopy(WIDGET_CRD)
    bad["metadata"]["name"] = "gizmos.example.com"
    body = status_of(api.post(CRDS, json=bad), 422, "Invalid")
    assert 'must be spec.names.plural+"."+spec.group' in body["message"]


def test_crd_with_broken_cel_rule_is_rejected(api: httpx.Client) -> None:
    bad = copy.deepcopy(WIDGET_CRD)
    bad["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["x-kubernetes-validations"] = [
        {"rule": "self.size >"}
    ]
    body = status_of(api.post(CRDS, json=bad), 422, "Invalid")
    assert "x-kubernetes-validations[0].rule" in body["message"]


def test_schema_errors_are_422_with_field_paths(api: httpx.Client) -> None:
    install_widgets(api)
    cases = [
        (widget("a", size=-1), "spec.size", "should be greater than or equal to 0"),
        (widget("a", size=101), "spec.size", "should be less than or equal to 100"),
        (widget("a", size="big"), "spec.size", "must be of type integer"),
        (widget("a", color="blue"), "spec.color", 'Unsupported value: "blue": supported values: "red", "green"'),
        (widget("a", name="UPPER"), "spec.name", "should match '^[a-z]+$'"),
        (widget("a", name="abcdefghijkl"), "spec.name", "Too long: may not be more than 10 bytes"),
        (widget("a", labels={"team": "A1"}), "spec.labels.team", "should match '^[a-z]+$'"),
        (widget("a", parts=[{"count": 2}]), "spec.parts[0].name", "Required value"),
        (widget("a", parts=[{"name": "x"}, {"name": "x"}]), "spec.parts[1]", "Duplicate value"),
        (
            {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "a"}, "spec": {}},
            "spec.size",
            "Required value",
        ),
    ]
    for body, field, text in cases:
        status = status_of(api.post(WIDGETS, json=body), 422, "Invalid")
        assert status["message"].startswith('Widget.example.com "a" is invalid: '), status["message"]
        causes = {c["field"]: c["message"] for c in status["details"]["causes"]}
        assert field in causes and text in status["message"], (field, status["message"])


def test_an_object_failing_its_schema_is_422_and_its_cel_rules_are_not_run(api: httpx.Client) -> None:
    """1e20 where an integer belongs: named at the field, never an internal error (the stand-in used to
    answer 500 "overflow" from running a CEL rule on it); the server says the rules were skipped."""
    install_widgets(api)
    for size in (1e20, 2.5, "big"):
        status = status_of(api.post(WIDGETS, json=widget("a", size=size, minSize=5)), 422, "Invalid")
        causes = {c["field"]: c["message"] for c in status["details"]["causes"]}
        assert "spec.size" in causes, status["message"]
        assert "some validation rules were not checked because the object was invalid" in status["message"]
        assert "size must be at least minSize" not in status["message"]


def test_cel_rules_are_enforced_and_transition_rules_only_on_update(api: httpx.Client) -> None:
    install_widgets(api)
    body = status_of(api.post(WIDGETS, json=widget("a", size=1, minSize=5)), 422, "Invalid")
    assert "spec: Invalid value: size must be at least minSize" in body["message"]  # an object's value is left out
    ok(api.post(WIDGETS, json=widget("a", size=5)), 201)
    body = status_of(api.patch(f"{WIDGETS}/a", json={"spec": {"size": 3}}, headers=MERGE), 422, "Invalid")
    assert "size may only grow" in body["message"]
    ok(api.patch(f"{WIDGETS}/a", json={"spec": {"size": 7}}, headers=MERGE))


def test_unknown_fields_are_pruned_or_rejected_when_strict(api: httpx.Client) -> None:
    install_widgets(api)
    created = ok(api.post(WIDGETS, json=widget("a", bogus=1, extra={"free": {"form": True}})), 201)
    assert "bogus" not in created["spec"] and created["spec"]["extra"] == {"free": {"form": True}}
    assert 'unknown field \\"spec.bogus\\"' in api.post(WIDGETS, json=widget("b", bogus=1)).headers.get("Warning", "")
    body = status_of(
        api.post(WIDGETS, json=widget("c", bogus=1), params={"fieldValidation": "Strict"}), 400, "BadRequest"
    )
    assert 'strict decoding error: unknown field "spec.bogus"' in body["message"]


def test_defaults_are_applied(api: httpx.Client) -> None:
    install_widgets(api)
    created = ok(api.post(WIDGETS, json=widget("a", parts=[{"name": "p"}])), 201)
    assert created["spec"]["color"] == "red" and created["spec"]["parts"] == [{"name": "p", "count": 1}]


def test_status_subresource_splits_writes(api: httpx.Client) -> None:
    install_widgets(api)
    created = ok(api.post(WIDGETS, json={**widget("a"), "status": {"phase": "Sneaky"}}), 201)
    assert "status" not in created and created["metadata"]["generation"] == 1
    main = ok(api.patch(f"{WIDGETS}/a", json={"spec": {"size": 2}, "status": {"phase": "Ignored"}}, headers=MERGE))
    assert main["spec"]["size"] == 2 and "status" not in main and main["metadata"]["generation"] == 2
    status = ok(
        api.patch(f"{WIDGETS}/a/status", json={"spec": {"size": 50}, "status": {"phase": "Ready"}}, headers=MERGE)
    )
    assert status["status"] == {"phase": "Ready"} and status["spec"]["size"] == 2
    assert status["metadata"]["generation"] == 2
    replaced = ok(api.put(f"{WIDGETS}/a/status", json={**status, "status": {"phase": "Done"}}))
    assert replaced["status"]["phase"] == "Done"


def test_strategic_merge_patch_is_415_for_custom_resources(api: httpx.Client) -> None:
    install_widgets(api)
    ok(api.post(WIDGETS, json=widget("a")))
    response = api.patch(
        f"{WIDGETS}/a", json={"spec": {"size": 2}}, headers={"Content-Type": "application/strategic-merge-patch+json"}
    )
    status_of(response, 415, "UnsupportedMediaType")


def test_printer_columns_in_server_side_table(api: httpx.Client) -> None:
    install_widgets(api)
    ok(api.post(WIDGETS, json=widget("a", size=7)))
    ok(
        api.patch(
            f"{WIDGETS}/a/status", json={"status": {"conditions": [{"type": "Ready", "status": "True"}]}}, headers=MERGE
        )
    )
    table = ok(api.get(WIDGETS, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}))
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Size", "Ready", "Age"]
    assert table["rows"][0]["cells"][:3] == ["a", 7, "True"]


def test_deleting_the_crd_deletes_its_objects_and_stops_serving(api: httpx.Client) -> None:
    install_widgets(api)
    ok(api.post(WIDGETS, json=widget("a")))
    ok(api.delete(f"{CRDS}/widgets.example.com"), (200, 202))
    eventually(lambda: api.get("/apis/example.com/v1").status_code == 404)
    eventually(lambda: api.get(f"{CRDS}/widgets.example.com").status_code == 404)  # gone once its objects are
    install_widgets(api)
    # a re-created CRD's storage may answer 429 "storage is (re)initializing" for a moment
    assert eventually(lambda: ok(api.get(WIDGETS))["items"] == [])


def test_cluster_scoped_custom_resources(api: httpx.Client) -> None:
    crd = copy.deepcopy(WIDGET_CRD)
    crd["spec"]["scope"] = "Cluster"
    install_crd(api, crd)
    created = ok(api.post("/apis/example.com/v1/widgets", json=widget("global")), 201)
    assert "namespace" not in created["metadata"]
    ok(api.get("/apis/example.com/v1/widgets/global"))
