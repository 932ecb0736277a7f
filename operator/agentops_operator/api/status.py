"""`AgentDeployment.status`: what the operator observed and did, following API conventions.

Conditions carry the state (no hidden phase machine); `history` is bounded and records each
revision's number, hash, creation time and outcome, so rollback and diff can work.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from agentops_sdk import contract

from .base import WireModel
from .evaluation import SuiteRun
from .vocabulary import Outcome

ConditionStatus = Literal["True", "False", "Unknown"]


class Condition(WireModel):
    """One observation of the agent's state, as in metav1.Condition."""

    type: str = Field(description="Condition type: Ready, Progressing, Degraded or Paused.")
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


Verdict = Literal["Pass", "Fail", "Inconclusive", "Error"]


class CheckResult(WireModel):
    """One check of one analysis: both arms' values, the bound, and the verdict."""

    name: str = Field(description="Check name.")
    canary: float | None = Field(default=None, description="The new revision's value (unset when unknown).")
    stable: float | None = Field(default=None, description="The stable revision's value (unset when unknown).")
    bound: str = Field(description="The bound the canary was held to, e.g. '>= 0.9' or '<= 1.5x stable'.")
    verdict: Verdict = Field(description="Pass, Fail, Inconclusive (too little data) or Error (metrics backend).")
    reason: str = Field(default="", description="Why the verdict is not Pass.")
    interval: list[float] | None = Field(
        default=None,
        max_length=2,
        description="Sequential: the canary's value, always-valid interval [lower, upper] at the check's confidence.",
    )
    vs_stable: list[float] | None = Field(
        default=None,
        max_length=2,
        description="Sequential: interval [lower, upper] of canary − stable.",
    )


class AnalysisRun(WireModel):
    """The last analysis of the canary."""

    time: str = Field(description="When it was measured (RFC 3339).")
    verdict: Verdict = Field(description="Overall: Fail if any check failed, else Error, else Inconclusive, else Pass.")
    checks: list[CheckResult] = Field(default_factory=list, description="Each check's result.")


class RolloutStatus(WireModel):
    """Where the progressive rollout of the new revision stands; enough to resume after a restart."""

    revision: str = Field(description="Hash of the revision being rolled out.")
    step_index: int = Field(default=0, ge=0, description="Index of the current step in the expanded plan.")
    step_kind: str = Field(default="", description="canary, shadow or pause.")
    step_count: int = Field(default=0, ge=0, description="Steps in the expanded plan.")
    started_at: str = Field(description="When the rollout of this revision began.")
    step_started_at: str | None = Field(
        default=None, description="When the current step began (the canary was available)."
    )
    weight: int = Field(default=0, ge=0, le=100, description="Percent of live traffic the new revision receives now.")
    shadow_percent: int = Field(
        default=0, ge=0, le=100, description="Percent of traffic mirrored to the new revision now."
    )
    paused: bool = Field(
        default=False, description="Whether the rollout is held (manually, or by analysis or metrics)."
    )
    pause_reason: str | None = Field(default=None, description="Why it is held.")
    hold_message: str | None = Field(default=None, description="What holds or stopped the rollout, for people.")
    skip_analysis: bool = Field(default=False, description="Analysis switched off for this rollout by an operator.")
    consecutive_failures: int = Field(default=0, ge=0, description="Failed analyses in a row.")
    consecutive_inconclusive: int = Field(default=0, ge=0, description="Inconclusive analyses in a row.")
    consecutive_errors: int = Field(default=0, ge=0, description="Metric-backend errors in a row.")
    last_analysis: AnalysisRun | None = Field(default=None, description="The most recent analysis.")
    step_passed: bool = Field(default=False, description="Whether an analysis passed during the current step.")
    aborted_at: str | None = Field(
        default=None, description="When the rollout was aborted (traffic returned to stable)."
    )
    abort_reason: str | None = Field(default=None, description="CamelCase reason of the abort.")


class Controls(WireModel):
    """The live controls in force (the `<name>-controls` ConfigMap the SDK reads)."""

    mode: contract.Mode = Field(
        default="normal", description="normal, shadow (tools with side effects run dry) or blocked."
    )
    sessions_per_minute: float | None = Field(default=None, description="Sessions per minute per replica.")
    blocked_tools: list[str] = Field(default_factory=list, description="Tools that refuse to run.")
    tool_rate_limits: dict[str, float] = Field(default_factory=dict, description="Calls per minute per tool.")
    dry_run_tools: list[str] = Field(default_factory=list, description="Tools that run dry.")


class Incident(WireModel):
    """An open (or recently resolved) incident and the mitigations it put in force."""

    type: str = Field(description="Incident type.")
    revision: str = Field(description="Revision the incident is about.")
    severity: str = Field(description="Severity from the runbook.")
    detected_at: str = Field(description="When it opened.")
    resolved_at: str | None = Field(default=None, description="When it resolved (kept for the cooldown).")
    value: float | None = Field(default=None, description="Signal value that opened it.")
    baseline: float | None = Field(default=None, description="Baseline it was compared with, if any.")
    session_rate: float | None = Field(
        default=None, description="The revision's sessions per minute at detection (for Throttle factor)."
    )
    message: str = Field(default="", description="What was detected and what was done.")
    actions: list[str] = Field(default_factory=list, description="Actions taken.")
    occurrences: int = Field(default=1, ge=1, description="Times it was detected while open.")
    flapping: bool = Field(
        default=False, description="Opened again within the cooldown of resolving: lifting takes longer."
    )
    healthy_since: str | None = Field(default=None, description="Since when the signal is healthy again.")


class Breach(WireModel):
    """A detection condition currently true, not yet held for `forSeconds`."""

    type: str = Field(description="Incident type.")
    revision: str = Field(description="Revision.")
    since: str = Field(description="When the condition became true.")


class Hold(WireModel):
    """A revision taken out of live traffic by an incident. Rollback and Block hold it until the spec
    changes (or a retry); Shadow mirrors traffic to it and lets it back when the incident resolves."""

    revision: str = Field(description="The held revision.")
    reason: str = Field(description="The incident type that took it out.")
    message: str = Field(description="What happened.")
    since: str = Field(description="When.")
    mirror_percent: int | None = Field(
        default=None, description="Shadow: percent of live traffic mirrored to the held revision (tools run dry)."
    )


class ReceiverStatus(WireModel):
    """Delivery state of one notification receiver (errors never include URLs or keys)."""

    last_attempt: str | None = Field(default=None, description="When a notification was last attempted.")
    last_delivered: str | None = Field(default=None, description="When one was last delivered.")
    last_error: str | None = Field(default=None, description="Why the last attempt failed, if it did.")


class AgentDeploymentStatus(WireModel):
    """Observed state of an AgentDeployment."""

    observed_generation: int | None = Field(default=None, description="The spec generation last acted on.")
    conditions: list[Condition] = Field(default_factory=list, description="Ready, Progressing and Degraded.")
    stable_revision: RevisionRef | None = Field(default=None, description="The revision the Service routes to.")
    latest_revision: RevisionRef | None = Field(default=None, description="The revision the current spec describes.")
    history: list[HistoryEntry] = Field(default_factory=list, description="Recent revisions, oldest first (bounded).")
    canary_revision: RevisionRef | None = Field(
        default=None, description="The revision being rolled out progressively."
    )
    rollout: RolloutStatus | None = Field(default=None, description="Progress of the current progressive rollout.")
    summary: str = Field(
        default="", description="One word for printer columns: Healthy, Progressing, Paused, Degraded or Invalid."
    )
    controls: dict[str, Controls] = Field(
        default_factory=dict, description="Live controls in force per revision because of incidents or the budget."
    )
    incidents: list[Incident] = Field(
        default_factory=list, description="Open incidents, and resolved ones within their cooldown."
    )
    breaches: list[Breach] = Field(default_factory=list, description="Detections waiting out forSeconds.")
    baselines: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="Last known healthy signal values per revision (the PreviousRevision baseline).",
    )
    hold: Hold | None = Field(default=None, description="A revision rolled back or blocked by an incident.")
    evaluation: list[SuiteRun] = Field(
        default_factory=list, description="The latest revision's evaluation: the last run of each suite."
    )
    receivers: dict[str, ReceiverStatus] = Field(
        default_factory=dict, description="Notification receivers' delivery state."
    )
    handled_actions: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Manual-action annotations already carried out, with the value acted on; kept only while the"
            " annotation is still on the object, so an action whose annotation removal was interrupted is"
            " not carried out twice."
        ),
    )
