"""The Lease port over the Kubernetes API: create, and replace with optimistic concurrency (the
resourceVersion in the body makes the API server refuse a stale write with 409)."""

from __future__ import annotations

from typing import Any

from ...ports.leases import LeaseConflict
from .client import KubeApiError, KubeClient

JsonDict = dict[str, Any]


def _path(namespace: str, name: str = "") -> str:
    base = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
    return f"{base}/{name}" if name else base


class KubeLeases:
    def __init__(self, client: KubeClient) -> None:
        self.client = client

    async def get(self, namespace: str, name: str) -> JsonDict | None:
        return await self.client.get(_path(namespace, name))

    async def create(self, lease: JsonDict) -> JsonDict:
        return await self._write("POST", _path(lease["metadata"]["namespace"]), lease)

    async def replace(self, lease: JsonDict) -> JsonDict:
        meta = lease["metadata"]
        return await self._write("PUT", _path(meta["namespace"], meta["name"]), lease)

    async def _write(self, method: str, path: str, lease: JsonDict) -> JsonDict:
        try:
            return await self.client.request(method, path, json=lease) or lease
        except KubeApiError as error:
            if error.code == 409:
                raise LeaseConflict(str(error)) from None
            raise
