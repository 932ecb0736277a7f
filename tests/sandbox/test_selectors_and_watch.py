"""Contract: selectors and watches.

Docs: "Labels and Selectors" (kubernetes.io/docs/concepts/overview/working-with-objects/labels/),
"Field Selectors" (…/working-with-objects/field-selectors/), "API Concepts → Efficient detection of
changes", "Watch bookmarks" and "Resource versions" (kubernetes.io/docs/reference/using-api/api-concepts/).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any

import httpx
import pytest

from agentops_sandbox.standin import ThreadedApiServer
from tests.sandbox.rest import CM, MERGE, configmap, ok, status_of, watch_events

ROOT_CA = "kube-root-ca.crt"  # a real namespace holds it from the start


def names(api: httpx.Client, **params: str) -> list[str]:
    return [i["metadata"]["name"] for i in ok(api.get(CM, params=params))["items"] if i["metadata"]["name"] != ROOT_CA]


@pytest.fixture
def labelled(api: httpx.Client) -> httpx.Client:
    ok(api.post(CM, json=configmap("a", labels={"tier": "web", "env": "prod"})))
    ok(api.post(CM, json=configmap("b", labels={"tier": "db", "env": "prod"})))
    ok(api.post(CM, json=configmap("c", labels={"tier": "web"})))
    return api


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param("tier=web", ["a", "c"], id="equals"),
        pytest.param("tier==web", ["a", "c"], id="double-equals"),
        pytest.param("tier!=web", ["b"], id="not-equals"),
        pytest.param("env!=prod", ["c"], id="not-equals-matches-missing-key"),
        pytest.param("tier in (db,cache)", ["b"], id="in"),
        pytest.param("tier notin (db)", ["a", "c"], id="notin"),
        pytest.param("env", ["a", "b"], id="exists"),
        pytest.param("!env", ["c"], id="does-not-exist"),
        pytest.param("tier=web,env=prod", ["a"], id="and"),
    ],
)
def test_label_selectors(labelled: httpx.Client, selector: str, expected: list[str]) -> None:
    assert names(labelled, labelSelector=selector) == expected


def test_field_selectors(labelled: httpx.Client) -> None:
    assert names(labelled, fieldSelector="metadata.name=b") == ["b"]
    assert names(labelled, fieldSelector="metadata.name!=b") == ["a", "c"]
    assert names(labelled, fieldSelector="metadata.namespace=default", labelSelector="tier=db") == ["b"]
    body = status_of(labelled.get(CM, params={"fieldSelector": "data.k=v"}), 400, "BadRequest")
    assert body["message"] == '"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"'
    body = status_of(
        labelled.get("/api/v1/namespaces/default/pods", params={"fieldSelector": "data.k=v"}), 400, "BadRequest"
    )
    assert body["message"] == "field label not supported: data.k"  # Pods have field labels of their own


@pytest.mark.parametrize(
    "selector", ["a b", "=x", "tier in (a", "a==b==c", "!", "a!b", "tier in (a b)", "a=b,", "-a=b", "a=-b"]
)
def test_bad_label_selector_is_400(api: httpx.Client, selector: str) -> None:
    status_of(api.get(CM, params={"labelSelector": selector}), 400, "BadRequest")


@pytest.mark.parametrize("selector", ["tier in ()", "tier notin ()", "x="])
def test_unusual_but_valid_label_selectors(labelled: httpx.Client, selector: str) -> None:
    expected = {"tier in ()": [], "tier notin ()": ["a", "b", "c"], "x=": []}[selector]  # x="" matches no object here
    assert names(labelled, labelSelector=selector) == expected


def test_watch_without_version_starts_with_current_state_then_changes(api: httpx.Client) -> None:
    ok(api.post(CM, json=configmap("a")))
    events: list[dict[str, Any]] = []
    params = {"watch": "true", "fieldSelector": "metadata.name=a"}
    with api.stream("GET", CM, params=params, timeout=10) as response:
        for line in filter(None, response.iter_lines()):
            events.append(json.loads(line))
            if len(events) == 1:  # the current state came first: now change it
                ok(api.patch(f"{CM}/a", json={"data": {"k": "2"}}, headers=MERGE))
                ok(api.delete(f"{CM}/a"))
            if len(events) == 3:
                break
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(versions)


def test_watch_from_a_resource_version_replays_only_later_events(api: httpx.Client) -> None:
    ok(api.post(CM, json=configmap("a")))
    version = ok(api.get(CM))["metadata"]["resourceVersion"]
    ok(api.post(CM, json=configmap("b")))
    ok(api.patch(f"{CM}/a", json={"data": {"k": "2"}}, headers=MERGE))
    events = watch_events(api, CM, 2, resourceVersion=version)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "b"), ("MODIFIED", "a")]


def test_watch_from_an_expired_version_gets_410() -> None:
    with ThreadedApiServer(history=5) as server, httpx.Client(base_url=server.url) as api:
        first = ok(api.post(CM, json=configmap("a")))["metadata"]["resourceVersion"]
        for index in range(10):
            ok(api.patch(f"{CM}/a", json={"data": {"k": str(index)}}, headers=MERGE))
        (event,) = watch_events(api, CM, 1, resourceVersion=first)
        assert event["type"] == "ERROR"
        assert event["object"]["code"] == 410 and event["object"]["reason"] == "Expired"


def test_watch_respects_selectors_and_reports_objects_leaving_them(
    api: httpx.Client, apiserver: ThreadedApiServer
) -> None:
    ok(api.post(CM, json=configmap("a", labels={"watched": "yes"})))
    version = ok(api.get(CM))["metadata"]["resourceVersion"]
    ok(api.post(CM, json=configmap("other")))
    ok(api.patch(f"{CM}/a", json={"metadata": {"labels": {"watched": "no"}}}, headers=MERGE))
    events = watch_events(api, CM, 1, resourceVersion=version, labelSelector="watched=yes")
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("DELETED", "a")]


def test_watch_timeout_ends_the_stream(api: httpx.Client) -> None:
    started = time.monotonic()
    version = ok(api.get(CM))["metadata"]["resourceVersion"]
    events = watch_events(api, CM, 10, resourceVersion=version, timeoutSeconds="1")
    assert events == [] and 0.9 <= time.monotonic() - started < 5


@pytest.mark.standin_only  # kube-apiserver sends a bookmark about once a minute; the stand-in's interval is set
def test_watch_bookmarks_carry_the_current_version(api: httpx.Client) -> None:
    version = ok(api.get(CM))["metadata"]["resourceVersion"]
    events = watch_events(api, CM, 1, resourceVersion=version, allowWatchBookmarks="true")
    assert events[0]["type"] == "BOOKMARK"
    assert int(events[0]["object"]["metadata"]["resourceVersion"]) >= int(version)


def test_watch_with_send_initial_events_ends_with_marked_bookmark(api: httpx.Client) -> None:
    ok(api.post(CM, json=configmap("a")))
    events = watch_events(
        api,
        CM,
        2,
        sendInitialEvents="true",
        allowWatchBookmarks="true",
        resourceVersionMatch="NotOlderThan",
        fieldSelector="metadata.name=a",
    )
    assert events[0]["type"] == "ADDED"
    assert events[1]["type"] == "BOOKMARK"
    assert events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_watch_stream_closes_when_server_stops(tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = ThreadedApiServer().start()
    try:
        client = httpx.Client(base_url=server.url)
        done = threading.Event()

        def watch() -> None:
            with contextlib.suppress(httpx.HTTPError):
                watch_events(client, CM, 100, timeout=20, resourceVersion="1")
            done.set()

        threading.Thread(target=watch, daemon=True).start()
        time.sleep(0.3)
    finally:
        server.stop()
    assert done.wait(5)
