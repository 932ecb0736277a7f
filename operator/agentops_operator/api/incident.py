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


class ActionTaken(WireModel):
    """One action of the runbook and when it was taken."""

    action: str = Field(description="Rollback, Throttle, RateLimitTool, BlockTool, Block, Shadow or Notify.")
    time: str = Field(description="When it was taken (RFC 3339).")


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
    actions_taken: list[ActionTaken] = Field(
        default_factory=list, description="Each action with the time it was taken."
    )


class IncidentStatus(WireModel):
    """The incident's timeline."""

    conditions: list[Condition] = Field(
        default_factory=list, description="Detected, Mitigated and Resolved, with times."
    )
    occurrences: int = Field(default=1, ge=1, description="Times it was detected.")
    message: str = Field(default="", description="What was detected and done.")
