"""The Workloads port over the Kubernetes REST API (see `client.py` for the transport)."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from typing import Any

from ...api import resource
from ...engine.decisions import Event
from ...engine.manifests import LABEL_AGENT, LABEL_MANAGED_BY, MANAGED_BY
from ...ports.workloads import Children
from .client import KubeApiError, KubeClient

JsonDict = dict[str, Any]

_PATHS = {
    "ConfigMap": "/api/v1/namespaces/{ns}/configmaps",
    "Service": "/api/v1/namespaces/{ns}/services",
    "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments",
    "AgentIncident": f"/apis/{resource.GROUP}/{resource.VERSION}/namespaces/{{ns}}/agentincidents",
}


def _collection(kind: str, namespace: str) -> str:
    return _PATHS[kind].format(ns=namespace)


class KubeWorkloads:
    def __init__(self, client: KubeClient, instance: str | None = None) -> None:
        self.client = client
        self.instance = instance or os.environ.get("POD_NAME") or os.uname().nodename

    def _agent_path(self, namespace: str, name: str) -> str:
        return f"/apis/{resource.GROUP}/{resource.VERSION}/namespaces/{namespace}/{resource.PLURAL}/{name}"

    async def get_agent(self, namespace: str, name: str) -> JsonDict | None:
        return await self.client.get(self._agent_path(namespace, name))

    async def list_agents(self, namespace: str | None) -> list[JsonDict]:
        scope = f"namespaces/{namespace}/" if namespace else ""
        listed = await self.client.get(f"/apis/{resource.GROUP}/{resource.VERSION}/{scope}{resource.PLURAL}") or {}
        items: list[JsonDict] = listed.get("items", [])
        return items

    async def get_config_map(self, namespace: str, name: str) -> JsonDict | None:
        return await self.client.get(f"{_collection('ConfigMap', namespace)}/{name}")

    async def list_children(self, namespace: str, agent: str) -> Children:
        selector = {"labelSelector": f"{LABEL_AGENT}={agent},{LABEL_MANAGED_BY}={MANAGED_BY}"}
        deployments = await self.client.get(_collection("Deployment", namespace), selector) or {}
        config_maps = await self.client.get(_collection("ConfigMap", namespace), selector) or {}
        services = await self.client.get(_collection("Service", namespace), selector) or {}
        return Children(deployments.get("items", []), config_maps.get("items", []), services.get("items", []))

    async def get_secret(self, namespace: str, name: str) -> JsonDict | None:
        return await self.client.get(f"/api/v1/namespaces/{namespace}/secrets/{name}")

    async def patch_status(self, namespace: str, name: str, patch: JsonDict) -> None:
        await self.client.merge_patch(
            f"{self._agent_path(namespace, name)}/status", {"status": patch}, resource.FIELD_MANAGER
        )

    async def apply(self, manifest: JsonDict) -> None:
        meta = manifest["metadata"]
        path = f"{_collection(manifest['kind'], meta['namespace'])}/{meta['name']}"
        await self.client.apply(path, manifest, resource.FIELD_MANAGER)

    async def apply_status(self, manifest: JsonDict) -> None:
        meta = manifest["metadata"]
        path = f"{_collection(manifest['kind'], meta['namespace'])}/{meta['name']}/status"
        body = {
            "apiVersion": manifest["apiVersion"],
            "kind": manifest["kind"],
            "metadata": {"name": meta["name"]},
            "status": manifest["status"],
        }
        await self.client.apply(path, body, resource.FIELD_MANAGER)

    async def scale(self, namespace: str, name: str, replicas: int) -> None:
        path = f"{_collection('Deployment', namespace)}/{name}"
        await self.client.merge_patch(path, {"spec": {"replicas": replicas}}, resource.FIELD_MANAGER)

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        try:
            await self.client.request(
                "DELETE", f"{_collection(kind, namespace)}/{name}", json={"propagationPolicy": "Background"}
            )
        except KubeApiError as error:
            if error.code != 404:
                raise

    async def write_status(self, namespace: str, name: str, status: JsonDict) -> None:
        await self.client.merge_patch(
            f"{self._agent_path(namespace, name)}/status", {"status": status}, resource.FIELD_MANAGER
        )

    async def remove_annotations(self, namespace: str, name: str, keys: tuple[str, ...]) -> None:
        patch = {"metadata": {"annotations": dict.fromkeys(keys)}}
        await self.client.merge_patch(self._agent_path(namespace, name), patch, resource.FIELD_MANAGER)

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
