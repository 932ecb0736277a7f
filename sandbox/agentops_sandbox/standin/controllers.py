"""The control loops a real control plane runs that clients notice: the garbage collector, the
namespace lifecycle, CRD establishment and cleanup, and (off by default) a stand-in for the
kubelet and workload controllers that moves Deployment and Job status.

Behaviour follows "Garbage Collection" (dependents whose owners are all gone are deleted;
references to a deleted owner are dropped while other owners remain; foreground deletion
waits for dependents; orphan strips owner references), "Namespaces" (a terminating
namespace empties itself, then goes), and the CRD docs (Established condition; deleting a
CRD deletes its objects first). Work is queued from store changes and done on the server's
loop, asynchronously, like the real controllers.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from . import deletion
from .crds import CLEANUP_FINALIZER, CRD_STORAGE, established_status
from .errors import ApiError
from .kinds import ResourceType
from .resources import Resources, WriteOptions, now_rfc3339
from .simulator import WorkloadSimulator
from .store import Change

JsonDict = dict[str, Any]
log = logging.getLogger(__name__)

NAMESPACES = ("", "namespaces")
CONTROLLER = WriteOptions(manager="kube-controller-manager")


class Controllers:
    def __init__(self, resources: Resources, simulator: WorkloadSimulator) -> None:
        self.resources = resources
        self.store = resources.store
        self.simulator = simulator
        self._queue: asyncio.Queue[Change] = asyncio.Queue()
        self._uids: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {}
        self._dependents: dict[str, set[tuple[tuple[str, str], tuple[str, str]]]] = {}
        self.store.listen(self._index)

    def _index(self, change: Change) -> None:
        meta = change.object["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        where = (change.storage, key)
        owners = {ref["uid"] for ref in meta.get("ownerReferences") or []}
        old_owners = {ref["uid"] for ref in ((change.old or {}).get("metadata") or {}).get("ownerReferences") or []}
        for uid in old_owners - owners if change.type != "DELETED" else old_owners | owners:
            self._dependents.get(uid, set()).discard(where)
        if change.type == "DELETED":
            self._uids.pop(meta["uid"], None)
        else:
            self._uids[meta["uid"]] = where
            for uid in owners:
                self._dependents.setdefault(uid, set()).add(where)
        self._queue.put_nowait(change)

    async def run(self) -> None:
        while True:
            change = await self._queue.get()
            try:
                self._handle(change)
            except ApiError as error:
                # Conflicts and NotFound are normal races for a controller; it retries on the
                # next change, as the real ones requeue.
                log.debug("controller: %s", error)
            except Exception:
                log.exception("controller failed on %s %s", change.type, change.storage)

    # ----- dispatch ------------------------------------------------------------------------
    def _handle(self, change: Change) -> None:
        obj = change.object
        meta = obj["metadata"]
        if change.type == "DELETED":
            self._collect_dependents_of(meta["uid"])
            self._recheck_parents(change)
            return
        if meta.get("deletionTimestamp"):
            finalizers = meta.get("finalizers") or []
            if deletion.FOREGROUND in finalizers:
                self._foreground(change.storage, obj)
            if deletion.ORPHAN in finalizers:
                self._orphan(change.storage, obj)
            if change.storage == NAMESPACES:
                self._drain_namespace(obj)
            if change.storage == CRD_STORAGE and CLEANUP_FINALIZER in finalizers:
                self._drain_crd(obj)
        if change.storage == CRD_STORAGE:
            self._establish(obj)
        self.simulator.observe(change)

    # ----- garbage collection --------------------------------------------------------------
    def _type_for(self, storage: tuple[str, str]) -> ResourceType | None:
        types = self.resources.registry.by_storage(storage)
        return types[0] if types else None

    def _collect_dependents_of(self, uid: str) -> None:
        for storage, key in sorted(self._dependents.pop(uid, set())):
            dependent = self.store.get(storage, key)
            rt = self._type_for(storage)
            if dependent is None or rt is None:
                continue
            refs = dependent["metadata"].get("ownerReferences") or []
            alive = [r for r in refs if r["uid"] in self._uids]
            if alive:
                self.resources.patch(
                    rt,
                    key[0],
                    key[1],
                    "application/merge-patch+json",
                    {"metadata": {"ownerReferences": alive}},
                    CONTROLLER,
                )
            else:
                deletion.delete(self.resources, rt, key[0], key[1], {"propagationPolicy": "Background"})

    def _live_dependents(self, uid: str) -> list[tuple[ResourceType, JsonDict]]:
        found = []
        for storage, key in sorted(self._dependents.get(uid, set())):
            obj = self.store.get(storage, key)
            rt = self._type_for(storage)
            if obj is not None and rt is not None:
                found.append((rt, obj))
        return found

    def _foreground(self, storage: tuple[str, str], owner: JsonDict) -> None:
        dependents = self._live_dependents(owner["metadata"]["uid"])
        for rt, obj in dependents:
            if not obj["metadata"].get("deletionTimestamp"):
                deletion.delete(
                    self.resources,
                    rt,
                    obj["metadata"].get("namespace", ""),
                    obj["metadata"]["name"],
                    {"propagationPolicy": "Foreground"},
                )
        if not self._live_dependents(owner["metadata"]["uid"]):
            self._drop_finalizer(storage, owner, deletion.FOREGROUND)

    def _orphan(self, storage: tuple[str, str], owner: JsonDict) -> None:
        uid = owner["metadata"]["uid"]
        for rt, obj in self._live_dependents(uid):
            refs = [r for r in obj["metadata"].get("ownerReferences") or [] if r["uid"] != uid]
            self.resources.patch(
                rt,
                obj["metadata"].get("namespace", ""),
                obj["metadata"]["name"],
                "application/merge-patch+json",
                {"metadata": {"ownerReferences": refs or None}},
                CONTROLLER,
            )
        self._drop_finalizer(storage, owner, deletion.ORPHAN)

    def _drop_finalizer(self, storage: tuple[str, str], obj: JsonDict, finalizer: str) -> None:
        rt = self._type_for(storage)
        meta = obj["metadata"]
        fresh = self.store.get(storage, (meta.get("namespace", ""), meta["name"]))
        if rt is not None and fresh is not None:
            deletion.remove_finalizer(self.resources, rt, fresh, finalizer)

    def _recheck_parents(self, change: Change) -> None:
        """A deletion may be what a terminating namespace, CRD or foreground owner waits for."""
        meta = change.object["metadata"]
        namespace = meta.get("namespace")
        if namespace:
            ns = self.store.get(NAMESPACES, ("", namespace))
            if ns is not None and ns["metadata"].get("deletionTimestamp"):
                self._drain_namespace(ns)
        for rt in self.resources.registry.by_storage(change.storage):
            if rt.from_crd:
                crd = self.store.get(CRD_STORAGE, ("", rt.from_crd))
                if crd is not None and crd["metadata"].get("deletionTimestamp"):
                    self._drain_crd(crd)
                break
        for ref in meta.get("ownerReferences") or []:
            where = self._uids.get(ref["uid"])
            owner = self.store.get(*where) if where else None
            if owner is not None and deletion.FOREGROUND in (owner["metadata"].get("finalizers") or []):
                self._foreground(where[0], owner)  # type: ignore[index]

    # ----- namespaces and CRDs -------------------------------------------------------------
    def _drain_namespace(self, namespace: JsonDict) -> None:
        name = namespace["metadata"]["name"]
        remaining = 0
        for storage, obj in self.store.all_objects():
            if obj["metadata"].get("namespace") != name:
                continue
            remaining += 1
            rt = self._type_for(storage)
            if rt is not None and not obj["metadata"].get("deletionTimestamp"):
                deletion.delete(self.resources, rt, name, obj["metadata"]["name"], {})
        if remaining == 0 and "kubernetes" in ((namespace.get("spec") or {}).get("finalizers") or []):
            rt = self._type_for(NAMESPACES)
            assert rt is not None
            fresh = self.store.get(NAMESPACES, ("", name))
            if fresh is None:
                return
            finalized = {**fresh, "spec": {**fresh.get("spec", {}), "finalizers": []}}
            self.resources.update(rt, "", name, finalized, CONTROLLER)

    def _drain_crd(self, crd: JsonDict) -> None:
        name = crd["metadata"]["name"]
        served = [rt for rt in self.resources.registry if rt.from_crd == name]
        if not served:
            return
        rt = served[0]
        remaining = list(self.store.items(rt.storage_key))
        for obj in remaining:
            if not obj["metadata"].get("deletionTimestamp"):
                deletion.delete(self.resources, rt, obj["metadata"].get("namespace", ""), obj["metadata"]["name"], {})
        if not list(self.store.items(rt.storage_key)):
            self._drop_finalizer(CRD_STORAGE, crd, CLEANUP_FINALIZER)

    def _establish(self, crd: JsonDict) -> None:
        rt = self._type_for(CRD_STORAGE)
        assert rt is not None
        meta = crd["metadata"]
        if not meta.get("deletionTimestamp") and CLEANUP_FINALIZER not in (meta.get("finalizers") or []):
            self.resources.patch(
                rt,
                "",
                meta["name"],
                "application/merge-patch+json",
                {"metadata": {"finalizers": [*(meta.get("finalizers") or []), CLEANUP_FINALIZER]}},
                CONTROLLER,
            )
            return
        wanted = established_status(crd, now_rfc3339())
        current = crd.get("status") or {}
        if _without_times(current) == _without_times(wanted):
            return
        self.resources.update(rt, "", meta["name"], {**crd, "status": wanted}, CONTROLLER, subresource="status")


def _without_times(status: JsonDict) -> JsonDict:
    conditions = [{k: v for k, v in c.items() if k != "lastTransitionTime"} for c in status.get("conditions") or []]
    return {**status, "conditions": conditions}
