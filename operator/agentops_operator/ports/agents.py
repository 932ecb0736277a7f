"""The AgentDeployments themselves, behind one Protocol: reading them, writing their status (the one
status writer), taking handled annotations off, and the Events people read about them.

`adapters/kube/agents.py` implements it over HTTP; `NopAgents` reads nothing and writes nothing.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..engine.decisions import Event

JsonDict = dict[str, Any]


class Agents(Protocol):
    async def get_agent(self, namespace: str, name: str) -> JsonDict | None: ...

    async def list_agents(self, namespace: str | None) -> list[JsonDict]: ...

    async def write_status(self, namespace: str, name: str, patch: JsonDict) -> JsonDict | None:
        """Merge-patch the status subresource (keys set to None are removed); returns the object."""
        ...

    async def remove_annotations(self, namespace: str, name: str, keys: tuple[str, ...]) -> JsonDict | None:
        """Returns the object as patched."""
        ...

    async def post_event(self, regarding: JsonDict, event: Event) -> None: ...


class NopAgents:
    async def get_agent(self, namespace: str, name: str) -> JsonDict | None:
        return None

    async def list_agents(self, namespace: str | None) -> list[JsonDict]:
        return []

    async def write_status(self, namespace: str, name: str, patch: JsonDict) -> JsonDict | None:
        return None

    async def remove_annotations(self, namespace: str, name: str, keys: tuple[str, ...]) -> JsonDict | None:
        return None

    async def post_event(self, regarding: JsonDict, event: Event) -> None:
        return None
