"""The Evaluations port over the Kubernetes REST API (see `client.py` for the transport)."""

from __future__ import annotations

from typing import Any

from ...api import resource
from ...api.evaluation import EVALUATION_PLURAL
from .client import KubeClient, segment

JsonDict = dict[str, Any]


class KubeEvaluations:
    def __init__(self, client: KubeClient) -> None:
        self.client = client

    async def write_status(self, namespace: str, name: str, patch: JsonDict) -> JsonDict | None:
        path = (
            f"/apis/{resource.GROUP}/{resource.VERSION}/namespaces/{segment(namespace)}/"
            f"{EVALUATION_PLURAL}/{segment(name)}/status"
        )
        return await self.client.merge_patch(path, {"status": patch}, resource.FIELD_MANAGER)
