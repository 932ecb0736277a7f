"""What an agent owns or reads in its namespace, behind one Protocol: its Deployments, ConfigMaps,
Services and AgentIncidents (written by server-side apply), and the prompt ConfigMap and
notification Secrets it refers to.

`adapters/kube/children.py` implements it over HTTP; `NopChildren` reads nothing, writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Children:
    """An agent's child objects as listed from the cluster (raw objects)."""

    deployments: list[JsonDict] = field(default_factory=list)
    config_maps: list[JsonDict] = field(default_factory=list)
    services: list[JsonDict] = field(default_factory=list)
    evaluations: list[JsonDict] = field(default_factory=list)  # AgentEvaluations (the evaluation gate's runs)


class ChildRejected(Exception):
    """The API server refused a child object as invalid (422): the spec asks for something the server
    will not store (a schema cannot foresee every rule of a Pod template). Retrying cannot help until
    the spec changes, so the agent shows it, naming the object and the server's reason."""

    def __init__(self, kind: str, name: str, reason: str) -> None:
        super().__init__(f"the API server refused {kind} {name}: {reason}")
        self.kind = kind
        self.name = name
        self.reason = reason


class Forbidden(Exception):
    """The API server refused the operator's request for lack of rights (403): the operator's role
    does not reach this object. Retrying cannot help until someone grants it."""

    def __init__(self, verb: str, resource: str, namespace: str, name: str) -> None:
        super().__init__(f'the operator may not {verb} {resource} "{name}" in namespace "{namespace}"')
        self.verb, self.resource, self.namespace, self.name = verb, resource, namespace, name


class ChildObjects(Protocol):
    async def list_children(self, namespace: str, agent: str) -> Children: ...

    async def get_config_map(self, namespace: str, name: str) -> JsonDict | None: ...

    async def get_secret(self, namespace: str, name: str) -> JsonDict | None: ...

    async def label_config_map(self, namespace: str, name: str, labels: dict[str, str]) -> JsonDict | None:
        """Adds labels to a ConfigMap the operator reads but does not own (a prompt its watch must
        select); returns it as written, None if it is gone. Raises Forbidden without the right."""
        ...

    async def apply(self, manifest: JsonDict) -> JsonDict | None:
        """Returns the object as written."""
        ...

    async def apply_status(self, manifest: JsonDict) -> JsonDict | None:
        """Returns the object as written."""
        ...

    async def scale(self, namespace: str, name: str, replicas: int) -> JsonDict | None:
        """Returns the object as written."""
        ...

    async def delete(self, kind: str, namespace: str, name: str) -> None: ...


class NopChildren:
    async def list_children(self, namespace: str, agent: str) -> Children:
        return Children()

    async def get_config_map(self, namespace: str, name: str) -> JsonDict | None:
        return None

    async def get_secret(self, namespace: str, name: str) -> JsonDict | None:
        return None

    async def label_config_map(self, namespace: str, name: str, labels: dict[str, str]) -> JsonDict | None:
        return None

    async def apply(self, manifest: JsonDict) -> JsonDict | None:
        return None

    async def apply_status(self, manifest: JsonDict) -> JsonDict | None:
        return None

    async def scale(self, namespace: str, name: str, replicas: int) -> JsonDict | None:
        return None

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        return None
