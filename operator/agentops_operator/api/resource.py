"""The AgentDeployment resource as a whole: identity constants and parsing of a cluster object.

Parsing turns a raw object into typed spec and status, and turns anything the CRD schema could
not catch into a message that names the field (`spec.tools[1].name: …`), never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .spec import AgentDeploymentSpec, undeclared_tool
from .status import AgentDeploymentStatus

GROUP = "agentops.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "AgentDeployment"
PLURAL = "agentdeployments"
SINGULAR = "agentdeployment"
SHORT_NAMES = ("agd",)
CATEGORIES = ("agents",)
FIELD_MANAGER = "agentops-operator"


class InvalidSpec(Exception):
    """The spec is not usable; `message` names the field and the fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def field_path(prefix: str, location: tuple[int | str, ...]) -> str:
    path = prefix
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


@dataclass(frozen=True)
class AgentDeployment:
    namespace: str
    name: str
    uid: str
    generation: int
    spec: AgentDeploymentSpec
    status: AgentDeploymentStatus
    annotations: dict[str, str]

    @classmethod
    def parse(cls, body: dict[str, Any]) -> AgentDeployment:
        meta = body.get("metadata") or {}
        try:
            spec = AgentDeploymentSpec.model_validate(body.get("spec") or {})
        except ValidationError as error:
            first = error.errors()[0]
            path = field_path("spec", tuple(p for p in first["loc"]))
            raise InvalidSpec(path, f"{first['msg']}; fix the manifest and apply it again") from None
        if (problem := undeclared_tool(spec)) is not None:
            raise InvalidSpec(*problem)
        try:
            status = AgentDeploymentStatus.model_validate(body.get("status") or {})
        except ValidationError:
            status = AgentDeploymentStatus()  # unreadable status is rebuilt from the cluster
        return cls(
            namespace=meta.get("namespace", ""),
            name=meta["name"],
            uid=meta.get("uid", ""),
            generation=int(meta.get("generation", 1)),
            spec=spec,
            status=status,
            annotations=dict(meta.get("annotations") or {}),
        )
