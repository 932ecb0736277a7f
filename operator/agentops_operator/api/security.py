"""How locked down an agent's Pods are. By default they meet the Pod Security Standards' "restricted"
profile (no root, the runtime's seccomp profile, no privilege escalation, every capability dropped,
no service-account token mounted), so an agent runs in a namespace that enforces it; these fields
change that, field by field, over the defaults (the names and meanings are the Pod spec's).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .base import WireModel

# A Linux capability as Kubernetes names it (ALL, NET_BIND_SERVICE, …).
Capability = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z_]*$", max_length=64)]


class SeccompProfile(WireModel):
    """A seccomp profile: the container runtime's default, a node-local file, or none."""

    type: Literal["RuntimeDefault", "Localhost", "Unconfined"] = Field(description="Which profile.")
    localhost_profile: str | None = Field(
        default=None, max_length=256, description="Path of the profile on the node, for Localhost."
    )


class Capabilities(WireModel):
    """Linux capabilities added to or dropped from the container's default set."""

    add: list[Capability] = Field(default_factory=list, max_length=16, description="Capabilities to add.")
    drop: list[Capability] = Field(default_factory=list, max_length=16, description="Capabilities to drop.")


class ContainerSecurity(WireModel):
    """The agent container's securityContext (restricted by default)."""

    allow_privilege_escalation: bool | None = Field(default=None, description="Default false.")
    read_only_root_filesystem: bool | None = Field(default=None, description="Default unset (writable).")
    run_as_non_root: bool | None = Field(default=None, description="Default true (from the Pod).")
    run_as_user: int | None = Field(default=None, ge=0, le=2**31 - 1, description="UID the container runs as.")
    run_as_group: int | None = Field(default=None, ge=0, le=2**31 - 1, description="GID the container runs as.")
    capabilities: Capabilities | None = Field(default=None, description="Default: drop ALL.")
    seccomp_profile: SeccompProfile | None = Field(default=None, description="Default: the Pod's.")


class PodSecurity(WireModel):
    """The agent Pod's securityContext (restricted by default)."""

    run_as_non_root: bool | None = Field(default=None, description="Default true.")
    run_as_user: int | None = Field(default=None, ge=0, le=2**31 - 1, description="UID of every container.")
    run_as_group: int | None = Field(default=None, ge=0, le=2**31 - 1, description="GID of every container.")
    fs_group: int | None = Field(default=None, ge=0, le=2**31 - 1, description="Group owning mounted volumes.")
    seccomp_profile: SeccompProfile | None = Field(default=None, description="Default: RuntimeDefault.")


RESTRICTED_POD: dict[str, object] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
RESTRICTED_CONTAINER: dict[str, object] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
