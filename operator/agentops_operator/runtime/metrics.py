"""The operator's own Prometheus metrics (served on --metrics-port): what users of Argo Rollouts and
Flagger ask for — reconciles, rollout weight and step, analysis values per check and arm,
verdicts, promotions and aborts, incidents, and evaluation runs with their pass rates."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from ..api.status import AgentDeploymentStatus
from ..api.vocabulary import Arm, Reason
from ..engine.decisions import Decision

RECONCILES = Counter("agentops_operator_reconciles_total", "Reconciles of AgentDeployments by result.", ["result"])
RECONCILE_SECONDS = Histogram(
    "agentops_operator_reconcile_duration_seconds",
    "Time from reading an AgentDeployment to its status being written.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ROLLOUT_WEIGHT = Gauge(
    "agentops_rollout_weight_percent", "Percent of live traffic on the canary.", ["namespace", "agent"]
)
ROLLOUT_MIRROR = Gauge(
    "agentops_rollout_shadow_percent", "Percent of traffic mirrored to the canary.", ["namespace", "agent"]
)
ROLLOUT_STEP = Gauge(
    "agentops_rollout_step", "Index of the current rollout step (-1 when none is running).", ["namespace", "agent"]
)
ANALYSIS_VALUE = Gauge(
    "agentops_analysis_value", "Last measured value of an analysis check.", ["namespace", "agent", "check", "arm"]
)
ANALYSIS_VERDICTS = Counter(
    "agentops_analysis_verdicts_total", "Analyses by overall verdict.", ["namespace", "agent", "verdict"]
)
PROMOTIONS = Counter("agentops_rollout_promotions_total", "Revisions promoted to stable.", ["namespace", "agent"])
ABORTS = Counter("agentops_rollout_aborts_total", "Rollouts aborted, by reason.", ["namespace", "agent", "reason"])
INCIDENTS_OPEN = Gauge(
    "agentops_incidents_open", "Incidents open now, by type and severity.", ["namespace", "agent", "type", "severity"]
)
INCIDENTS = Counter(
    "agentops_incidents_total",
    "Incidents opened (reopenings included), by type and severity.",
    ["namespace", "agent", "type", "severity"],
)
EVALUATION_PASS_RATIO = Gauge(
    "agentops_evaluation_pass_ratio",
    "Pass rate (passed / judged) of the last finished run of each evaluation suite.",
    ["namespace", "agent", "revision", "suite"],
)
EVALUATION_RUNS = Counter(
    "agentops_evaluation_runs_total",
    "Evaluation runs finished, by verdict.",
    ["namespace", "agent", "suite", "verdict"],
)
ROLLBACKS = Counter(
    "agentops_rollbacks_total", "Stable revisions taken out of traffic, by reason.", ["namespace", "agent", "reason"]
)


def record(namespace: str, agent: str, before: AgentDeploymentStatus, decision: Decision) -> None:
    after = decision.status
    rollout = after.rollout
    ROLLOUT_WEIGHT.labels(namespace, agent).set(rollout.weight if rollout else 0)
    ROLLOUT_MIRROR.labels(namespace, agent).set(rollout.shadow_percent if rollout else 0)
    ROLLOUT_STEP.labels(namespace, agent).set(rollout.step_index if rollout else -1)
    previous = before.rollout
    if rollout and rollout.last_analysis and (previous is None or previous.last_analysis != rollout.last_analysis):
        ANALYSIS_VERDICTS.labels(namespace, agent, rollout.last_analysis.verdict).inc()
        for check in rollout.last_analysis.checks:
            for arm, value in ((Arm.CANARY, check.canary), (Arm.STABLE, check.stable)):
                if value is not None:
                    ANALYSIS_VALUE.labels(namespace, agent, check.name, arm).set(value)
    if rollout and rollout.aborted_at and (previous is None or not previous.aborted_at):
        ABORTS.labels(namespace, agent, rollout.abort_reason or "Unknown").inc()
    if any(event.reason == Reason.PROMOTED for event in decision.events):
        PROMOTIONS.labels(namespace, agent).inc()
    _record_incidents(namespace, agent, before, decision)
    _record_evaluations(namespace, agent, before, decision)


def _record_evaluations(namespace: str, agent: str, before: AgentDeploymentStatus, decision: Decision) -> None:
    """Runs that got their verdict in this decision; a run followed by its next attempt was Inconclusive."""
    earlier = {(r.revision, r.suite): r for r in before.evaluation}
    for run in decision.status.evaluation:
        prev = earlier.get((run.revision, run.suite))
        if prev is not None and prev.verdict is None and prev.run != run.run and run.attempt == prev.attempt + 1:
            EVALUATION_RUNS.labels(namespace, agent, run.suite, "Inconclusive").inc()
        if run.verdict is not None and (prev is None or prev.run != run.run or prev.verdict is None):
            EVALUATION_RUNS.labels(namespace, agent, run.suite, run.verdict).inc()
            if run.pass_rate is not None:
                EVALUATION_PASS_RATIO.labels(namespace, agent, run.revision, run.suite).set(run.pass_rate)


def _record_incidents(namespace: str, agent: str, before: AgentDeploymentStatus, decision: Decision) -> None:
    after = decision.status
    seen_before = {(i.type, i.revision, i.detected_at) for i in before.incidents}
    open_now: dict[tuple[str, str], int] = {}
    for incident in after.incidents:
        if (incident.type, incident.revision, incident.detected_at) not in seen_before:
            INCIDENTS.labels(namespace, agent, incident.type, incident.severity).inc()
        if incident.resolved_at is None:
            key = (incident.type, incident.severity)
            open_now[key] = open_now.get(key, 0) + 1
    for incident in [*before.incidents, *after.incidents]:
        key = (incident.type, incident.severity)
        INCIDENTS_OPEN.labels(namespace, agent, *key).set(open_now.get(key, 0))
    if after.hold is not None and (before.hold is None or before.hold.since != after.hold.since):
        ROLLBACKS.labels(namespace, agent, after.hold.reason).inc()
