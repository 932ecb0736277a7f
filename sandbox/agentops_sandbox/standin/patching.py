"""The three PATCH bodies the API server accepts besides apply: JSON merge, JSON and strategic.

JSON merge patch is RFC 7386; JSON patch is RFC 6902 through the `jsonpatch` library (a
failed `test` op is a 422, as in the apiserver's patch handler). Strategic merge patch is
Kubernetes-only ("Update API Objects in Place Using kubectl patch"): lists in built-in kinds
merge by their `patchMergeKey` (containers by name, ports by containerPort, …) and the
patch may carry `$patch`, `$retainKeys`, `$setElementOrder/…` and `$deleteFromPrimitiveList/…`
directives. No maintained Python library implements it, so it is written here for the
fields of the built-in kinds this stand-in serves; custom resources reject it (415).
"""

from __future__ import annotations

import json
from typing import Any

import jsonpatch

from .copying import json_copy
from .errors import bad_request, unprocessable

JsonDict = dict[str, Any]


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, `null` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return json_copy(patch)
    result = json_copy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(target: JsonDict, operations: Any) -> JsonDict:
    if not isinstance(operations, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    try:
        patch = jsonpatch.JsonPatch(operations)
    except (jsonpatch.InvalidJsonPatch, TypeError) as error:
        raise bad_request(f"invalid JSON patch: {error}") from None
    try:
        result = patch.apply(target)
    except jsonpatch.JsonPatchTestFailed as error:
        raise unprocessable(f"the server rejected our request due to an error in our request: {error}") from None
    except (jsonpatch.JsonPatchConflict, jsonpatch.JsonPointerException, IndexError, KeyError) as error:
        raise unprocessable(f"the server rejected our request due to an error in our request: {error}") from None
    if not isinstance(result, dict):
        raise unprocessable("the patched document is not an object")
    return result


# patchMergeKey of the list fields in the built-in kinds we serve (from the API reference's
# "Patch strategy: merge on key …" notes). Lists not named here are replaced whole.
_MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "ownerReferences": "uid",
    "conditions": "type",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
    "ports": "containerPort",
}
# Primitive lists with patchStrategy "merge": union instead of replace.
_MERGED_PRIMITIVE_LISTS = {"finalizers"}

_DIRECTIVE_PREFIXES = ("$setElementOrder/", "$deleteFromPrimitiveList/")


def merge_key(kind: str, path: tuple[str, ...]) -> str | None:
    """The merge key of the list at `path` in an object of `kind`, or None if it is atomic."""
    field = path[-1]
    if field == "ports":
        if kind == "Service" and path == ("spec", "ports"):
            return "port"
        if not {"containers", "initContainers", "ephemeralContainers"} & set(path):
            return None
    return _MERGE_KEYS.get(field)


def _is_directive(key: str) -> bool:
    return key in ("$patch", "$retainKeys") or key.startswith(_DIRECTIVE_PREFIXES)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not _is_directive(k) and v is not None}
    if isinstance(value, list):
        return [_strip(v) for v in value if not (isinstance(v, dict) and v.get("$patch") == "delete")]
    return value


def strategic_merge_patch(target: JsonDict, patch: Any, kind: str) -> JsonDict:
    if not isinstance(patch, dict):
        raise bad_request("strategic merge patch must be a JSON object")
    result = _merge_map(target, patch, kind, ())
    return result if result is not None else {}


def _merge_map(original: JsonDict, patch: JsonDict, kind: str, path: tuple[str, ...]) -> JsonDict | None:
    directive = patch.get("$patch")
    if directive == "replace":
        return _strip(patch)  # type: ignore[no-any-return]
    if directive == "delete":
        return None
    if directive not in (None, "merge"):
        raise bad_request(f"Unknown patch type: {directive}")
    result = json_copy(original)
    for key, value in patch.items():
        if _is_directive(key):
            continue
        if value is None:
            result.pop(key, None)
            continue
        field_path = (*path, key)
        current = result.get(key)
        if isinstance(value, dict):
            merged = _merge_map(current if isinstance(current, dict) else {}, value, kind, field_path)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(current if isinstance(current, list) else [], value, kind, field_path)
        else:
            result[key] = value
    for key, value in patch.items():
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [v for v in result.get(field, []) if v not in value]
    for key, value in patch.items():
        if key.startswith("$setElementOrder/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list):
                result[field] = _reorder(result[field], value, merge_key(kind, (*path, field)))
    if "$retainKeys" in patch:
        keep = set(patch["$retainKeys"])
        result = {k: v for k, v in result.items() if k in keep}
    return result


def _merge_list(original: list[Any], patch: list[Any], kind: str, path: tuple[str, ...]) -> list[Any]:
    key = merge_key(kind, path)
    if path[-1] in _MERGED_PRIMITIVE_LISTS:
        values = list(dict.fromkeys(patch))
        return _interleave([v for v in original if v not in values], values, original, None)
    if key is None or any(isinstance(v, dict) and v.get("$patch") == "replace" for v in patch):
        return [_strip(v) for v in patch if not (isinstance(v, dict) and "$patch" in v and len(v) == 1)]
    by_key = {cur.get(key): cur for cur in original if isinstance(cur, dict)}
    patched: list[Any] = []
    for item in patch:
        if not isinstance(item, dict):
            patched.append(item)
        elif item.get("$patch") != "delete":
            current = by_key.get(item.get(key))
            merged = _strip(item) if current is None else _merge_map(current, item, kind, path)
            if merged is not None:
                patched.append(merged)
    named = {item.get(key) for item in patch if isinstance(item, dict)}
    server_only = [cur for cur in original if not (isinstance(cur, dict) and cur.get(key) in named)]
    return _interleave(server_only, patched, original, key)


def _interleave(server_only: list[Any], patched: list[Any], server: list[Any], key: str | None) -> list[Any]:
    """The order kube-apiserver gives a merged list: the patch's items in the patch's order, with the
    items only the server had slotted in before the first patch item that the server had after them;
    a patch item the server did not have goes before the server-only items still waiting."""

    def identity(item: Any) -> Any:
        return json.dumps(item.get(key) if key and isinstance(item, dict) else item, sort_keys=True)

    positions: dict[str, int] = {}
    for index, cur in enumerate(server):
        positions.setdefault(identity(cur), index)
    result: list[Any] = []
    left, right = list(server_only), list(patched)
    while left and right:
        here, there = positions.get(identity(left[0]), -1), positions.get(identity(right[0]), -1)
        result.append(left.pop(0) if here >= 0 and there >= 0 and here < there else right.pop(0))
    return result + left + right


def _reorder(items: list[Any], order: list[Any], key: str | None) -> list[Any]:
    def identity(item: Any) -> Any:
        return item.get(key) if key and isinstance(item, dict) else item

    wanted = [identity(o) for o in order]
    ranked = [i for i in items if identity(i) in wanted]
    ranked.sort(key=lambda i: wanted.index(identity(i)))
    return ranked + [i for i in items if identity(i) not in wanted]
