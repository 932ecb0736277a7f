"""`AgentIncident`: the record of one incident for the post-mortem, owned by its AgentDeployment.

One object per agent, revision and incident type (a deterministic name), so an operator restart
never duplicates one; a re-detection after resolution reopens it and counts an occurrence. The
timeline is in conditions: Detected, Mitigated, Resolved.
"""

from __future__ import annotations

from pydantic import Field

from .base import WireModel
from .status import Condition

INCIDENT_KIND = "AgentIncident"
INCIDENT_PLURAL = "agentincidents"


class IncidentSpec(WireModel):
    """What was detected (written by the operator)."""

    agent: str = Field(description="The AgentDeployment.")
    revision: str = Field(description="The revision the incident is about.")
    type: str = Field(
        description="PromptLeak, ToolAbuse, SafetyViolation, CostSpike, HallucinationSurge, or a custom runbook name."
    )
    severity: str = Field(description="critical, error, warning or info.")
    signal_value: float | None = Field(default=None, description="The signal's value when detected.")
    baseline: float | None = Field(default=None, description="The baseline it was compared with, if any.")
    actions: list[str] = Field(default_factory=list, description="Actions the runbook took.")


class IncidentStatus(WireModel):
    """The incident's timeline."""

    conditions: list[Condition] = Field(
        default_factory=list, description="Detected, Mitigated and Resolved, with times."
    )
    occurrences: int = Field(default=1, ge=1, description="Times it was detected.")
    message: str = Field(default="", description="What was detected and done.")
