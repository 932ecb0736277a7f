"""The ChildObjects port over the Kubernetes REST API (see `client.py` for the transport)."""

from __future__ import annotations

from typing import Any

from ...api import resource
from ...engine.manifests import LABEL_AGENT, LABEL_MANAGED_BY, MANAGED_BY
from ...ports.children import ChildRejected, Children, Forbidden
from .client import KubeApiError, KubeClient, segment

JsonDict = dict[str, Any]

_PATHS = {
    "ConfigMap": "/api/v1/namespaces/{ns}/configmaps",
    "Service": "/api/v1/namespaces/{ns}/services",
    "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments",
    "AgentIncident": f"/apis/{resource.GROUP}/{resource.VERSION}/namespaces/{{ns}}/agentincidents",
    "AgentEvaluation": f"/apis/{resource.GROUP}/{resource.VERSION}/namespaces/{{ns}}/agentevaluations",
    "Job": "/apis/batch/v1/namespaces/{ns}/jobs",
    "ServiceAccount": "/api/v1/namespaces/{ns}/serviceaccounts",
    "Role": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles",
    "RoleBinding": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
}


def _collection(kind: str, namespace: str) -> str:
    return _PATHS[kind].format(ns=segment(namespace))


class KubeChildren:
    def __init__(self, client: KubeClient) -> None:
        self.client = client

    async def get_config_map(self, namespace: str, name: str) -> JsonDict | None:
        return await self.client.get(f"{_collection('ConfigMap', namespace)}/{segment(name)}")

    async def label_config_map(self, namespace: str, name: str, labels: dict[str, str]) -> JsonDict | None:
        path = f"{_collection('ConfigMap', namespace)}/{segment(name)}"
        try:
            return await self.client.merge_patch(path, {"metadata": {"labels": labels}}, resource.FIELD_MANAGER)
        except KubeApiError as error:
            if error.code == 403:
                raise Forbidden("patch", "ConfigMap", namespace, name) from None
            if error.code == 404:
                return None
            raise

    async def list_children(self, namespace: str, agent: str) -> Children:
        selector = {"labelSelector": f"{LABEL_AGENT}={agent},{LABEL_MANAGED_BY}={MANAGED_BY}"}
        deployments = await self.client.get(_collection("Deployment", namespace), selector) or {}
        config_maps = await self.client.get(_collection("ConfigMap", namespace), selector) or {}
        services = await self.client.get(_collection("Service", namespace), selector) or {}
        runs = await self.client.get(_collection("AgentEvaluation", namespace), selector) or {}
        return Children(
            deployments.get("items", []), config_maps.get("items", []), services.get("items", []), runs.get("items", [])
        )

    async def get_secret(self, namespace: str, name: str) -> JsonDict | None:
        try:
            return await self.client.get(f"/api/v1/namespaces/{segment(namespace)}/secrets/{segment(name)}")
        except KubeApiError as error:
            if error.code == 403:
                raise Forbidden("get", "Secret", namespace, name) from None
            raise

    async def apply(self, manifest: JsonDict) -> JsonDict | None:
        meta = manifest["metadata"]
        path = f"{_collection(manifest['kind'], meta['namespace'])}/{segment(meta['name'])}"
        try:
            return await self.client.apply(path, manifest, resource.FIELD_MANAGER)
        except KubeApiError as error:
            if error.code == 422:
                raise ChildRejected(manifest["kind"], meta["name"], str(error.status.get("message", ""))) from None
            raise

    async def apply_status(self, manifest: JsonDict) -> JsonDict | None:
        meta = manifest["metadata"]
        path = f"{_collection(manifest['kind'], meta['namespace'])}/{segment(meta['name'])}/status"
        body = {
            "apiVersion": manifest["apiVersion"],
            "kind": manifest["kind"],
            "metadata": {"name": meta["name"]},
            "status": manifest["status"],
        }
        return await self.client.apply(path, body, resource.FIELD_MANAGER)

    async def scale(self, namespace: str, name: str, replicas: int) -> JsonDict | None:
        path = f"{_collection('Deployment', namespace)}/{segment(name)}"
        return await self.client.merge_patch(path, {"spec": {"replicas": replicas}}, resource.FIELD_MANAGER)

    async def list_owned(self, kind: str, namespace: str | None) -> list[JsonDict]:
        """Every object of `kind` the operator manages (in `namespace`, or everywhere): primes the cache."""
        path = _collection(kind, namespace) if namespace else _PATHS[kind].replace("/namespaces/{ns}", "")
        listed = await self.client.get(path, {"labelSelector": f"{LABEL_MANAGED_BY}={MANAGED_BY}"}) or {}
        items: list[JsonDict] = listed.get("items", [])
        return items

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        try:
            await self.client.request(
                "DELETE", f"{_collection(kind, namespace)}/{segment(name)}", json={"propagationPolicy": "Background"}
            )
        except KubeApiError as error:
            if error.code != 404:
                raise
