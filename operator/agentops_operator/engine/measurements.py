"""What to measure, planned in one place before any provider runs: `plan_measurements`. Pure.

Canary analysis and runbook detection both need signals of revisions over a window from a metrics
backend. This module says which signals, for which revisions, over which window and against which
backend (the agent's `spec.rollout.analysis.prometheusURL`, else the operator's `--prometheus-url`);
the runtime only executes the plan, and providers only return numbers (`Sample`s) for it.

- Analysis: every check of `spec.rollout.analysis`, for the canary and the stable revision, once
  per `intervalSeconds` of a running, unpaused step (window: the interval; for `method: Sequential`
  everything since the rollout began, plus the sessions of the current step for the split check).
- Monitoring: every effective runbook's signal, for the stable revision and the revision measured
  next to it (a canary, or a revision held in shadow), once per `spec.monitoring.intervalSeconds`
  (window: the interval), and only when there is a backend to ask.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..api.rollout import Rollout
from ..api.runbooks import EVALUATION_REGRESSION
from ..api.spec import AgentDeploymentSpec
from ..api.status import AgentDeploymentStatus, Hold, RolloutStatus
from .clock import seconds_between
from .runbook_set import (
    SESSION_RATE,
    detection_of,
    effective_runbooks,
    monitoring_interval,
    scales_with_session_rate,
    signal_key,
)


@dataclass(frozen=True, kw_only=True)
class Sample:
    """One revision's value of one signal over a window, as a provider measured it."""

    value: float | None = None  # None (or NaN): no data for this revision
    sessions: float | None = None  # finished sessions behind the value (the sample size)
    trials: float | None = None  # a rate's denominator (sessions, tool calls, guardrail checks), when known
    second_moment: float | None = None  # a per-session mean's mean of squares (its variance), when known
    error: str | None = None  # set when the backend could not answer; the value is then unknown


Readings = dict[str, dict[str, Sample]]  # signal key -> revision -> sample
TRAFFIC_SPLIT = "traffic-split"  # sessions per arm over the current step: is the split the weight asked for?


@dataclass(frozen=True, kw_only=True)
class SignalQuery:
    """One signal for some revisions of one agent, over a window, from one backend."""

    key: str  # what the readings are filed under: a check's label, or a runbook's signal key
    signal: str  # a built-in signal (docs/reference/metrics.md), or "custom" with `promql`
    promql: str | None  # custom PromQL; {{revision}}, {{agent}} and {{namespace}} are substituted
    namespace: str
    agent: str
    revisions: tuple[str, ...]
    window_seconds: int
    backend_url: str | None  # None: no backend is configured (every reading is then an error)


@dataclass(frozen=True, kw_only=True)
class MeasurementPlan:
    """Everything one reconcile measures before deciding."""

    analysis: tuple[SignalQuery, ...] | None = None  # the checks, when an analysis is due
    monitoring: tuple[SignalQuery, ...] | None = None  # the runbook signals, when a pass is due
    monitor_every: int | None = None  # seconds between monitoring passes; None: no backend to monitor with


def plan_measurements(
    spec: AgentDeploymentSpec,
    status: AgentDeploymentStatus,
    now: str,
    *,
    namespace: str,
    agent: str,
    last_monitored: str | None,
    default_backend: str | None,
) -> MeasurementPlan:
    """`last_monitored` is when this agent's runbooks last ran (kept in memory by the runtime: a
    timestamp written every interval would make an idle agent cost API writes)."""
    analysis_spec = spec.rollout.analysis if spec.rollout else None
    backend = (analysis_spec.prometheus_url if analysis_spec else None) or default_backend
    monitor_every = monitoring_interval(spec) if backend is not None else None

    def query(key: str, signal: str, promql: str | None, revisions: tuple[str, ...], window: int) -> SignalQuery:
        return SignalQuery(
            key=key,
            signal=signal,
            promql=promql,
            namespace=namespace,
            agent=agent,
            revisions=revisions,
            window_seconds=window,
            backend_url=backend,
        )

    stable = status.stable_revision.hash if status.stable_revision else None
    analysis = None
    if stable is not None and analysis_due(spec.rollout, status.rollout, now):
        assert analysis_spec is not None and status.rollout is not None
        arms = (status.rollout.revision, stable)
        window = analysis_spec.interval_seconds
        # Sequential checks accumulate every session since the rollout began (their intervals are valid
        # at every look); the traffic split is checked over the current step, whose weight is fixed,
        # leaving out its first interval: routers take a moment to apply a weight (a Gateway programs its
        # proxies), and sessions from before the change would read as a mismatch.
        since_start = max(int(seconds_between(status.rollout.started_at, now)), window)
        analysis = tuple(
            query(c.label, c.name, c.query, arms, since_start if c.method == "Sequential" else window)
            for c in analysis_spec.checks
        )
        settled = _settled_step_seconds(status.rollout.step_started_at, window, now)
        if any(c.method == "Sequential" for c in analysis_spec.checks) and settled:
            analysis += (query(TRAFFIC_SPLIT, "sessions", None, arms, settled),)
    monitoring = None
    due = last_monitored is None or (
        monitor_every is not None and seconds_between(last_monitored, now) >= monitor_every
    )
    if stable is not None and monitor_every is not None and due:
        second = monitored_second_arm(status.rollout, status.hold)
        serving = (stable,) if second is None or second == stable else (stable, second)
        signals = monitored_signals(spec)
        monitoring = tuple(query(key, *signals[key], serving, monitor_every) for key in signals)
    return MeasurementPlan(analysis=analysis, monitoring=monitoring, monitor_every=monitor_every)


def monitored_signals(spec: AgentDeploymentSpec) -> dict[str, tuple[str, str | None]]:
    """Signal key -> (signal, custom PromQL) for every effective runbook."""
    wanted: dict[str, tuple[str, str | None]] = {}
    for runbook in effective_runbooks(spec):
        detection = detection_of(runbook)
        if detection.signal == EVALUATION_REGRESSION:  # the operator's own runs say it, not Prometheus
            continue
        wanted[signal_key(runbook)] = (detection.signal, detection.query)
        if scales_with_session_rate(runbook):
            wanted[SESSION_RATE] = (SESSION_RATE, None)
    return wanted


def analysis_due(rollout_spec: Rollout | None, rollout: RolloutStatus | None, now: str) -> bool:
    """Whether the canary's checks are measured before this decision."""
    if rollout_spec is None or rollout_spec.analysis is None or not rollout_spec.analysis.checks:
        return False
    if rollout is None or rollout.aborted_at or rollout.paused or rollout.skip_analysis:
        return False
    if rollout.step_started_at is None:
        return False
    since = rollout.last_analysis.time if rollout.last_analysis else rollout.step_started_at
    return seconds_between(since, now) >= rollout_spec.analysis.interval_seconds


def monitored_second_arm(rollout: RolloutStatus | None, hold: Hold | None) -> str | None:
    """The revision measured next to the stable one: the canary of a rollout, or one held in shadow
    (its mirrored sessions decide when it comes back)."""
    if rollout is not None and not rollout.aborted_at:
        return rollout.revision
    if hold is not None and hold.mirror_percent is not None:
        return hold.revision
    return None


def _settled_step_seconds(step_started_at: str | None, interval: int, now: str) -> int:
    """Seconds of the current step after its first analysis interval (0 until there is a whole
    interval of them): the window over which the canary's share of sessions must match its weight."""
    if step_started_at is None:
        return 0
    settled = int(seconds_between(step_started_at, now)) - interval
    return settled if settled >= interval else 0
