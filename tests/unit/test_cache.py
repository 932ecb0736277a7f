"""Unit: the operator's watch-fed cache (`runtime/cache.py`): reads see the operator's own writes
until the watch reports them (never a status older than one just written), then the watch again;
children are grouped by agent, trimmed to what a reconcile reads, and the operator's applies and
deletes show at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agentops_operator.engine.manifests import BUNDLE_KEY, LABEL_AGENT, LABEL_WATCHED
from agentops_operator.ports.agents import NopAgents
from agentops_operator.ports.children import Forbidden, NopChildren
from agentops_operator.runtime import cache
from agentops_operator.runtime.cache import CachedAgents, CachedChildren, WatchedState


def agent(version: str, step: int | None = None) -> dict[str, Any]:
    status = {} if step is None else {"rollout": {"stepIndex": step}}
    return {"metadata": {"namespace": "ns", "name": "a", "resourceVersion": version}, "status": status}


def child(kind: str, name: str, owner: str = "a", **extra: Any) -> dict[str, Any]:
    meta = {"namespace": "ns", "name": name, "labels": {LABEL_AGENT: owner}, "managedFields": [{"big": "x"}]}
    return {"kind": kind, "metadata": meta, **extra}


class Answering(NopAgents):
    """The API answers a write with the object as written."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer

    async def write_status(self, namespace: str, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        return self.answer


def test_reads_see_our_write_until_the_watch_reports_it() -> None:
    state = WatchedState()
    state.agent_seen(agent("1", step=0))
    asyncio.run(CachedAgents(Answering(agent("2", step=1)), state).write_status("ns", "a", {}))
    assert state.agent("ns", "a") == agent("2", step=1)  # the watch still says version 1
    state.agent_seen(agent("1", step=0))  # a late event of the old version changes nothing
    assert state.agent("ns", "a") == agent("2", step=1)
    state.agent_seen(agent("2", step=1))
    state.agent_seen(agent("3", step=2))  # a later change by someone else
    assert state.agent("ns", "a") == agent("3", step=2)


def test_an_overlay_the_watch_never_reports_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    state = WatchedState()
    state.agent_seen(agent("1"))
    state.agent_written(agent("2", step=1))
    state.agent_seen(agent("5", step=4))  # the watch re-listed past our version
    assert state.agent("ns", "a") == agent("2", step=1)
    clock[0] += cache.OVERLAY_SECONDS + 1
    assert state.agent("ns", "a") == agent("5", step=4)


def test_a_deleted_agent_is_gone_with_its_overlay() -> None:
    state = WatchedState()
    state.agent_seen(agent("1"))
    state.agent_written(agent("2"))
    state.agent_seen(agent("2"), deleted=True)
    assert state.agent("ns", "a") is None and state.agents_in([]) == []


def test_children_are_grouped_by_agent_and_trimmed() -> None:
    state = WatchedState()
    bundle = child("ConfigMap", "a-1", data={BUNDLE_KEY: "{}", "other": "x" * 1000})
    state.child_seen("ConfigMap", bundle)
    state.child_seen("Deployment", child("Deployment", "a-1", spec={"replicas": 2, "template": {}}, status={"x": 1}))
    state.child_seen("Deployment", child("Deployment", "b-1", owner="b"))
    state.child_seen("Service", {"kind": "Service", "metadata": {"namespace": "ns", "name": "stray"}})  # no agent label
    mine = state.children_of("ns", "a")
    (deployment,) = mine.deployments
    assert deployment["spec"] == {"replicas": 2} and deployment["status"] == {"x": 1}
    assert "managedFields" not in deployment["metadata"]
    assert mine.config_maps[0]["data"] == {BUNDLE_KEY: "{}"} and mine.services == []


def test_applied_and_deleted_children_show_at_once() -> None:
    class Applying(NopChildren):
        async def apply(self, manifest: dict[str, Any]) -> dict[str, Any]:
            return manifest

    state = WatchedState()
    children = CachedChildren(Applying(), state)
    asyncio.run(children.apply(child("Service", "a")))
    assert [s["metadata"]["name"] for s in state.children_of("ns", "a").services] == ["a"]
    asyncio.run(children.delete("Service", "ns", "a"))
    assert state.children_of("ns", "a").services == []


def test_an_answer_slower_than_the_watch_never_takes_the_cache_back() -> None:
    state = WatchedState()
    state.agent_seen(agent("1", step=0))
    state.agent_seen(agent("2", step=1))  # the echo of our write came first...
    state.agent_seen(agent("3", step=1))  # ...then someone's later change
    state.agent_written(agent("2", step=1))  # our write's answer arrives last
    assert state.agent("ns", "a") == agent("3", step=1)
    deployment = child("Deployment", "a-1", status={"availableReplicas": 0})
    deployment["metadata"]["resourceVersion"] = "7"
    available = {**deployment, "metadata": {**deployment["metadata"], "resourceVersion": "8"}, "status": {"ok": 1}}
    state.child_seen("Deployment", deployment)
    state.child_seen("Deployment", available)
    state.child_written("Deployment", deployment)  # the answer to our apply, after the controller's update
    assert state.children_of("ns", "a").deployments[0]["status"] == {"ok": 1}


class PromptApi(NopChildren):
    """A user's prompt ConfigMap: read with a GET, labelled by a patch (or refused)."""

    def __init__(self, labels: dict[str, str], refuse: bool = False) -> None:
        self.config_map = {"metadata": {"namespace": "ns", "name": "p", "labels": labels}, "data": {"prompt": "Hi"}}
        self.refuse = refuse
        self.gets = 0
        self.patches = 0  # attempts, refused or not
        self.labelled: list[dict[str, str]] = []

    async def get_config_map(self, namespace: str, name: str) -> dict[str, Any] | None:
        self.gets += 1
        return self.config_map

    async def label_config_map(self, namespace: str, name: str, labels: dict[str, str]) -> dict[str, Any] | None:
        self.patches += 1
        if self.refuse:
            raise Forbidden("patch", "ConfigMap", namespace, name)
        self.labelled.append(labels)
        self.config_map["metadata"]["labels"].update(labels)
        return self.config_map


async def read_twice(api: PromptApi) -> WatchedState:
    state = WatchedState()
    children = CachedChildren(api, state)
    for _ in range(2):
        found = await children.get_config_map("ns", "p")
        assert found is not None and found["data"] == {"prompt": "Hi"}
    return state


@pytest.mark.parametrize(
    ("labels", "refuse", "gets", "labelled", "kept"),
    [
        pytest.param({}, False, 1, [{LABEL_WATCHED: "true"}], True, id="unlabelled-is-labelled-once-then-watched"),
        pytest.param({LABEL_WATCHED: "true"}, False, 1, [], True, id="labelled-by-its-owner-no-write"),
        pytest.param({}, True, 2, [], False, id="label-refused-read-each-time"),
    ],
)
async def test_a_prompt_config_map_is_labelled_for_the_watch_once_then_read_from_it(
    labels: dict[str, str], refuse: bool, gets: int, labelled: list[dict[str, str]], kept: bool
) -> None:
    """The operator watches only ConfigMaps labelled agentops.dev/watched=true: a prompt it must follow
    gets the label once; if it may not add it, the prompt is read again at each reconcile (never stale)."""
    api = PromptApi(labels, refuse)
    state = await read_twice(api)
    assert (api.gets, api.labelled, ("ns", "p") in state.prompts) == (gets, labelled, kept)
    assert api.patches <= 1  # a refused label is not asked for again at every reconcile


def test_agents_are_kept_without_managed_fields() -> None:
    """At 10,000 agents the cache is most of the operator's memory; no reconcile reads managedFields."""
    state = WatchedState()
    body = agent("1", step=0)
    body["metadata"]["managedFields"] = [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}]
    state.agent_seen(body)
    assert state.agent("ns", "a") == agent("1", step=0) and "managedFields" in body["metadata"]  # kopf's untouched
