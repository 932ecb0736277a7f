"""The write and read semantics of every served resource: what the API server does between
decoding a request and storing an object.

Covers "API Concepts" (create, get, update, patch, dry run, field validation), "Object Names and
IDs" (uid, generateName),
"Kubernetes API conventions → Metadata" (generation bumped only on spec changes,
optimistic concurrency on resourceVersion), the status subresource rules from the CRD
docs, and "Finalizers" (an object being deleted cannot gain finalizers, and goes away when
the last one is removed). Deletion and garbage collection live in `deletion.py`, lists (selectors,
chunking) in `listing.py`, the list-item keys server-side apply merges by in `list_keys.py`.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import apply as ssa
from . import builtin, schema
from .copying import json_copy
from .errors import (
    ApiError,
    FieldError,
    already_exists,
    bad_request,
    forbidden,
    invalid,
    not_found,
    unsupported_media_type,
)
from .kinds import Registry, ResourceType
from .list_keys import list_keys_for
from .patching import json_patch, merge_patch, strategic_merge_patch
from .preconditions import check_update
from .store import Store

JsonDict = dict[str, Any]

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class WriteOptions:
    manager: str = "unknown"
    dry_run: bool = False
    field_validation: str = "Warn"  # Strict | Warn | Ignore
    force: bool = False
    warnings: list[str] = field(default_factory=list)


class Resources:
    def __init__(self, store: Store, registry: Registry) -> None:
        self.store = store
        self.registry = registry
        self.service_ips = builtin.ServiceIPs()

    # ----- views ---------------------------------------------------------------------------
    def view(self, rt: ResourceType, obj: JsonDict) -> JsonDict:
        if rt.group == "events.k8s.io":
            return builtin.event_from_core(obj)
        if obj.get("apiVersion") != rt.api_version:
            return {**obj, "apiVersion": rt.api_version}
        return obj

    def _to_storage(self, rt: ResourceType, obj: JsonDict) -> JsonDict:
        if rt.group == "events.k8s.io":
            return builtin.event_to_core(obj)
        return obj

    def raw(self, rt: ResourceType, namespace: str, name: str) -> JsonDict:
        obj = self.store.get(rt.storage_key, (namespace if rt.namespaced else "", name))
        if obj is None:
            raise not_found(rt.plural, rt.group, name)
        return obj

    # ----- reads ---------------------------------------------------------------------------
    def get(self, rt: ResourceType, namespace: str, name: str) -> JsonDict:
        return self.view(rt, self.raw(rt, namespace, name))

    # ----- writes --------------------------------------------------------------------------
    def create(
        self,
        rt: ResourceType,
        namespace: str,
        body: Any,
        opts: WriteOptions,
        managed_fields: list[JsonDict] | None = None,
    ) -> JsonDict:
        obj = self._decode(rt, body)
        metadata = obj.setdefault("metadata", {})
        if rt.namespaced:
            if metadata.get("namespace") not in (None, "", namespace):
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            metadata["namespace"] = namespace
            self._require_live_namespace(namespace, rt, metadata.get("name", ""))
        else:
            metadata.pop("namespace", None)
        if not metadata.get("name") and metadata.get("generateName"):
            suffix = "".join(random.choices("bcdfghjklmnpqrstvwxz2456789", k=5))
            metadata["name"] = metadata["generateName"] + suffix
        if not metadata.get("name"):
            raise invalid(
                rt.kind,
                rt.group,
                "",
                [FieldError("metadata.name", "FieldValueRequired", "Required value: name or generateName is required")],
            )
        name_errors = builtin.validate_name(rt.kind, metadata["name"])
        if name_errors:
            raise invalid(rt.kind, rt.group, metadata["name"], name_errors)
        if self.store.get(rt.storage_key, (metadata.get("namespace", ""), metadata["name"])):
            raise already_exists(rt.plural, rt.group, metadata["name"])
        for server_field in (
            "uid",
            "resourceVersion",
            "deletionTimestamp",
            "managedFields",
            "selfLink",
            "deletionGracePeriodSeconds",
        ):
            metadata.pop(server_field, None)
        metadata["uid"] = str(uuid.uuid4())
        metadata["creationTimestamp"] = now_rfc3339()
        if rt.tracks_generation:
            metadata["generation"] = 1
        else:
            metadata.pop("generation", None)
        if rt.status_subresource and rt.kind != "Namespace":
            obj.pop("status", None)
        self._admit(rt, obj, None, "", opts)
        if managed_fields is None:
            ssa.record_update(
                None, obj, manager=opts.manager, api_version=rt.api_version, subresource="", list_keys=list_keys_for(rt)
            )
        else:
            metadata["managedFields"] = managed_fields
        return self._store(rt, obj, None, opts)

    def update(
        self, rt: ResourceType, namespace: str, name: str, body: Any, opts: WriteOptions, subresource: str = ""
    ) -> JsonDict:
        new = self._decode(rt, body)
        meta = new.get("metadata") or {}
        if meta.get("name") not in (None, name):
            raise bad_request(
                f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})"
            )
        current = self.store.get(rt.storage_key, (namespace if rt.namespaced else "", name))
        if current is None:
            raise not_found(rt.plural, rt.group, name)
        return self._replace(rt, current, new, opts, subresource)

    def patch(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        content_type: str,
        body: Any,
        opts: WriteOptions,
        subresource: str = "",
    ) -> JsonDict:
        key = (namespace if rt.namespaced else "", name)
        current = self.store.get(rt.storage_key, key)
        if content_type == APPLY_PATCH:
            return self._apply(rt, namespace, name, current, body, opts, subresource)
        if current is None:
            raise not_found(rt.plural, rt.group, name)
        base = self.view(rt, current)
        if content_type == MERGE_PATCH:
            if not isinstance(body, dict):
                raise bad_request("merge patch must be a JSON object")
            patched = merge_patch(base, body)
        elif content_type == JSON_PATCH:
            patched = json_patch(json_copy(base), body)
        elif content_type == STRATEGIC_PATCH:
            if not rt.strategic_merge:
                raise ApiError(
                    415,
                    "UnsupportedMediaType",
                    "strategic merge patch is not supported for custom resources; "
                    "use a JSON merge patch or server-side apply",
                )
            patched = strategic_merge_patch(base, body, rt.kind)
        else:
            raise unsupported_media_type(", ".join((JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH)))
        if (body.get("metadata") or {}).get("resourceVersion") if isinstance(body, dict) else False:
            patched["metadata"]["resourceVersion"] = body["metadata"]["resourceVersion"]
        else:
            patched.setdefault("metadata", {})["resourceVersion"] = current["metadata"]["resourceVersion"]
        return self._replace(rt, current, patched, opts, subresource)

    def _apply(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        current: JsonDict | None,
        body: Any,
        opts: WriteOptions,
        subresource: str,
    ) -> JsonDict:
        if not isinstance(body, dict):
            raise bad_request("apply patch must be an object")
        for required in ("apiVersion", "kind"):
            if not body.get(required):
                raise bad_request(f"{required} must be set in an apply configuration")
        if (body.get("metadata") or {}).get("name") not in (None, name):
            raise bad_request("the name of the object does not match the name on the URL")
        base = self.view(rt, current) if current is not None else None
        merged = ssa.apply_patch(
            base,
            json_copy(body),
            manager=opts.manager,
            force=opts.force,
            api_version=rt.api_version,
            subresource=subresource,
            list_keys=list_keys_for(rt),
        )
        merged.setdefault("metadata", {})["name"] = name
        if current is None:
            entries = merged["metadata"].pop("managedFields", [])
            return self.create(rt, namespace, merged, opts, managed_fields=entries)
        merged["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        return self._replace(rt, current, merged, opts, subresource, managed=True)

    def _replace(
        self,
        rt: ResourceType,
        current: JsonDict,
        new: JsonDict,
        opts: WriteOptions,
        subresource: str,
        managed: bool = False,
    ) -> JsonDict:
        new = self._to_storage(rt, new)
        old_meta = current["metadata"]
        meta = new.setdefault("metadata", {})
        check_update(rt, old_meta, meta)
        if subresource == "status":
            status = new.get("status")
            managed_fields = meta.get("managedFields")
            new = json_copy(current)
            if status is None:
                new.pop("status", None)
            else:
                new["status"] = status
            if managed:
                new["metadata"]["managedFields"] = managed_fields
        else:
            for kept in (
                "name",
                "namespace",
                "uid",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "generation",
            ):
                if kept in old_meta:
                    meta[kept] = old_meta[kept]
                else:
                    meta.pop(kept, None)
            if not managed:
                meta["managedFields"] = old_meta.get("managedFields", [])
            if rt.status_subresource:
                if "status" in current:
                    new["status"] = current["status"]
                else:
                    new.pop("status", None)
            if old_meta.get("deletionTimestamp"):
                added = set(meta.get("finalizers") or []) - set(old_meta.get("finalizers") or [])
                if added:
                    raise invalid(
                        rt.kind,
                        rt.group,
                        old_meta["name"],
                        [
                            FieldError(
                                "metadata.finalizers",
                                "FieldValueForbidden",
                                "Forbidden: no new finalizers can be added if the object is being deleted, "
                                f"found new finalizers {sorted(added)}",
                            )
                        ],
                    )
        meta["resourceVersion"] = old_meta["resourceVersion"]
        self._admit(rt, new, current, subresource, opts)
        if rt.tracks_generation and _spec_of(rt, new) != _spec_of(rt, current):
            meta["generation"] = int(old_meta.get("generation", 1)) + 1
        if not managed:
            ssa.record_update(
                current,
                new,
                manager=opts.manager,
                api_version=rt.api_version,
                subresource=subresource,
                list_keys=list_keys_for(rt),
            )
        if _same(new, current):
            return self.view(rt, current)
        return self._store(rt, new, current, opts)

    def _store(self, rt: ResourceType, obj: JsonDict, old: JsonDict | None, opts: WriteOptions) -> JsonDict:
        meta = obj["metadata"]
        if opts.dry_run:
            return self.view(rt, obj)
        if (
            old is not None
            and meta.get("deletionTimestamp")
            and not meta.get("finalizers")
            and not (obj.get("spec") or {}).get("finalizers")
        ):
            return self.view(rt, self.store.remove(rt.storage_key, obj))
        meta["resourceVersion"] = str(self.store.next_revision())
        self.store.put(rt.storage_key, obj, "ADDED" if old is None else "MODIFIED", old)
        return self.view(rt, obj)

    def _admit(
        self, rt: ResourceType, obj: JsonDict, old: JsonDict | None, subresource: str, opts: WriteOptions
    ) -> None:
        name = obj["metadata"].get("name", "")
        errors = builtin.validate_metadata(obj["metadata"])
        if rt.schema is not None:
            dropped = schema.prune(obj, rt.schema)
            if dropped and opts.field_validation == "Strict":
                unknown = ", ".join(f'unknown field "{p}"' for p in dropped)
                raise bad_request(
                    f'{rt.kind} in version "{rt.version}" cannot be handled as a '
                    f"{rt.kind}: strict decoding error: {unknown}"
                )
            if dropped and opts.field_validation == "Warn":
                opts.warnings.extend(f'unknown field "{p}"' for p in dropped)
            schema.apply_defaults(obj, rt.schema)
            errors += schema.validate(obj, rt.schema, old)
        else:
            builtin.apply_defaults(rt.kind, obj, self.service_ips)
            errors += builtin.validate(rt.kind, obj, old)
        if rt.kind == "CustomResourceDefinition" and subresource == "":
            from .crds import validate_crd

            errors += validate_crd(obj)
        if errors:
            raise invalid(rt.kind, rt.group, name, errors)

    def _decode(self, rt: ResourceType, body: Any) -> JsonDict:
        if not isinstance(body, dict):
            raise bad_request("the body of the request must be a JSON object")
        obj = json_copy(body)
        if obj.get("apiVersion") not in (None, rt.api_version) or obj.get("kind") not in (None, rt.kind):
            raise bad_request(
                f"the API version in the data ({obj.get('apiVersion')}) and kind "
                f"({obj.get('kind')}) do not match the endpoint "
                f"({rt.api_version}, {rt.kind})"
            )
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        return self._to_storage(rt, obj)

    def _require_live_namespace(self, namespace: str, rt: ResourceType, name: str) -> None:
        ns = self.store.get(("", "namespaces"), ("", namespace))
        if ns is None:
            raise not_found("namespaces", "", namespace)
        if ns["metadata"].get("deletionTimestamp"):
            raise forbidden(
                rt.plural,
                rt.group,
                name,
                f"unable to create new content in namespace {namespace} because it is being terminated",
            )


def _spec_of(rt: ResourceType, obj: JsonDict) -> JsonDict:
    skipped = {"metadata", "apiVersion", "kind"} | ({"status"} if rt.status_subresource else set())
    return {k: v for k, v in obj.items() if k not in skipped}


def _same(new: JsonDict, old: JsonDict) -> bool:
    """Equal but for resourceVersion and managedFields timestamps: such a write is a no-op."""

    def strip(obj: JsonDict) -> JsonDict:
        meta = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
        meta["managedFields"] = [{k: v for k, v in e.items() if k != "time"} for e in meta.get("managedFields") or []]
        return {**obj, "metadata": meta}

    return strip(new) == strip(old)
