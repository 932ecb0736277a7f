"""`spec.runbooks`, `spec.budget`, `spec.monitoring`, `spec.notifications`: always-on incident response.

Runbooks map an incident type to a detection (a signal compared with an absolute bound or with a
baseline) and to actions. The six defaults (the AgentOps incident table, and EvaluationRegression) are on unless a
runbook of the same type says `enabled: false`; a runbook of a default type replaces that default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import TOOL_NAME_PATTERN, DataKey, ObjectName, WireModel
from .promql import PromQL
from .vocabulary import Baseline, NoticeKind

IncidentType = Literal[
    "PromptLeak", "ToolAbuse", "SafetyViolation", "CostSpike", "HallucinationSurge", "EvaluationRegression", "Custom"
]
DEFAULT_TYPES = (
    "PromptLeak",
    "ToolAbuse",
    "SafetyViolation",
    "CostSpike",
    "HallucinationSurge",
    "EvaluationRegression",
)
Severity = Literal["critical", "error", "warning", "info"]
Signal = Literal[
    "prompt-leaks",
    "safety-violations",
    "cost-per-session",
    "tool-calls-per-session",
    "grounding-score",
    "session-success-rate",
    "tool-failure-rate",
    "guardrail-trigger-rate",
    "cost-per-hour",
    "sessions-per-minute",
    "evaluation-regression",  # 1 while the stable revision's last scheduled evaluation failed (not Prometheus)
    "custom",
]
EVALUATION_REGRESSION: Literal["evaluation-regression"] = "evaluation-regression"
ActionType = Literal["Rollback", "Throttle", "RateLimitTool", "BlockTool", "Block", "Shadow", "Notify"]


class Detection(WireModel):
    """When an incident is detected: a signal of the serving revision against bounds."""

    signal: Signal = Field(
        description="A built-in signal (see docs/reference/metrics.md), or custom with a PromQL query."
    )
    query: PromQL | None = Field(
        default=None, description="PromQL for custom signals; {{revision}}, {{agent}}, {{namespace}} are substituted."
    )
    above: float | None = Field(default=None, description="Detected when the value is above this.")
    below: float | None = Field(default=None, description="Detected when the value is below this.")
    ratio_to_baseline_above: float | None = Field(
        default=None, gt=0, description="Detected when value / baseline exceeds this."
    )
    baseline: Baseline = Field(
        default=Baseline.STABLE,
        description="Stable: a canary is compared with the live stable arm; PreviousRevision: with the last healthy "
        "values recorded for the revision before it. A stable revision is always compared with its predecessor's.",
    )
    for_seconds: int = Field(default=0, ge=0, description="How long the condition must hold before the incident opens.")
    min_sessions: int = Field(default=0, ge=0, description="Sessions needed in the window; fewer never detects.")

    @model_validator(mode="after")
    def _custom_needs_a_query(self) -> Detection:
        if self.signal == "custom" and not (self.query or "").strip():
            raise ValueError("signal custom needs query: the PromQL that gives the value to compare")
        return self


class Action(WireModel):
    """A mitigation (or a notification) taken when the incident opens."""

    type: ActionType = Field(description="Rollback, Throttle, RateLimitTool, BlockTool, Block, Shadow or Notify.")
    sessions_per_minute: float | None = Field(
        default=None, gt=0, description="Throttle: sessions per minute per replica."
    )
    factor: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="Throttle: this fraction of the revision's session rate at detection, per replica.",
    )
    tool: str | None = Field(
        default=None,
        pattern=TOOL_NAME_PATTERN,
        max_length=64,
        description="RateLimitTool / BlockTool: a tool the agent declares in spec.tools; unset means every one.",
    )
    per_minute: float | None = Field(default=None, gt=0, description="RateLimitTool: calls per minute.")
    percent: int = Field(
        default=100,
        ge=1,
        le=100,
        description="Shadow: percent of live traffic mirrored to the revision while it is out of live traffic.",
    )

    @model_validator(mode="after")
    def _throttle_needs_a_rate(self) -> Action:
        if self.type == "Throttle" and self.sessions_per_minute is None and self.factor is None:
            raise ValueError("Throttle needs sessionsPerMinute or factor (how far to slow the revision down)")
        return self


class Runbook(WireModel):
    """One incident type: how it is detected, what is done, when it resolves."""

    type: IncidentType = Field(description="Incident type; a default type replaces that default.")
    name: str | None = Field(default=None, max_length=63, description="Name, for Custom runbooks.")
    enabled: bool = Field(default=True, description="false switches a default runbook off.")
    severity: Severity | None = Field(
        default=None, description="critical, error, warning or info; a default type keeps its own when unset."
    )
    detection: Detection | None = Field(default=None, description="Required for new runbooks; defaults have their own.")
    actions: list[Action] | None = Field(
        default=None, max_length=16, description="Actions in order; defaults have their own."
    )
    resolve_after_seconds: int = Field(
        default=300, ge=0, description="Healthy time before the incident resolves itself."
    )
    keep_mitigations: bool = Field(default=False, description="Keep mitigations in force after the incident resolves.")

    @model_validator(mode="after")
    def _custom_is_complete(self) -> Runbook:
        if self.type != "Custom":
            return self
        if not self.name:
            raise ValueError("a Custom runbook needs a name (its incidents and Events are named after it)")
        if self.name in DEFAULT_TYPES:
            raise ValueError(
                f"a Custom runbook may not be named {self.name}, a default runbook's type; to change that default, "
                f"use type: {self.name}"
            )
        if self.detection is None or not self.actions:
            raise ValueError("a Custom runbook needs detection and at least one action")
        return self


class Budget(WireModel):
    """A spending limit: exceeding it throttles the agent (a CostSpike incident)."""

    max_cost_per_hour_usd: float = Field(
        alias="maxCostPerHourUSD", gt=0, description="US dollars per hour over all revisions."
    )
    throttle_sessions_per_minute: float = Field(
        default=5, gt=0, description="Sessions per minute per replica while over budget."
    )


class Monitoring(WireModel):
    """How often serving revisions are checked against the runbooks."""

    interval_seconds: int = Field(default=30, ge=1, description="Seconds between two checks; also the query window.")
    cooldown_seconds: int = Field(
        default=300,
        ge=0,
        description="Flapping guard: an incident that opens again within this time of resolving counts as the "
        "same incident, and its mitigations then need resolveAfterSeconds plus this long healthy to lift.",
    )


class SecretKeyRef(WireModel):
    name: ObjectName = Field(description="Secret in the agent's namespace.")
    key: DataKey = Field(description="Key holding the URL or routing key.")


class Notification(WireModel):
    """A receiver of incident notifications; URLs and keys come only from Secrets."""

    name: str = Field(min_length=1, max_length=63, description="Receiver name (appears in status).")
    type: Literal["Slack", "Webhook", "PagerDuty"] = Field(
        description="Slack incoming webhook, generic JSON webhook, or PagerDuty Events v2."
    )
    secret_ref: SecretKeyRef = Field(description="Slack/Webhook: the URL. PagerDuty: the routing key.")
    min_severity: Severity = Field(
        default="warning",
        description="Only notices at least this severe are sent (rollouts: promoted is info, "
        "a pause warning, an abort error).",
    )
    on: list[NoticeKind] = Field(
        default_factory=lambda: list[NoticeKind]([NoticeKind.INCIDENTS]),
        min_length=1,
        max_length=2,
        description="What to send: Incidents (opened and resolved), and/or Rollouts (promoted, paused, aborted). "
        "PagerDuty receivers take Incidents only.",
    )

    @model_validator(mode="after")
    def _pagerduty_pages_incidents_only(self) -> Notification:
        if self.type == "PagerDuty" and NoticeKind.ROLLOUTS in self.on:
            raise ValueError(
                "on: PagerDuty receivers take Incidents only; send Rollouts to a Slack or Webhook receiver"
            )
        return self
