"""Shared pydantic configuration: camelCase on the wire, snake_case in Python, no unknown fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

TOOL_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"  # tool and guardrail names, and references to tools


class WireModel(BaseModel):
    """Base of every API model: fields serialize as camelCase, as Kubernetes APIs do."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    def wire(self) -> dict[str, object]:
        """The JSON form written to the cluster (aliases, no unset optional fields)."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")
