"""What the operator knows of the cluster without asking: a store fed by its watches, and the two
ports (`Agents`, `ChildObjects`) answering reads from it.

A reconcile used to GET its AgentDeployment and LIST its Deployments, ConfigMaps and Services every
time: about 30 requests per new agent, and a LIST per agent per resync in steady state. Informer
caches are how controller-runtime, Argo Rollouts and Flagger avoid that; kopf's indices would hold
whole objects per handler, so this store keeps the few fields a reconcile reads (written here,
not taken from a library, because it must also hold the operator's own writes, below).

Read-your-writes: the watch delivers the operator's own writes a moment later. Until it does, the
object a write returned is what reads see (an *overlay*), so a reconcile right after a status write
never decides from the status before it. An overlay ends when the watch delivers that version, or
after `OVERLAY_SECONDS` (a watch that re-listed may skip it). The watch may also be faster than the
write's answer: a version the watch has already reported (and so any later one) is never overlaid
or stored again from an answer, or the cache would go back in time. Versions are only compared for
equality (resourceVersions are opaque).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..engine.decisions import Event
from ..engine.manifests import BUNDLE_KEY, LABEL_AGENT, LABEL_WATCHED, WATCHED
from ..ports.agents import Agents
from ..ports.children import ChildObjects, Children, Forbidden

JsonDict = dict[str, Any]
log = logging.getLogger(__name__)
Key = tuple[str, str]  # (namespace, name)
OVERLAY_SECONDS = 30.0
CHILD_KINDS = ("Deployment", "ConfigMap", "Service", "AgentEvaluation")
AGENT = "AgentDeployment"
REMEMBERED_VERSIONS = 16  # per object: enough for the writes one reconcile makes, and their echoes


def _key(obj: JsonDict) -> Key:
    meta = obj["metadata"]
    return str(meta.get("namespace", "")), str(meta["name"])


def _version(obj: JsonDict | None) -> str | None:
    return None if obj is None else (obj.get("metadata") or {}).get("resourceVersion")


def without_managed_fields(body: JsonDict) -> JsonDict:
    """An agent as the cache keeps it: all but `metadata.managedFields`, which no reconcile reads and
    which is a good part of a body (a field per writer: kubectl, the operator, controllers)."""
    meta = body.get("metadata") or {}
    if "managedFields" not in meta:
        return body
    return {**body, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}


def slim(obj: JsonDict) -> JsonDict:
    """The fields a reconcile reads of a child: identity, labels, annotations, owners, replicas and
    status, and a bundle ConfigMap's bundle (to re-create a deleted Deployment from it)."""
    meta = obj.get("metadata") or {}
    kept: JsonDict = {
        "kind": obj.get("kind"),
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "labels", "annotations", "ownerReferences", "generation", "resourceVersion")
            if k in meta
        },
    }
    if "replicas" in (obj.get("spec") or {}):
        kept["spec"] = {"replicas": obj["spec"]["replicas"]}
    if "status" in obj:
        kept["status"] = obj["status"]
    if BUNDLE_KEY in (obj.get("data") or {}):
        kept["data"] = {BUNDLE_KEY: obj["data"][BUNDLE_KEY]}
    return kept


@dataclass
class WatchedState:
    """The agents and their children as the watches last reported them (plus the operator's own
    writes not yet reported: see the module docstring)."""

    agents: dict[Key, JsonDict] = field(default_factory=dict)
    children: dict[str, dict[Key, dict[str, JsonDict]]] = field(  # kind -> (namespace, agent) -> name -> object
        default_factory=lambda: {kind: {} for kind in CHILD_KINDS}
    )
    prompts: dict[Key, JsonDict] = field(default_factory=dict)  # ConfigMaps agents take their prompt from
    _overlays: dict[Key, tuple[JsonDict, float]] = field(default_factory=dict)
    _seen: dict[tuple[str, str, str], deque[str | None]] = field(default_factory=dict)  # versions the watch reported

    def _reported(self, kind: str, obj: JsonDict, deleted: bool = False) -> None:
        namespace, name = _key(obj)
        if deleted:
            self._seen.pop((kind, namespace, name), None)
        else:
            self._seen.setdefault((kind, namespace, name), deque(maxlen=REMEMBERED_VERSIONS)).append(_version(obj))

    def _already_reported(self, kind: str, obj: JsonDict) -> bool:
        namespace, name = _key(obj)
        return _version(obj) in self._seen.get((kind, namespace, name), ())

    # -- fed by the watches ------------------------------------------------------------------------
    def agent_seen(self, body: JsonDict, deleted: bool = False) -> bool:
        """Record what the watch reported; True when it is news (not the echo of the operator's own
        write, which the reconcile that wrote it has already acted on)."""
        key = _key(body)
        self._reported(AGENT, body, deleted)
        if deleted:
            self.agents.pop(key, None)
            self._overlays.pop(key, None)
            return True
        self.agents[key] = without_managed_fields(body)
        overlay = self._overlays.get(key)
        if overlay is not None and _version(overlay[0]) == _version(body):
            del self._overlays[key]
            return False
        return True

    def child_seen(self, kind: str, obj: JsonDict, deleted: bool = False) -> bool:
        """Record what the watch reported; True when it is news: not the version already known
        (the echo of the operator's own write)."""
        self._reported(kind, obj, deleted)
        return self._store_child(kind, obj, deleted)

    def child_written(self, kind: str, obj: JsonDict) -> None:
        """What a write answered, unless the watch has reported that version (or a later one) already."""
        if not self._already_reported(kind, obj):
            self._store_child(kind, obj)

    def _store_child(self, kind: str, obj: JsonDict, deleted: bool = False) -> bool:
        agent = ((obj.get("metadata") or {}).get("labels") or {}).get(LABEL_AGENT)
        if agent is None or kind not in self.children:
            return True
        namespace, name = _key(obj)
        owned = self.children[kind].setdefault((namespace, agent), {})
        if deleted:
            owned.pop(name, None)
            return True
        known = owned.get(name)
        owned[name] = slim(obj)
        return known is None or _version(known) != _version(obj)

    def prompt_seen(self, config_map: JsonDict, deleted: bool = False) -> None:
        key = _key(config_map)
        if deleted:
            self.prompts.pop(key, None)
        else:
            self.prompts[key] = {"metadata": config_map["metadata"], "data": config_map.get("data") or {}}

    def child_deleted(self, kind: str, namespace: str, name: str) -> None:
        for (where, _agent), owned in self.children.get(kind, {}).items():
            if where == namespace:
                owned.pop(name, None)

    # -- the operator's own writes -----------------------------------------------------------------
    def agent_written(self, body: JsonDict | None) -> None:
        if body is not None and "metadata" in body and not self._already_reported(AGENT, body):
            self._overlays[_key(body)] = (without_managed_fields(body), time.monotonic() + OVERLAY_SECONDS)

    # -- reads -------------------------------------------------------------------------------------
    def agent(self, namespace: str, name: str) -> JsonDict | None:
        key = (namespace, name)
        overlay = self._overlays.get(key)
        if overlay is not None:
            if time.monotonic() < overlay[1] and key in self.agents:
                return overlay[0]
            del self._overlays[key]
        return self.agents.get(key)

    def agents_in(self, namespaces: list[str]) -> list[JsonDict]:
        return [
            body
            for (namespace, name) in sorted(self.agents)
            if not namespaces or namespace in namespaces
            if (body := self.agent(namespace, name)) is not None
        ]

    def children_of(self, namespace: str, agent: str) -> Children:
        def of(kind: str) -> list[JsonDict]:
            return list(self.children[kind].get((namespace, agent), {}).values())

        return Children(of("Deployment"), of("ConfigMap"), of("Service"), of("AgentEvaluation"))


class CachedAgents:
    """`Agents` reading from the watched state; writes go to the API and into the state."""

    def __init__(self, api: Agents, state: WatchedState) -> None:
        self.api = api
        self.state = state

    async def get_agent(self, namespace: str, name: str) -> JsonDict | None:
        return self.state.agent(namespace, name)

    async def list_agents(self, namespace: str | None) -> list[JsonDict]:
        return self.state.agents_in([namespace] if namespace else [])

    async def write_status(self, namespace: str, name: str, patch: JsonDict) -> JsonDict | None:
        written = await self.api.write_status(namespace, name, patch)
        self.state.agent_written(written)
        return written

    async def remove_annotations(self, namespace: str, name: str, keys: tuple[str, ...]) -> JsonDict | None:
        written = await self.api.remove_annotations(namespace, name, keys)
        self.state.agent_written(written)
        return written

    async def post_event(self, regarding: JsonDict, event: Event) -> None:
        await self.api.post_event(regarding, event)


class CachedChildren:
    """`ChildObjects` listing an agent's children from the watched state; what the operator applies
    goes into the state at once, so the next reconcile does not apply it again."""

    def __init__(self, api: ChildObjects, state: WatchedState) -> None:
        self.api = api
        self.state = state
        self._unlabelled: set[Key] = set()  # prompt ConfigMaps the operator may not label (until it restarts)

    async def list_children(self, namespace: str, agent: str) -> Children:
        return self.state.children_of(namespace, agent)

    async def get_config_map(self, namespace: str, name: str) -> JsonDict | None:
        """A prompt ConfigMap: from the watch once it reported it, else read once and kept, as the
        watch reports its changes from then on. The watch selects `LABEL_WATCHED`: a ConfigMap without
        it gets the label (one patch); one the operator may not label is not kept, but read each time."""
        cached = self.state.prompts.get((namespace, name))
        if cached is not None:
            return cached
        found = await self.api.get_config_map(namespace, name)
        if (namespace, name) in self._unlabelled:  # refused once: read at every reconcile, not patched again
            return found
        if found is not None and ((found.get("metadata") or {}).get("labels") or {}).get(LABEL_WATCHED) != WATCHED:
            try:
                found = await self.api.label_config_map(namespace, name, {LABEL_WATCHED: WATCHED})
            except Forbidden as error:
                self._unlabelled.add((namespace, name))
                log.warning("%s: an edit of it reaches its agents at the next resync, not at once", error)
                return found
        if found is not None:
            self.state.prompt_seen(found)
        return found

    async def get_secret(self, namespace: str, name: str) -> JsonDict | None:
        return await self.api.get_secret(namespace, name)

    async def label_config_map(self, namespace: str, name: str, labels: dict[str, str]) -> JsonDict | None:
        return await self.api.label_config_map(namespace, name, labels)

    async def apply(self, manifest: JsonDict) -> JsonDict | None:
        applied = await self.api.apply(manifest)
        if applied is not None:
            self.state.child_written(str(applied.get("kind", manifest["kind"])), applied)
        return applied

    async def apply_status(self, manifest: JsonDict) -> JsonDict | None:
        return await self.api.apply_status(manifest)

    async def scale(self, namespace: str, name: str, replicas: int) -> JsonDict | None:
        scaled = await self.api.scale(namespace, name, replicas)
        if scaled is not None:
            self.state.child_written("Deployment", scaled)
        return scaled

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        await self.api.delete(kind, namespace, name)
        self.state.child_deleted(kind, namespace, name)
