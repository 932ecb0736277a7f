"""Always-on incident response: runbooks judged against the serving revisions' signals. Pure.

Each monitoring pass takes the signals measured for every serving revision (the stable one, and
the canary during a rollout) and, per runbook: a breach that has held for `forSeconds` opens an
incident (or counts another occurrence of the open one); a signal healthy for
`resolveAfterSeconds` resolves it. Mitigations are derived from the open incidents, so they lift
by themselves when incidents resolve (unless the runbook keeps them): Throttle, RateLimitTool,
BlockTool, Block and Shadow become live controls for the revision; Rollback and Block ask
`decide` to take the revision out of traffic. Baselines: the stable arm for a canary; otherwise
the last healthy values recorded for the previous revision (also for a canary, with
`baseline: PreviousRevision`: the stable revision's recorded values instead of its live arm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..api.runbooks import Action, Detection, Runbook
from ..api.spec import AgentDeploymentSpec
from ..api.status import AgentDeploymentStatus, Breach, Controls, Incident
from .analysis import Measurement
from .decisions import Event, Notice
from .plan import seconds_between

DEFAULT_RUNBOOKS: dict[str, Runbook] = {
    "PromptLeak": Runbook(
        type="PromptLeak",
        severity="critical",
        resolve_after_seconds=300,
        detection=Detection(signal="prompt-leaks", above=0),
        actions=[Action(type="Rollback"), Action(type="Notify")],
    ),
    "ToolAbuse": Runbook(
        type="ToolAbuse",
        severity="warning",
        resolve_after_seconds=300,
        detection=Detection(signal="tool-calls-per-session", ratio_to_baseline_above=3, min_sessions=10),
        actions=[Action(type="RateLimitTool", per_minute=30), Action(type="Notify")],
    ),
    "SafetyViolation": Runbook(
        type="SafetyViolation",
        severity="critical",
        resolve_after_seconds=600,
        detection=Detection(signal="safety-violations", above=0),
        actions=[Action(type="Block"), Action(type="Notify")],
    ),
    "CostSpike": Runbook(
        type="CostSpike",
        severity="error",
        resolve_after_seconds=300,
        detection=Detection(signal="cost-per-session", ratio_to_baseline_above=10, min_sessions=5),
        actions=[Action(type="Throttle", sessions_per_minute=10), Action(type="Notify")],
    ),
    "HallucinationSurge": Runbook(
        type="HallucinationSurge",
        severity="error",
        resolve_after_seconds=300,
        detection=Detection(signal="grounding-score", below=0.5, min_sessions=10),
        actions=[Action(type="Shadow"), Action(type="Notify")],
    ),
}
BUDGET = "Budget"


def effective_runbooks(spec: AgentDeploymentSpec) -> list[Runbook]:
    """The defaults, replaced or disabled by runbooks of the same type, plus custom ones and the budget."""
    chosen: dict[str, Runbook] = dict(DEFAULT_RUNBOOKS)
    extra: list[Runbook] = []
    for runbook in spec.runbooks:
        if runbook.type == "Custom":
            if runbook.enabled and runbook.detection is not None:
                extra.append(runbook)
            continue
        if not runbook.enabled:
            chosen.pop(runbook.type, None)
            continue
        base = DEFAULT_RUNBOOKS[runbook.type]
        chosen[runbook.type] = runbook.model_copy(
            update={
                "detection": runbook.detection or base.detection,
                "actions": runbook.actions if runbook.actions is not None else base.actions,
                "severity": runbook.severity or base.severity,
            }
        )
    result = [*chosen.values(), *extra]
    if spec.budget is not None:
        result.append(
            Runbook(
                type="CostSpike",
                name=BUDGET,
                severity="error",
                resolve_after_seconds=300,
                detection=Detection(signal="cost-per-hour", above=spec.budget.max_cost_per_hour_usd),
                actions=[
                    Action(type="Throttle", sessions_per_minute=spec.budget.throttle_sessions_per_minute),
                    Action(type="Notify"),
                ],
            )
        )
    return result


def incident_key(runbook: Runbook) -> str:
    return runbook.name if runbook.type == "Custom" or runbook.name == BUDGET else runbook.type  # type: ignore[return-value]


def signals_needed(spec: AgentDeploymentSpec) -> dict[str, str | None]:
    """Signal name -> custom PromQL (None for built-ins) the runtime must measure."""
    needed: dict[str, str | None] = {}
    for runbook in effective_runbooks(spec):
        assert runbook.detection is not None
        name = f"custom:{incident_key(runbook)}" if runbook.detection.signal == "custom" else runbook.detection.signal
        needed[name] = runbook.detection.query
        if any(a.type == "Throttle" and a.factor for a in runbook.actions or []):
            needed["sessions-per-minute"] = None
    return needed


def monitoring_interval(spec: AgentDeploymentSpec) -> int:
    return spec.monitoring.interval_seconds if spec.monitoring else 30


def monitoring_due(spec: AgentDeploymentSpec, status: AgentDeploymentStatus, last: str | None, now: str) -> bool:
    """Due once per interval. `last` is kept by the runtime, not in status: writing a timestamp
    every interval would make an idle agent cost API writes."""
    return status.stable_revision is not None and (
        last is None or seconds_between(last, now) >= monitoring_interval(spec)
    )


@dataclass(frozen=True)
class TakeOut:
    """A revision an incident takes out of live traffic: entirely (Rollback, Block), or into shadow
    with `mirror_percent` of live traffic mirrored to it (Shadow)."""

    reason: str
    mirror_percent: int | None = None


@dataclass
class Monitor:
    incidents: list[Incident]
    breaches: list[Breach]
    baselines: dict[str, dict[str, float]]
    controls: dict[str, Controls]  # per revision: what its Pods must enforce
    take_out_of_traffic: dict[str, TakeOut] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def _known(measurement: Measurement | None) -> bool:
    return (
        measurement is not None
        and measurement.error is None
        and measurement.canary is not None
        and not math.isnan(measurement.canary)
    )


def _breached(detection: Detection, value: float, baseline: float | None) -> bool:
    if detection.above is not None and value > detection.above:
        return True
    if detection.below is not None and value < detection.below:
        return True
    if detection.ratio_to_baseline_above is not None and baseline is not None:
        return value > detection.ratio_to_baseline_above * baseline if baseline > 0 else value > 0
    return False


def monitor(
    spec: AgentDeploymentSpec,
    status: AgentDeploymentStatus,
    signals: dict[str, dict[str, Measurement]],
    stable: str,
    canary: str | None,
    previous: str | None,
    now: str,
) -> Monitor:
    """One pass over every runbook and serving revision. `signals[revision][signal]` as measured
    (`canary` field = the revision's value, `canary_sessions` its finished sessions)."""
    cooldown = spec.monitoring.cooldown_seconds if spec.monitoring else 300
    incidents = [i for i in status.incidents if i.resolved_at is None or seconds_between(i.resolved_at, now) < cooldown]
    breaches = list(status.breaches)
    baselines = {rev: dict(values) for rev, values in status.baselines.items()}
    events: list[Event] = []
    notices: list[Notice] = []
    serving = [stable] + ([canary] if canary and canary != stable else [])
    for runbook in effective_runbooks(spec):
        detection = runbook.detection
        assert detection is not None
        key = incident_key(runbook)
        signal = f"custom:{key}" if detection.signal == "custom" else detection.signal
        for revision in serving:
            measured = signals.get(revision, {}).get(signal)
            if not _known(measured) or (measured.canary_sessions or 0) < detection.min_sessions:  # type: ignore[union-attr]
                continue
            assert measured is not None and measured.canary is not None
            value = measured.canary
            if key == BUDGET:
                # The budget is the agent's: spending of every serving revision counts.
                arms = [signals.get(rev, {}).get(signal) for rev in serving]
                value = sum(m.canary or 0.0 for m in arms if m is not None and _known(m))
            if revision == canary and detection.baseline == "Stable":
                reference = signals.get(stable, {}).get(signal)
                baseline = reference.canary if reference is not None and _known(reference) else None
            else:  # the last healthy values recorded for the revision before this one
                baseline = baselines.get(stable if revision == canary else previous or "", {}).get(signal)
            open_incident = next(
                (i for i in incidents if i.type == key and i.revision == revision and i.resolved_at is None), None
            )
            if _breached(detection, value, baseline):
                breach = next((b for b in breaches if b.type == key and b.revision == revision), None)
                if breach is None:
                    breach = Breach(type=key, revision=revision, since=now)
                    breaches.append(breach)
                if seconds_between(breach.since, now) < detection.for_seconds:
                    continue
                if open_incident is not None:
                    if open_incident.healthy_since is not None:
                        incidents = _replace(
                            incidents,
                            open_incident,
                            open_incident.model_copy(
                                update={"healthy_since": None, "occurrences": open_incident.occurrences + 1}
                            ),
                        )
                    continue
                recent = next((i for i in incidents if i.type == key and i.revision == revision), None)
                message = _message(runbook, signal, value, baseline, revision)
                if recent is not None:  # resolved less than a cooldown ago: the same incident, flapping
                    message += (
                        f"; opened again within the {cooldown} s cooldown, so its mitigations need "
                        f"{runbook.resolve_after_seconds + cooldown} s healthy to lift"
                    )
                incident = Incident(
                    type=key,
                    session_rate=_rate(signals, revision),
                    revision=revision,
                    severity=runbook.severity or "warning",
                    detected_at=now,
                    value=value,
                    baseline=baseline,
                    occurrences=(recent.occurrences + 1) if recent else 1,
                    actions=[a.type for a in runbook.actions or []],
                    message=message,
                    flapping=recent is not None,
                )
                incidents = [i for i in incidents if i is not recent] + [incident]
                events.append(Event("Warning", key, incident.message))
                if any(a.type == "Notify" for a in runbook.actions or []):
                    notices.append(Notice(key, revision, runbook.severity or "warning", incident.message))
            else:
                breaches = [b for b in breaches if not (b.type == key and b.revision == revision)]
                if revision == stable and not open_incident:
                    baselines.setdefault(revision, {})[signal] = value
                if open_incident is not None:
                    healthy_since = open_incident.healthy_since or now
                    needed = runbook.resolve_after_seconds + (cooldown if open_incident.flapping else 0)
                    if seconds_between(healthy_since, now) >= needed:
                        incidents = _replace(
                            incidents,
                            open_incident,
                            open_incident.model_copy(update={"resolved_at": now, "healthy_since": healthy_since}),
                        )
                        message = f"{key} on revision {revision} resolved: healthy for {needed} s"
                        events.append(Event("Normal", f"{key}Resolved", message))
                        if any(a.type == "Notify" for a in runbook.actions or []):
                            notices.append(Notice(key, revision, runbook.severity or "warning", message, resolved=True))
                    elif open_incident.healthy_since is None:
                        incidents = _replace(
                            incidents, open_incident, open_incident.model_copy(update={"healthy_since": now})
                        )
    monitor_result = Monitor(
        incidents=incidents,
        breaches=breaches,
        baselines=_bounded(baselines, serving, previous),
        controls={},
        events=events,
        notices=notices,
    )
    _mitigate(monitor_result, spec)
    return monitor_result


def _rate(signals: dict[str, dict[str, Measurement]], revision: str) -> float | None:
    measured = signals.get(revision, {}).get("sessions-per-minute")
    return measured.canary if measured is not None and _known(measured) else None


def _replace(incidents: list[Incident], old: Incident, new: Incident) -> list[Incident]:
    return [new if i is old else i for i in incidents]


def _bounded(
    baselines: dict[str, dict[str, float]], serving: list[str], previous: str | None
) -> dict[str, dict[str, float]]:
    keep = set(serving) | ({previous} if previous else set())
    return {rev: values for rev, values in baselines.items() if rev in keep}


def _message(runbook: Runbook, signal: str, value: float, baseline: float | None, revision: str) -> str:
    compared = f" (baseline {baseline:.4g})" if baseline is not None else ""
    actions = ", ".join(a.type for a in runbook.actions or []) or "none"
    return f"{incident_key(runbook)} on revision {revision}: {signal} = {value:.4g}{compared}; actions: {actions}"


def _mitigate(result: Monitor, spec: AgentDeploymentSpec) -> None:
    result.controls, result.take_out_of_traffic = mitigations(spec, result.incidents)


def mitigations(spec: AgentDeploymentSpec, incidents: list[Incident]) -> tuple[dict[str, Controls], dict[str, TakeOut]]:
    """Live controls per revision, and revisions to take out of live traffic, implied by the incidents
    in force. Out entirely (Rollback, Block) wins over shadow."""
    runbooks = {incident_key(r): r for r in effective_runbooks(spec)}
    per_revision: dict[str, Controls] = {}
    take_out: dict[str, TakeOut] = {}

    def out_entirely(revision: str, reason: str) -> None:
        current = take_out.get(revision)
        if current is None or current.mirror_percent is not None:
            take_out[revision] = TakeOut(reason)

    declared_tools = [t.name for t in spec.tools]
    for incident in incidents:
        runbook = runbooks.get(incident.type)
        if runbook is None or (incident.resolved_at is not None and not runbook.keep_mitigations):
            continue
        controls = per_revision.get(incident.revision, Controls())
        for action in runbook.actions or []:
            tools = [action.tool] if action.tool else declared_tools
            wanted = action.sessions_per_minute
            if action.type == "Throttle" and action.factor and incident.session_rate:
                wanted = max(1.0, round(action.factor * incident.session_rate / max(spec.replicas, 1), 2))
            if action.type == "Throttle" and wanted:
                current = controls.sessions_per_minute
                limit = min(current, wanted) if current else wanted
                controls = controls.model_copy(update={"sessions_per_minute": limit})
            elif action.type == "RateLimitTool":
                limits = dict(controls.tool_rate_limits)
                for tool in tools:
                    limits[tool] = min(limits.get(tool, math.inf), action.per_minute or 30)
                controls = controls.model_copy(update={"tool_rate_limits": limits})
            elif action.type == "BlockTool":
                controls = controls.model_copy(
                    update={"blocked_tools": sorted(set(controls.blocked_tools) | set(tools))}
                )
            elif action.type == "Block":
                controls = controls.model_copy(update={"mode": "blocked"})
                if incident.resolved_at is None:
                    out_entirely(incident.revision, incident.type)
            elif action.type == "Shadow":
                if controls.mode != "blocked":
                    controls = controls.model_copy(update={"mode": "shadow"})
                take_out.setdefault(incident.revision, TakeOut(incident.type, action.percent))
            elif action.type == "Rollback" and incident.resolved_at is None:
                out_entirely(incident.revision, incident.type)
        per_revision[incident.revision] = controls
    return {rev: c for rev, c in per_revision.items() if c != Controls()}, take_out
