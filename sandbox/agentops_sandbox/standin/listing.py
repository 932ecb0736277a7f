"""Lists as "API Concepts → Retrieving large results sets in chunks" describes them: label and field
selectors, `limit` with an opaque `continue` token that pins the list's resourceVersion, and the
list's own metadata."""

from __future__ import annotations

import base64
import json
from typing import Any

from .errors import bad_request
from .kinds import ResourceType
from .resources import Resources
from .selectors import fields_match, labels_match, parse_field_selector, parse_label_selector

JsonDict = dict[str, Any]


def list_items(
    resources: Resources,
    rt: ResourceType,
    namespace: str | None,
    *,
    label_selector: str | None = None,
    field_selector: str | None = None,
    limit: int = 0,
    continue_token: str | None = None,
) -> JsonDict:
    labels = parse_label_selector(label_selector)
    fields = parse_field_selector(field_selector, rt.kind)
    start_after = ""
    revision = resources.store.revision
    if continue_token:
        try:
            token = json.loads(base64.urlsafe_b64decode(continue_token))
            start_after, revision = token["after"], int(token["rv"])
        except (ValueError, KeyError, TypeError):
            raise bad_request("continue key is not valid: incorrect encoded start resourceVersion") from None
    items: list[JsonDict] = []
    next_token = None
    last_position = ""
    for obj in resources.store.items(rt.storage_key, namespace if rt.namespaced else None):
        metadata = obj["metadata"]
        position = f"{metadata.get('namespace', '')}/{metadata['name']}"
        if position <= start_after:
            continue
        view = resources.view(rt, obj)
        if not labels_match(labels, metadata.get("labels")) or not fields_match(fields, view):
            continue
        if limit and len(items) == limit:
            next_token = base64.urlsafe_b64encode(
                json.dumps({"after": last_position, "rv": revision}).encode()
            ).decode()
            break
        items.append(view)
        last_position = position
    list_meta: JsonDict = {"resourceVersion": str(revision)}
    if next_token:
        list_meta["continue"] = next_token
    return {"kind": f"{rt.kind}List", "apiVersion": rt.api_version, "metadata": list_meta, "items": items}
