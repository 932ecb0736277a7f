"""The Kubernetes objects an agent reads and writes, behind one Protocol.

The runtime talks to this port only; `adapters/kube` implements it over HTTP, `NopWorkloads`
does nothing (for dry runs and engine-level tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..engine.decisions import Event

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Children:
    """An agent's child objects as listed from the cluster (raw objects)."""

    deployments: list[JsonDict] = field(default_factory=list)
    config_maps: list[JsonDict] = field(default_factory=list)
    services: list[JsonDict] = field(default_factory=list)


class Workloads(Protocol):
    async def get_agent(self, namespace: str, name: str) -> JsonDict | None: ...

    async def list_agents(self, namespace: str | None) -> list[JsonDict]: ...

    async def get_config_map(self, namespace: str, name: str) -> JsonDict | None: ...

    async def list_children(self, namespace: str, agent: str) -> Children: ...

    async def get_secret(self, namespace: str, name: str) -> JsonDict | None: ...

    async def patch_status(self, namespace: str, name: str, patch: JsonDict) -> None: ...

    async def apply(self, manifest: JsonDict) -> None: ...

    async def apply_status(self, manifest: JsonDict) -> None: ...

    async def scale(self, namespace: str, name: str, replicas: int) -> None: ...

    async def delete(self, kind: str, namespace: str, name: str) -> None: ...

    async def write_status(self, namespace: str, name: str, status: JsonDict) -> None: ...

    async def remove_annotations(self, namespace: str, name: str, keys: tuple[str, ...]) -> None: ...

    async def post_event(self, regarding: JsonDict, event: Event) -> None: ...


class NopWorkloads:
    """Reads nothing, writes nothing."""

    async def get_agent(self, namespace: str, name: str) -> JsonDict | None:
        return None

    async def list_agents(self, namespace: str | None) -> list[JsonDict]:
        return []

    async def get_config_map(self, namespace: str, name: str) -> JsonDict | None:
        return None

    async def list_children(self, namespace: str, agent: str) -> Children:
        return Children()

    async def get_secret(self, namespace: str, name: str) -> JsonDict | None:
        return None

    async def patch_status(self, namespace: str, name: str, patch: JsonDict) -> None:
        return None

    async def apply(self, manifest: JsonDict) -> None:
        return None

    async def apply_status(self, manifest: JsonDict) -> None:
        return None

    async def scale(self, namespace: str, name: str, replicas: int) -> None:
        return None

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        return None

    async def write_status(self, namespace: str, name: str, status: JsonDict) -> None:
        return None

    async def remove_annotations(self, namespace: str, name: str, keys: tuple[str, ...]) -> None:
        return None

    async def post_event(self, regarding: JsonDict, event: Event) -> None:
        return None
