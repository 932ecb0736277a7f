"""Preconditions a write must meet, and the 409 Conflict a real API server gives when it does not: a
`resourceVersion` sent with an update must be the stored one (optimistic concurrency), a `uid` sent
with an update or a delete must be the stored object's (so a client never changes a namesake that
replaced the object it read). The messages match kube-apiserver v1.37's."""

from __future__ import annotations

from typing import Any

from .errors import conflict, stale_resource_version
from .kinds import ResourceType

JsonDict = dict[str, Any]


def _storage_key(rt: ResourceType, meta: JsonDict) -> str:
    """Where kube-apiserver keeps the object in etcd (custom resources under their group)."""
    group = f"{rt.storage_group or rt.group}/" if rt.from_crd else ""
    namespace = f"{meta.get('namespace')}/" if rt.namespaced else ""
    return f"/registry/{group}{rt.storage_plural or rt.plural}/{namespace}{meta['name']}"


def check_update(rt: ResourceType, stored: JsonDict, sent: JsonDict) -> None:
    """An update (PUT or patch) carrying a stale resourceVersion or another object's uid is refused."""
    version = sent.get("resourceVersion")
    if version not in (None, "") and version != stored["resourceVersion"]:
        raise stale_resource_version(rt.plural, rt.group, stored["name"])
    if sent.get("uid") not in (None, "", stored["uid"]):
        raise conflict(
            rt.plural,
            rt.group,
            stored["name"],
            f"StorageError: invalid object, Code: 4, Key: {_storage_key(rt, stored)}, ResourceVersion: 0, "
            f"AdditionalErrorMsg: Precondition failed: UID in precondition: {sent['uid']}, "
            f"UID in object meta: {stored['uid']}",
        )


def check_delete(rt: ResourceType, stored: JsonDict, preconditions: JsonDict) -> None:
    """DeleteOptions.preconditions: the uid and resourceVersion the client expects."""
    name = stored["name"]
    if preconditions.get("uid") not in (None, stored["uid"]):
        raise conflict(
            rt.plural,
            rt.group,
            name,
            f"Precondition failed: UID in precondition: {preconditions['uid']}, UID in object meta: {stored['uid']}",
        )
    if preconditions.get("resourceVersion") not in (None, stored["resourceVersion"]):
        raise conflict(
            rt.plural,
            rt.group,
            name,
            f"Precondition failed: ResourceVersion in precondition: {preconditions['resourceVersion']}, "
            f"ResourceVersion in object meta: {stored['resourceVersion']}",
        )
