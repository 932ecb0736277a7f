"""How server-side apply identifies the items of each list field of a type ("Server-Side Apply →
Merge strategy"): a CRD schema's `x-kubernetes-list-type` / `x-kubernetes-list-map-keys`, or for
built-in kinds the strategic-merge keys the stand-in knows; finalizers are always a set."""

from __future__ import annotations

from typing import Any

from . import apply as ssa
from .kinds import ResourceType
from .patching import merge_key

JsonDict = dict[str, Any]


def list_keys_for(rt: ResourceType) -> ssa.ListKeys:
    """How server-side apply identifies list items of this type (see `apply.py`)."""
    if rt.schema is None:

        def builtin_keys(names: tuple[str, ...]) -> list[str] | str | None:
            if names[-1] == "finalizers":
                return "set"
            key = merge_key(rt.kind, tuple(n for n in names))
            return [key] if key else None

        return builtin_keys

    def schema_keys(names: tuple[str, ...]) -> list[str] | str | None:
        if names[:2] == ("metadata", "finalizers"):
            return "set"
        node: JsonDict | None = rt.schema
        for name in names:
            if node is None:
                return None
            if node.get("type") == "array":
                node = node.get("items")
            node = ((node or {}).get("properties") or {}).get(name)
        if not node:
            return None
        list_type = node.get("x-kubernetes-list-type")
        if list_type == "map":
            return list(node.get("x-kubernetes-list-map-keys") or [])
        return "set" if list_type == "set" else None

    return schema_keys
