"""The read-modify-write both routers share: find one named entry in a list of a routing object's
spec (an HTTPRoute rule, a VirtualService HTTP route), make it what the router wants, and merge-
patch the list back under optimistic concurrency — only when it differs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ...ports.traffic import RoutingError
from ..kube.client import KubeApiError, KubeClient

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class RoutingObject:
    kind: str  # for messages: HTTPRoute, VirtualService
    path: str
    list_field: str  # spec field holding the entries: rules, http
    entry_label: str  # for messages: rule, HTTP route
    fix_object: str  # the spec field to fix when the object is missing
    fix_entry: str  # the spec field to fix when the entry is missing
    chart_value: str  # the Helm value that grants the operator this router's rights


async def update_entry(
    client: KubeClient,
    field_manager: str,
    target: RoutingObject,
    name: str,
    namespace: str,
    entry_name: str | None,
    desired: Callable[[JsonDict], JsonDict],
) -> None:
    found = await _forbidden_is_routing_error(client.get(target.path), target, "get", name, namespace)
    if found is None:
        raise RoutingError(
            f'{target.kind} "{name}" not found in namespace "{namespace}"; create it, or fix {target.fix_object}'
        )
    entries: list[JsonDict] = list((found.get("spec") or {}).get(target.list_field) or [])
    index = 0 if entry_name is None else next((i for i, e in enumerate(entries) if e.get("name") == entry_name), None)
    if not entries or index is None:
        raise RoutingError(
            f'{target.kind} "{name}" has no {target.entry_label} "{entry_name or "(first)"}"; fix {target.fix_entry}'
        )
    wanted = desired(entries[index])
    if wanted == entries[index]:
        return
    entries[index] = wanted
    patch = {
        "metadata": {"resourceVersion": found["metadata"]["resourceVersion"]},
        "spec": {target.list_field: entries},
    }
    await _forbidden_is_routing_error(
        client.merge_patch(target.path, patch, field_manager), target, "patch", name, namespace
    )


async def _forbidden_is_routing_error(
    request: Awaitable[JsonDict | None], target: RoutingObject, verb: str, name: str, namespace: str
) -> JsonDict | None:
    """A 403 is a missing grant, not a passing fault: say which, and how to grant it."""
    try:
        return await request
    except KubeApiError as error:
        if error.code != 403:
            raise
        raise RoutingError(
            f'the operator may not {verb} {target.kind} "{name}" in namespace "{namespace}": enable '
            f"{target.chart_value}=true in its Helm chart (or grant get and patch on them)"
        ) from None
