"""The Agents port over the Kubernetes REST API (see `client.py` for the transport)."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from typing import Any

from ...api import resource
from ...engine.decisions import Event
from .client import KubeClient, segment

JsonDict = dict[str, Any]


class KubeAgents:
    def __init__(self, client: KubeClient, instance: str | None = None) -> None:
        self.client = client
        self.instance = instance or os.environ.get("POD_NAME") or os.uname().nodename

    def _agent_path(self, namespace: str, name: str) -> str:
        collection = f"/apis/{resource.GROUP}/{resource.VERSION}/namespaces/{segment(namespace)}/{resource.PLURAL}"
        return f"{collection}/{segment(name)}"

    async def get_agent(self, namespace: str, name: str) -> JsonDict | None:
        return await self.client.get(self._agent_path(namespace, name))

    async def list_agents(self, namespace: str | None) -> list[JsonDict]:
        scope = f"namespaces/{namespace}/" if namespace else ""
        listed = await self.client.get(f"/apis/{resource.GROUP}/{resource.VERSION}/{scope}{resource.PLURAL}") or {}
        items: list[JsonDict] = listed.get("items", [])
        return items

    async def write_status(self, namespace: str, name: str, patch: JsonDict) -> JsonDict | None:
        path = f"{self._agent_path(namespace, name)}/status"
        return await self.client.merge_patch(path, {"status": patch}, resource.FIELD_MANAGER)

    async def remove_annotations(self, namespace: str, name: str, keys: tuple[str, ...]) -> JsonDict | None:
        patch = {"metadata": {"annotations": dict.fromkeys(keys)}}
        return await self.client.merge_patch(self._agent_path(namespace, name), patch, resource.FIELD_MANAGER)

    async def post_event(self, regarding: JsonDict, event: Event) -> None:
        meta = regarding["metadata"]
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        body = {
            "apiVersion": "events.k8s.io/v1",
            "kind": "Event",
            "metadata": {"name": f"{meta['name']}.{secrets.token_hex(8)}", "namespace": meta["namespace"]},
            "regarding": {
                "apiVersion": regarding.get("apiVersion", resource.API_VERSION),
                "kind": regarding.get("kind", resource.KIND),
                "name": meta["name"],
                "namespace": meta["namespace"],
                "uid": meta.get("uid", ""),
            },
            "type": event.type,
            "reason": event.reason,
            "note": event.message[:1024],
            "action": "Reconcile",
            "eventTime": now,
            "reportingController": "agentops.dev/operator",
            "reportingInstance": self.instance[:128],
        }
        await self.client.request("POST", f"/apis/events.k8s.io/v1/namespaces/{meta['namespace']}/events", json=body)
