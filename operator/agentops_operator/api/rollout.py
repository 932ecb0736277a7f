"""`spec.rollout`: how a new revision reaches users — steps, analysis, traffic routing.

Steps run in order for every new revision once a stable revision exists (the very first
revision has nothing to compare with and goes live directly). Between and during steps the
analysis compares the canary arm with the stable arm; see `engine/analysis.py` for how checks
are judged. No `rollout` (or no steps) keeps the direct rollout.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import ObjectName, OneOf, WireModel
from .promql import PromQL

CheckName = Literal[
    "session-success-rate",
    "cost-per-session",
    "tool-failure-rate",
    "guardrail-trigger-rate",
    "p95-session-duration",
    "prompt-leaks",
    "safety-violations",
    "grounding-score",
    "tool-calls-per-session",
    "cost-per-hour",
    "sessions-per-minute",
    "custom",
]


class CanaryStep(WireModel):
    """Send `weight` percent of live traffic to the new revision for a while."""

    weight: int = Field(ge=0, le=100, description="Percent of traffic routed to the new revision.")
    duration_seconds: int = Field(
        default=0, ge=0, description="How long to hold this weight before the next step (analysis runs meanwhile)."
    )


class ShadowStep(WireModel):
    """Mirror `percent` of live traffic to the new revision; its answers are dropped, side-effect tools run dry."""

    percent: int = Field(ge=1, le=100, description="Percent of requests mirrored to the new revision.")
    duration_seconds: int = Field(default=0, ge=0, description="How long to mirror before the next step.")


class PauseStep(WireModel):
    """Hold the rollout: for a duration, or until promoted when no duration is given."""

    duration_seconds: int | None = Field(default=None, ge=0, description="Seconds to wait; unset waits for a promote.")


class RampStep(WireModel):
    """A gradual ramp: sugar for canary steps from `fromWeight` to `toWeight` in `stepWeight` increments."""

    from_weight: int = Field(ge=0, le=100, description="First weight of the ramp.")
    to_weight: int = Field(ge=0, le=100, description="Last weight of the ramp.")
    step_weight: int = Field(ge=1, le=100, description="Increment between weights.")
    interval_seconds: int = Field(ge=0, description="Time spent at each weight.")

    @model_validator(mode="after")
    def _ordered(self) -> RampStep:
        if self.to_weight < self.from_weight:
            raise ValueError("toWeight must be at least fromWeight")
        return self


class EvaluateStep(WireModel):
    """Run a suite of spec.evaluation against the new revision, with the traffic the step before gave it;
    the rollout goes on when it passes and aborts when it fails."""

    suite: str = Field(min_length=1, max_length=63, description="The name of a suite in spec.evaluation.suites.")


class Step(OneOf):
    """One rollout step: exactly one of canary, shadow, pause, ramp or evaluate."""

    canary: CanaryStep | None = Field(default=None, description="Weighted live traffic.")
    shadow: ShadowStep | None = Field(default=None, description="Mirrored traffic only, tools dry-run.")
    pause: PauseStep | None = Field(default=None, description="Wait for a duration or for a promote.")
    ramp: RampStep | None = Field(default=None, description="Gradual weights, expanded to canary steps.")
    evaluate: EvaluateStep | None = Field(default=None, description="An evaluation suite run at this point.")


# Rates (successes out of trials) the Sequential method judges, and which way is better for each.
HIGHER_IS_BETTER_RATES = frozenset({"session-success-rate"})
LOWER_IS_BETTER_RATES = frozenset({"tool-failure-rate", "guardrail-trigger-rate"})
# Means per session the Sequential method judges (the SDK exports what their variance needs).
SEQUENTIAL_MEANS = frozenset({"cost-per-session"})
SEQUENTIAL_SIGNALS = HIGHER_IS_BETTER_RATES | LOWER_IS_BETTER_RATES | SEQUENTIAL_MEANS
CheckMethod = Literal["Threshold", "Sequential"]


class Check(WireModel):
    """A signal compared between the canary and the stable arm, with absolute and/or relative bounds.

    `method: Threshold` (the default) compares point values at each look. `method: Sequential`
    judges a rate with always-valid confidence intervals: Pass only when confident the bounds hold,
    Fail only when confident they do not, Inconclusive otherwise, at any number of looks."""

    name: CheckName = Field(description="A built-in signal, or custom with a PromQL query.")
    method: CheckMethod = Field(
        default="Threshold",
        description="Threshold: point values at each look. Sequential: always-valid confidence intervals "
        "(session-success-rate, tool-failure-rate, guardrail-trigger-rate, cost-per-session).",
    )
    min: float | None = Field(default=None, description="Fail when the canary's value is below this.")
    max: float | None = Field(default=None, description="Fail when the canary's value is above this.")
    max_ratio_to_stable: float | None = Field(default=None, gt=0, description="Fail when canary / stable exceeds this.")
    min_ratio_to_stable: float | None = Field(
        default=None, gt=0, description="Fail when canary / stable is below this."
    )
    max_drop_vs_stable: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Sequential, session-success-rate: the canary may be at most this much below stable "
        "(absolute, e.g. 0.02 for 2 points).",
    )
    max_rise_vs_stable: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Sequential, tool-failure-rate or guardrail-trigger-rate: the canary may be at most this "
        "much above stable.",
    )
    confidence: float = Field(
        default=0.95, ge=0.5, le=0.999, description="Sequential: confidence of the intervals (1 − error rate)."
    )
    query: PromQL | None = Field(
        default=None, description="PromQL for custom checks; {{revision}}, {{agent}} and {{namespace}} are substituted."
    )
    custom_name: str | None = Field(default=None, max_length=63, description="Display name of a custom check.")

    @model_validator(mode="after")
    def _bounded(self) -> Check:
        bounds = (self.min, self.max, self.max_ratio_to_stable, self.min_ratio_to_stable)
        margins = (self.max_drop_vs_stable, self.max_rise_vs_stable)
        if all(v is None for v in (*bounds, *margins)):
            raise ValueError(
                "set at least one of min, max, maxRatioToStable, minRatioToStable, maxDropVsStable or maxRiseVsStable"
            )
        if (self.name == "custom") != (self.query is not None):
            raise ValueError("query is required for, and only allowed on, custom checks")
        if self.method == "Threshold" and any(v is not None for v in margins):
            raise ValueError("maxDropVsStable and maxRiseVsStable need method: Sequential")
        if self.method == "Sequential":
            self._sequential_fits()
        return self

    def _sequential_fits(self) -> None:
        if self.name not in SEQUENTIAL_SIGNALS:
            raise ValueError(
                "method Sequential judges session-success-rate, tool-failure-rate, guardrail-trigger-rate and "
                f"cost-per-session; use method: Threshold for {self.name}"
            )
        ratios = self.max_ratio_to_stable is not None or self.min_ratio_to_stable is not None
        if ratios and self.name not in SEQUENTIAL_MEANS:
            raise ValueError("with method Sequential compare a rate to stable with maxDropVsStable or maxRiseVsStable")
        if self.name in SEQUENTIAL_MEANS and (self.min is not None or self.max is not None):
            raise ValueError(
                f"with method Sequential {self.name} is compared to stable (maxRatioToStable, minRatioToStable); "
                "put absolute bounds in a second check with method: Threshold"
            )
        if self.max_drop_vs_stable is not None and self.name not in HIGHER_IS_BETTER_RATES:
            raise ValueError(
                f"maxDropVsStable is for rates that are better when higher; {self.name}: use maxRiseVsStable"
            )
        if self.max_rise_vs_stable is not None and self.name not in LOWER_IS_BETTER_RATES:
            raise ValueError(
                f"maxRiseVsStable is for rates that are better when lower; {self.name}: use maxDropVsStable"
            )

    @property
    def label(self) -> str:
        return self.custom_name or self.name

    @property
    def margin(self) -> float | None:
        """How much worse than stable the canary may be (Sequential), whichever way is worse."""
        return self.max_drop_vs_stable if self.max_drop_vs_stable is not None else self.max_rise_vs_stable


class Analysis(WireModel):
    """How often and how strictly the canary is judged."""

    interval_seconds: int = Field(default=60, ge=1, description="Seconds between two measurements.")
    min_sessions: int = Field(
        default=50, ge=0, description="Sessions each arm needs in a window; fewer is Inconclusive."
    )
    failure_limit: int = Field(default=2, ge=1, description="Consecutive failed analyses that abort the rollout.")
    inconclusive_limit: int = Field(
        default=10, ge=1, description="Consecutive inconclusive analyses that pause the rollout."
    )
    error_limit: int = Field(
        default=3, ge=1, description="Consecutive metric-backend errors that pause the rollout (MetricsUnavailable)."
    )
    checks: list[Check] = Field(default_factory=list, max_length=32, description="Checks; all must pass.")
    prometheus_url: str | None = Field(
        default=None,
        alias="prometheusURL",
        max_length=2048,
        description="Prometheus for this agent; the operator's --prometheus-url when unset.",
    )


class GatewayAPIRouting(WireModel):
    """Gateway API HTTPRoute whose backendRefs the operator weights."""

    http_route_name: ObjectName = Field(alias="httpRouteName", description="HTTPRoute in the agent's namespace.")
    rule_name: str | None = Field(
        default=None, max_length=253, description="Rule to manage (by name); the first rule when unset."
    )


class IstioRouting(WireModel):
    """Istio VirtualService whose route destinations the operator weights."""

    virtual_service_name: ObjectName = Field(description="VirtualService in the agent's namespace.")
    route_name: str | None = Field(
        default=None, max_length=253, description="HTTP route to manage (by name); the first when unset."
    )


class TrafficRouting(WireModel):
    """Where weights and mirrors are applied. Neither set: replica ratio (no shadow)."""

    gateway_api: GatewayAPIRouting | None = Field(
        default=None, alias="gatewayAPI", description="Use a Gateway API HTTPRoute."
    )
    istio: IstioRouting | None = Field(default=None, description="Use an Istio VirtualService.")

    @model_validator(mode="after")
    def _one(self) -> TrafficRouting:
        if self.gateway_api is not None and self.istio is not None:
            raise ValueError("set at most one of gatewayAPI or istio")
        return self


class SessionAffinity(WireModel):
    """Keep one conversation on one revision, keyed by a header or a cookie."""

    header: str | None = Field(default=None, max_length=256, description="Request header carrying the session id.")
    cookie: str | None = Field(default=None, max_length=256, description="Cookie carrying the session id.")


class Rollout(WireModel):
    """Progressive delivery of new revisions."""

    steps: list[Step] = Field(
        default_factory=list, max_length=64, description="Steps in order; none means direct rollout."
    )
    analysis: Analysis | None = Field(default=None, description="Checks run while steps are in progress.")
    traffic_routing: TrafficRouting | None = Field(default=None, description="Router for weights and mirrors.")
    session_affinity: SessionAffinity | None = Field(default=None, description="Sticky sessions across revisions.")
    progress_deadline_seconds: int = Field(
        default=600,
        ge=1,
        description="Seconds the new revision may take to become available before the rollout aborts.",
    )
