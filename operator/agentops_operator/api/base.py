"""Shared pydantic configuration (camelCase on the wire, snake_case in Python, no unknown fields) and
the name types every object reference uses: a reference is a validated name, never a path, so a
name like `../../victim/secrets/x` is refused at admission instead of reaching a URL."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

TOOL_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"  # tool and guardrail names, and references to tools
# Kubernetes object names (DNS-1123 subdomain) and ConfigMap/Secret keys, as the API server checks them.
OBJECT_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DATA_KEY_PATTERN = r"^[-._a-zA-Z0-9]+$"
ObjectName = Annotated[str, StringConstraints(pattern=OBJECT_NAME_PATTERN, max_length=253)]
DataKey = Annotated[str, StringConstraints(pattern=DATA_KEY_PATTERN, max_length=253)]


class WireModel(BaseModel):
    """Base of every API model: fields serialize as camelCase, as Kubernetes APIs do."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    def wire(self) -> dict[str, object]:
        """The JSON form written to the cluster (aliases, no unset optional fields)."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class OneOf(WireModel):
    """A choice: exactly one of its fields is set (a rollout step's kind, an env value's source)."""

    @model_validator(mode="after")
    def _exactly_one(self) -> OneOf:
        if sum(getattr(self, name) is not None for name in type(self).model_fields) != 1:
            names = [field.alias or name for name, field in type(self).model_fields.items()]
            raise ValueError(f"set exactly one of {', '.join(names[:-1])} or {names[-1]}")
        return self


class ConfigMapKeyRef(WireModel):
    """A key of a ConfigMap in the agent's namespace."""

    name: ObjectName = Field(description="ConfigMap name.")
    key: DataKey = Field(description="Key in the ConfigMap's data.")


class SecretKeyRef(WireModel):
    """A key of a Secret in the agent's namespace."""

    name: ObjectName = Field(description="Secret name.")
    key: DataKey = Field(description="Key in the Secret's data.")
