"""Server-side apply and field ownership (`metadata.managedFields`).

Follows "Server-Side Apply": each manager owns the set of fields it last applied (operation
Apply) or changed (operation Update). An apply merges the applied configuration field by
field (maps by key, associative lists by their keys, everything else as a whole), fails with
409 Conflict when it would change a value another manager owns (unless `force=true`, which
takes ownership), and removes fields the same manager applied before but no longer applies
and nobody else owns. Updates take ownership of the fields they change. Ownership is
recorded in the FieldsV1 format (`f:`, `k:`, `v:` keys). No Python library implements
structured-merge-diff, hence this module.

Simplified on purpose: versions are not converted between managers, lists of primitives
without a set list-type are atomic, and client-sent `managedFields` are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .copying import json_copy
from .errors import ApiError

JsonDict = dict[str, Any]
FieldPath = tuple[str, ...]
# Given the field names leading to a list, return its key names, "set", or None (atomic).
ListKeys = Callable[[tuple[str, ...]], list[str] | str | None]

_UNTRACKED_METADATA = {
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
    "generateName",
}


def _identity(item: JsonDict, keys: list[str]) -> str:
    return "k:" + json.dumps({k: item.get(k) for k in keys}, separators=(",", ":"), sort_keys=True)


def field_set(obj: JsonDict, list_keys: ListKeys, *, status: bool) -> set[FieldPath]:
    """The leaf fields an object sets, as FieldsV1 paths; `status` picks main or /status."""
    paths: set[FieldPath] = set()
    for key, value in obj.items():
        if key in ("apiVersion", "kind"):
            continue
        if (key == "status") != status:
            continue
        if key == "metadata":
            for meta_key, meta_value in (value or {}).items():
                if meta_key not in _UNTRACKED_METADATA:
                    _collect(meta_value, ("f:metadata", f"f:{meta_key}"), ("metadata", meta_key), list_keys, paths)
        else:
            _collect(value, (f"f:{key}",), (key,), list_keys, paths)
    return paths


def _collect(value: Any, path: FieldPath, names: tuple[str, ...], list_keys: ListKeys, out: set[FieldPath]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _collect(item, (*path, f"f:{key}"), (*names, key), list_keys, out)
        return
    if isinstance(value, list) and value:
        keys = list_keys(names)
        if keys == "set":
            out.update((*path, "v:" + json.dumps(item, separators=(",", ":"))) for item in value)
            return
        if isinstance(keys, list) and all(isinstance(i, dict) for i in value):
            for item in value:
                item_path = (*path, _identity(item, keys))
                out.add((*item_path, "."))
                _collect(item, item_path, names, list_keys, out)
            return
    out.add(path)


def readable(path: FieldPath) -> str:
    """A field path as structured-merge-diff prints it: `.spec.containers[name="web"].image`."""
    text = ""
    for element in path:
        kind, _, rest = element.partition(":")
        if kind == "f":
            text += f".{rest}"
        elif kind == "k":
            keys = json.loads(rest)
            text += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]"
        elif kind == "v":
            text += f"[={rest}]"
    return text


def _step(node: Any, element: str) -> Any:
    if node is None:
        return None
    kind, _, rest = element.partition(":")
    if kind == "f" and isinstance(node, dict):
        return node.get(rest)
    if kind == "k" and isinstance(node, list):
        wanted = json.loads(rest)
        return next((i for i in node if isinstance(i, dict) and all(i.get(k) == v for k, v in wanted.items())), None)
    if kind == "v" and isinstance(node, list):
        value = json.loads(rest)
        return value if value in node else None
    return None


def value_at(obj: Any, path: FieldPath) -> Any:
    node = obj
    for element in path:
        if element == ".":
            break
        node = _step(node, element)
    return node


def remove_at(obj: JsonDict, path: FieldPath) -> None:
    """Delete one field (or one list item) from an object, then any map it left empty."""
    if path[-1] == ".":
        path = path[:-1]
    parent: Any = value_at(obj, path[:-1])
    kind, _, rest = path[-1].partition(":")
    if kind == "f" and isinstance(parent, dict):
        parent.pop(rest, None)
    elif kind in ("k", "v") and isinstance(parent, list):
        target = _step(parent, path[-1])
        if target is not None:
            parent.remove(target)


def to_fields_v1(paths: set[FieldPath]) -> JsonDict:
    tree: JsonDict = {}
    for path in sorted(paths):
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    return tree


def from_fields_v1(tree: JsonDict, prefix: FieldPath = ()) -> set[FieldPath]:
    paths: set[FieldPath] = set()
    for key, child in tree.items():
        path = (*prefix, key)
        if key == "." or not child:
            paths.add(path)
        else:
            paths |= from_fields_v1(child, path)
    return paths


def _merge(live: Any, applied: Any, names: tuple[str, ...], list_keys: ListKeys) -> Any:
    if isinstance(live, dict) and isinstance(applied, dict):
        result = json_copy(live)
        for key, value in applied.items():
            result[key] = _merge(live.get(key), value, (*names, key), list_keys)
        return result
    if isinstance(live, list) and isinstance(applied, list):
        keys = list_keys(names)
        if keys == "set":
            return live + [v for v in applied if v not in live]
        if isinstance(keys, list):
            merged_items = json_copy(live)
            for item in applied:
                index = next(
                    (
                        n
                        for n, cur in enumerate(merged_items)
                        if isinstance(cur, dict) and all(cur.get(k) == item.get(k) for k in keys)
                    ),
                    None,
                )
                if index is None:
                    merged_items.append(json_copy(item))
                else:
                    merged_items[index] = _merge(merged_items[index], item, names, list_keys)
            return merged_items
    return json_copy(applied)


def _entries(obj: JsonDict) -> list[JsonDict]:
    return list((obj.get("metadata") or {}).get("managedFields") or [])


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _set_entry(
    entries: list[JsonDict], manager: str, operation: str, api_version: str, subresource: str, paths: set[FieldPath]
) -> list[JsonDict]:
    kept = [
        e
        for e in entries
        if not (
            e.get("manager") == manager and e.get("operation") == operation and e.get("subresource", "") == subresource
        )
    ]
    if paths:
        entry: JsonDict = {
            "manager": manager,
            "operation": operation,
            "apiVersion": api_version,
            "time": _now(),
            "fieldsType": "FieldsV1",
            "fieldsV1": to_fields_v1(paths),
        }
        if subresource:
            entry["subresource"] = subresource
        kept.append(entry)
    return kept


def _without(entries: list[JsonDict], taken: set[FieldPath], subresource: str) -> list[JsonDict]:
    result = []
    for entry in entries:
        if entry.get("subresource", "") != subresource:
            result.append(entry)
            continue
        remaining = from_fields_v1(entry.get("fieldsV1") or {}) - taken
        remaining -= {
            p for p in remaining if p[-1] == "." and not any(q[: len(p) - 1] == p[:-1] and q != p for q in remaining)
        }
        if remaining:
            result.append({**entry, "fieldsV1": to_fields_v1(remaining)})
    return result


def apply_patch(
    live: JsonDict | None,
    applied: JsonDict,
    *,
    manager: str,
    force: bool,
    api_version: str,
    subresource: str,
    list_keys: ListKeys,
) -> JsonDict:
    """The object after `manager` applies `applied`; raises 409 on conflicts without force."""
    status = subresource == "status"
    base = json_copy(live) if live is not None else {}
    entries = _entries(base)
    new_fields = field_set(applied, list_keys, status=status)
    conflicts: list[tuple[str, FieldPath]] = []
    taken: set[FieldPath] = set()
    for entry in entries:
        if entry.get("subresource", "") != subresource:
            continue
        if entry.get("manager") == manager and entry.get("operation") == "Apply":
            continue
        owned = from_fields_v1(entry.get("fieldsV1") or {}) & new_fields
        for path in owned:
            if path[-1] != "." and value_at(base, path) != value_at(applied, path):
                conflicts.append((entry.get("manager", ""), path))
                taken.add(path)
    if conflicts and not force:
        owners = {(e.get("manager"), e.get("apiVersion")) for e in entries}
        versions = dict(owners)
        lines = [
            f'conflict with "{who}" using {versions.get(who, api_version)}: {readable(path)}'
            for who, path in sorted(conflicts)
        ]
        plural = "s" if len(conflicts) > 1 else ""
        message = f"Apply failed with {len(conflicts)} conflict{plural}: " + "\n".join(lines)
        raise ApiError(
            409,
            "Conflict",
            message,
            {
                "causes": [
                    {"reason": "FieldManagerConflict", "message": line, "field": readable(path)}
                    for line, (_, path) in zip(lines, sorted(conflicts), strict=True)
                ]
            },
        )
    previous = next(
        (
            from_fields_v1(e.get("fieldsV1") or {})
            for e in entries
            if e.get("manager") == manager and e.get("operation") == "Apply" and e.get("subresource", "") == subresource
        ),
        set(),
    )
    merged = _merge(
        base,
        {k: v for k, v in applied.items() if (k == "status") == status or k in ("apiVersion", "kind", "metadata")},
        (),
        list_keys,
    )
    others: set[FieldPath] = set()
    for entry in _without(entries, taken, subresource):
        if not (entry.get("manager") == manager and entry.get("operation") == "Apply"):
            others |= from_fields_v1(entry.get("fieldsV1") or {})
    for path in sorted(previous - new_fields - others, key=len, reverse=True):
        remove_at(merged, path)
    entries = _set_entry(_without(entries, taken, subresource), manager, "Apply", api_version, subresource, new_fields)
    merged.setdefault("metadata", {})["managedFields"] = entries
    return merged  # type: ignore[no-any-return]


def record_update(
    old: JsonDict | None, new: JsonDict, *, manager: str, api_version: str, subresource: str, list_keys: ListKeys
) -> None:
    """Give `manager` (operation Update) the fields this write changed, taking them from others."""
    status = subresource == "status"
    entries = _entries(old) if old is not None else []
    new_fields = field_set(new, list_keys, status=status)
    old_fields = field_set(old, list_keys, status=status) if old is not None else set()
    changed = {p for p in new_fields if p not in old_fields or value_at(old, p) != value_at(new, p)}
    gone = old_fields - new_fields
    entries = _without(entries, changed | gone, subresource)
    if changed:
        mine = next(
            (
                from_fields_v1(e.get("fieldsV1") or {})
                for e in entries
                if e.get("manager") == manager
                and e.get("operation") == "Update"
                and e.get("subresource", "") == subresource
            ),
            set(),
        )
        entries = _set_entry(entries, manager, "Update", api_version, subresource, mine | changed)
    new.setdefault("metadata", {})["managedFields"] = entries
