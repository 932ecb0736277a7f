"""Server-side printing: `meta.k8s.io/v1 Table` responses for `kubectl get`.

kubectl asks for `Accept: application/json;as=Table;g=meta.k8s.io;v=v1` and prints the
columns the server chooses ("API Concepts → Receiving resources as Tables"). For custom
resources those are Name, the CRD's `additionalPrinterColumns` (JSONPath, as in "Additional
printer columns") and Age; built-in kinds get the few columns kubectl users expect.
The JSONPath subset CRDs use (`.a.b`, `[n]`, `[*]`, `[?(@.k=="v")]`) is evaluated here:
Python JSONPath libraries speak a different dialect than Kubernetes'.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .kinds import ResourceType

JsonDict = dict[str, Any]

_TOKEN = re.compile(
    r"""\.([A-Za-z0-9_-]+)|\[(\d+|\*)\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*["']([^"']*)["']\)\]|\['([^']+)'\]"""
)


def jsonpath(obj: Any, path: str) -> list[Any]:
    """All values at a Kubernetes-style JSONPath (`{}` braces optional)."""
    path = path.strip()
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1]
    path = path.lstrip("$")
    nodes = [obj]
    position = 0
    while position < len(path):
        match = _TOKEN.match(path, position)
        if not match:
            return []
        position = match.end()
        field, index, filter_key, filter_value, quoted = match.groups()
        next_nodes: list[Any] = []
        for node in nodes:
            if (field or quoted) and isinstance(node, dict) and (field or quoted) in node:
                next_nodes.append(node[field or quoted])
            elif index == "*":
                next_nodes.extend(node if isinstance(node, list) else (node.values() if isinstance(node, dict) else []))
            elif index is not None and isinstance(node, list) and int(index) < len(node):
                next_nodes.append(node[int(index)])
            elif filter_key and isinstance(node, list):
                for item in node:
                    if str(_dig(item, filter_key)) == filter_value:
                        next_nodes.append(item)
        nodes = next_nodes
    return nodes


def _dig(obj: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def age(timestamp: str | None, now: datetime | None = None) -> str:
    """kubectl's short duration format (`5s`, `3m12s`, `2d4h`)."""
    if not timestamp:
        return "<unknown>"
    created = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    seconds = max(0, int(((now or datetime.now(UTC)) - created).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h{minutes % 60}m" if hours < 8 and minutes % 60 else f"{hours}h"
    days = hours // 24
    return f"{days}d{hours % 24}h" if days < 8 and hours % 24 else f"{days}d"


def _cell(values: list[Any], column_type: str) -> Any:
    if not values:
        return None
    value = values[0]
    if column_type == "date" and isinstance(value, str):
        return age(value)
    if column_type in ("integer", "number", "boolean") and not isinstance(value, dict | list):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value) if len(values) == 1 else ",".join(str(v) for v in values)


Column = tuple[str, str, str, Callable[[JsonDict], Any]]


def _ready(obj: JsonDict) -> str:
    status = obj.get("status") or {}
    return f"{status.get('readyReplicas', 0)}/{(obj.get('spec') or {}).get('replicas', 0)}"


def _ports(obj: JsonDict) -> str:
    ports = (obj.get("spec") or {}).get("ports") or []
    return ",".join(f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in ports) or "<none>"


_BUILTIN_COLUMNS: dict[str, list[Column]] = {
    "Deployment": [
        ("Ready", "string", "Number of the pod with ready state", _ready),
        (
            "Up-to-date",
            "integer",
            "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
            lambda o: (o.get("status") or {}).get("updatedReplicas", 0),
        ),
        (
            "Available",
            "integer",
            "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
            lambda o: (o.get("status") or {}).get("availableReplicas", 0),
        ),
    ],
    "ConfigMap": [
        (
            "Data",
            "integer",
            "Number of data entries",
            lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {}),
        )
    ],
    "Secret": [
        ("Type", "string", "The type of the secret", lambda o: o.get("type", "")),
        ("Data", "integer", "Number of data entries", lambda o: len(o.get("data") or {})),
    ],
    "Namespace": [
        ("Status", "string", "The status of the namespace", lambda o: (o.get("status") or {}).get("phase", ""))
    ],
    "Service": [
        ("Type", "string", "The type of the service", lambda o: (o.get("spec") or {}).get("type", "")),
        ("Cluster-IP", "string", "The cluster IP", lambda o: (o.get("spec") or {}).get("clusterIP", "<none>")),
        ("External-IP", "string", "External IPs", lambda o: "<none>"),
        ("Port(s)", "string", "The ports of the service", _ports),
    ],
    "Job": [
        (
            "Status",
            "string",
            "Status of the job",
            lambda o: next(
                (
                    c["type"]
                    for c in (o.get("status") or {}).get("conditions") or []
                    if c["type"] in ("Complete", "Failed") and c["status"] == "True"
                ),
                "Running",
            ),
        ),
        (
            "Completions",
            "string",
            "The completions",
            lambda o: f"{(o.get('status') or {}).get('succeeded', 0)}/{(o.get('spec') or {}).get('completions', 1)}",
        ),
    ],
}


def _columns(rt: ResourceType) -> list[Column]:
    if rt.from_crd:
        return [
            (
                c["name"],
                c.get("type", "string"),
                c.get("description", ""),
                (lambda col: lambda o: _cell(jsonpath(o, col["jsonPath"]), col.get("type", "string")))(c),
            )
            for c in rt.printer_columns
        ]
    return _BUILTIN_COLUMNS.get(rt.kind, [])


def _priority(rt: ResourceType, name: str) -> int:
    for column in rt.printer_columns:
        if column["name"] == name:
            return int(column.get("priority", 0))
    return 0


def table(
    rt: ResourceType,
    objects: list[JsonDict],
    resource_version: str,
    include_object: str = "Metadata",
    continue_token: str | None = None,
) -> JsonDict:
    columns = _columns(rt)
    has_age_column = any(c[0] == "Age" for c in columns)
    definitions = [
        {
            "name": "Name",
            "type": "string",
            "format": "name",
            "priority": 0,
            "description": "Name must be unique within a namespace.",
        }
    ]
    definitions += [
        {"name": name, "type": kind, "format": "", "description": text, "priority": _priority(rt, name)}
        for name, kind, text, _ in columns
    ]
    if not has_age_column:
        definitions.append(
            {
                "name": "Age",
                "type": "string",
                "format": "",
                "priority": 0,
                "description": (
                    "CreationTimestamp is a timestamp representing the server time when this object was created."
                ),
            }
        )
    rows = []
    for obj in objects:
        meta = obj["metadata"]
        cells = [meta["name"]] + [getter(obj) for _, _, _, getter in columns]
        if not has_age_column:
            cells.append(age(meta.get("creationTimestamp")))
        row: JsonDict = {"cells": cells}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
        rows.append(row)
    list_meta: JsonDict = {"resourceVersion": resource_version}
    if continue_token:
        list_meta["continue"] = continue_token
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": definitions,
        "rows": rows,
    }


def wants_table(accept: str) -> bool:
    return "as=Table" in accept
