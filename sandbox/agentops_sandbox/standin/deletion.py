"""DELETE semantics: preconditions, finalizers, propagation policies, and what the response holds.

From "Finalizers", "Garbage Collection" and "Use Cascading Deletion": an object with
finalizers (or deleted with propagationPolicy Foreground or Orphan, which add the
`foregroundDeletion` / `orphan` finalizers) gets a deletionTimestamp and stays; otherwise it
is removed at once. As kube-apiserver v1.37 answers (checked against it): 200 either way, 202
only for an object that stays when the client sent the deprecated `orphanDependents: false`; an
object that stays comes back as it now is; one removed at once comes back as a Status `Success`
naming it (details: name, group, kind = the resource, uid), except for the kinds whose storage
returns the deleted object (Pods, Services, ServiceAccounts, Namespaces, PersistentVolumes and
claims, ResourceQuotas, PodTemplates, and the storage.k8s.io and resource.k8s.io kinds). The
garbage collector and namespace controller that finish the job are in `controllers.py`.
Namespaces are always deleted gracefully through their `spec.finalizers` (`kubernetes`), as the
namespace lifecycle describes.
"""

from __future__ import annotations

from typing import Any

from .copying import json_copy
from .errors import bad_request
from .kinds import ResourceType
from .listing import list_items
from .preconditions import check_delete
from .resources import Resources, WriteOptions, now_rfc3339

JsonDict = dict[str, Any]

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"
# batch/v1 Jobs still default to orphaning their Pods when no policy is given.
_DEFAULT_ORPHAN_KINDS = {("batch", "Job")}


def _policy(rt: ResourceType, options: JsonDict) -> str:
    policy = options.get("propagationPolicy")
    if policy is None and options.get("orphanDependents") is not None:
        policy = "Orphan" if options["orphanDependents"] else "Background"
    if policy is None:
        policy = "Orphan" if (rt.group, rt.kind) in _DEFAULT_ORPHAN_KINDS else "Background"
    if policy not in ("Foreground", "Background", "Orphan"):
        raise bad_request(f'Unsupported value: "{policy}": supported values: "Foreground", "Background", "Orphan"')
    return str(policy)


def delete(
    resources: Resources, rt: ResourceType, namespace: str, name: str, options: JsonDict, dry_run: bool = False
) -> tuple[JsonDict, int]:
    """Delete one object; returns the response body and HTTP status the real server would give."""
    current = resources.raw(rt, namespace, name)
    meta = current["metadata"]
    check_delete(rt, meta, options.get("preconditions") or {})
    policy = _policy(rt, options)
    stays = 202 if options.get("orphanDependents") is False else 200
    if dry_run:
        return _deleted(rt, resources.view(rt, current)), 200
    if meta.get("deletionTimestamp"):
        return resources.view(rt, current), stays
    finalizers = list(meta.get("finalizers") or [])
    if policy == "Foreground" and FOREGROUND not in finalizers:
        finalizers.append(FOREGROUND)
    if policy == "Orphan" and ORPHAN not in finalizers:
        finalizers.append(ORPHAN)
    if rt.kind == "Namespace" and rt.group == "":
        return _terminate_namespace(resources, rt, current, finalizers), 200
    if not finalizers:
        return _deleted(rt, resources.view(rt, resources.store.remove(rt.storage_key, current))), 200
    return _mark_deleting(resources, rt, current, finalizers), stays


RETURN_DELETED_OBJECT = {
    "pods",
    "services",
    "serviceaccounts",
    "namespaces",
    "persistentvolumes",
    "persistentvolumeclaims",
    "resourcequotas",
    "podtemplates",
}


def _deleted(rt: ResourceType, obj: JsonDict) -> JsonDict:
    """The body for an object removed at once: itself for some kinds, else a Status naming it."""
    if (rt.group == "" and rt.plural in RETURN_DELETED_OBJECT) or rt.group in ("storage.k8s.io", "resource.k8s.io"):
        return obj
    meta = obj["metadata"]
    details = {"name": meta["name"], **({"group": rt.group} if rt.group else {}), "kind": rt.plural, "uid": meta["uid"]}
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


def _mark_deleting(resources: Resources, rt: ResourceType, current: JsonDict, finalizers: list[str]) -> JsonDict:
    updated = json_copy(current)
    meta = updated["metadata"]
    meta["deletionTimestamp"] = now_rfc3339()
    meta["deletionGracePeriodSeconds"] = 0
    meta["finalizers"] = finalizers
    meta["resourceVersion"] = str(resources.store.next_revision())
    resources.store.put(rt.storage_key, updated, "MODIFIED", current)
    return resources.view(rt, updated)


def _terminate_namespace(resources: Resources, rt: ResourceType, current: JsonDict, finalizers: list[str]) -> JsonDict:
    updated = json_copy(current)
    meta = updated["metadata"]
    meta["deletionTimestamp"] = now_rfc3339()
    meta["deletionGracePeriodSeconds"] = 0
    if finalizers:
        meta["finalizers"] = finalizers
    updated.setdefault("status", {})["phase"] = "Terminating"
    meta["resourceVersion"] = str(resources.store.next_revision())
    resources.store.put(rt.storage_key, updated, "MODIFIED", current)
    return updated


def remove_finalizer(resources: Resources, rt: ResourceType, obj: JsonDict, finalizer: str) -> None:
    """Take one finalizer off (as its controller would); the object goes once none remain."""
    meta = obj["metadata"]
    remaining = [f for f in meta.get("finalizers") or [] if f != finalizer]
    if remaining == list(meta.get("finalizers") or []):
        return
    patch = {"metadata": {"finalizers": remaining or None, "resourceVersion": meta["resourceVersion"]}}
    resources.patch(
        rt,
        meta.get("namespace", ""),
        meta["name"],
        "application/merge-patch+json",
        patch,
        WriteOptions(manager="kube-controller-manager"),
    )


def delete_collection(
    resources: Resources,
    rt: ResourceType,
    namespace: str | None,
    label_selector: str | None,
    field_selector: str | None,
    options: JsonDict,
    dry_run: bool,
) -> JsonDict:
    listed = list_items(resources, rt, namespace, label_selector=label_selector, field_selector=field_selector)
    deleted = []
    for item in listed["items"]:
        meta = item["metadata"]
        obj, _ = delete(resources, rt, meta.get("namespace", ""), meta["name"], options, dry_run)
        deleted.append(obj)
    return {**listed, "items": deleted}
