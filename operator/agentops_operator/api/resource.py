"""The AgentDeployment resource as a whole: identity constants and parsing of a cluster object.

Parsing turns a raw object into typed spec and status, and turns anything the CRD schema could
not catch into a message that names the field (`spec.tools[1].name: …`), never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .spec import AgentDeploymentSpec, cross_reference_problem
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
# Levels of nesting below `spec` the operator reads (the schema itself needs 7; free-form guardrail
# settings get the rest). The API server accepts up to 10,000, which no spec needs and which would
# break the serialisers the revision hash and bundle go through.
MAX_SPEC_DEPTH = 32


class InvalidSpec(Exception):
    """The spec is not usable; `message` names the field and the fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def nested_too_deep(value: Any, limit: int) -> tuple[int | str, ...] | None:
    """The location of the first value nested more than `limit` levels below `value`, found without
    recursion (a deep value must not exhaust the stack of the code that reports it)."""
    pending: list[tuple[Any, tuple[int | str, ...]]] = [(value, ())]
    while pending:
        current, location = pending.pop()
        if len(location) > limit:
            return location
        if isinstance(current, dict):
            pending.extend((child, (*location, key)) for key, child in current.items())
        elif isinstance(current, list):
            pending.extend((child, (*location, i)) for i, child in enumerate(current))
    return None


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
        if (deep := nested_too_deep(body.get("spec"), MAX_SPEC_DEPTH)) is not None:
            raise InvalidSpec(
                field_path("spec", deep[:8]) + "…",
                f"nested more than {MAX_SPEC_DEPTH} levels deep; flatten these settings and apply the manifest again",
            )
        try:
            spec = AgentDeploymentSpec.model_validate(body.get("spec") or {})
        except ValidationError as error:
            first = error.errors()[0]
            path = field_path("spec", tuple(p for p in first["loc"]))
            raise InvalidSpec(
                path, f"{first['msg'].removeprefix('Value error, ')}; fix the manifest and apply it again"
            ) from None
        if (problem := cross_reference_problem(spec)) is not None:
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
