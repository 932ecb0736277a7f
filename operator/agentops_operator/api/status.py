"""`AgentDeployment.status`: what the operator observed and did, following API conventions.

Conditions carry the state (no hidden phase machine); `history` is bounded and records each
revision's number, hash, creation time and outcome, so rollback and diff can work later.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import WireModel

ConditionStatus = Literal["True", "False", "Unknown"]
Outcome = Literal["Progressing", "Stable", "Superseded", "Failed"]


class Condition(WireModel):
    """One observation of the agent's state, as in metav1.Condition."""

    type: str = Field(description="Condition type: Ready, Progressing or Degraded.")
    status: ConditionStatus = Field(description="True, False or Unknown.")
    reason: str = Field(description="CamelCase reason for the condition's last transition.")
    message: str = Field(default="", description="What happened and what to do about it.")
    last_transition_time: str = Field(description="When the status last changed (RFC 3339).")
    observed_generation: int | None = Field(default=None, description="The spec generation this condition was set for.")


class RevisionRef(WireModel):
    """A revision: its sequence number, content hash and the name of its objects."""

    number: int = Field(ge=1, description="Sequence number, 1 for the first revision.")
    hash: str = Field(description="Short sha256 of the revision's runtime, model, prompt, tools and guardrails.")
    name: str = Field(description="Name of the revision's Deployment and bundle ConfigMap.")


class HistoryEntry(WireModel):
    """One revision in the bounded history."""

    number: int = Field(ge=1, description="Revision number.")
    hash: str = Field(description="Revision hash.")
    created: str = Field(description="When the operator first saw this revision (RFC 3339).")
    outcome: Outcome = Field(description="Progressing, Stable (serving), Superseded or Failed.")


class AgentDeploymentStatus(WireModel):
    """Observed state of an AgentDeployment."""

    observed_generation: int | None = Field(default=None, description="The spec generation last acted on.")
    conditions: list[Condition] = Field(default_factory=list, description="Ready, Progressing and Degraded.")
    stable_revision: RevisionRef | None = Field(default=None, description="The revision the Service routes to.")
    latest_revision: RevisionRef | None = Field(default=None, description="The revision the current spec describes.")
    history: list[HistoryEntry] = Field(default_factory=list, description="Recent revisions, oldest first (bounded).")
