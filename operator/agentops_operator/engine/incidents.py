"""Always-on incident detection: runbooks judged against the serving revisions' signals. Pure.

Each monitoring pass takes the signals measured for every serving revision (the stable one, and
the revision measured next to it) and, per runbook: a breach that has held for `forSeconds` opens
an incident (or counts another occurrence of the open one); a signal healthy for
`resolveAfterSeconds` resolves it. What the incidents imply (controls, traffic) is
`mitigations.py`'s. Baselines: the stable arm for a canary; otherwise the last healthy values
recorded for the previous revision (also for a canary, with `baseline: PreviousRevision`: the
stable revision's recorded values instead of its live arm). A baseline is a reference for ratio
thresholds, so it moves only when the signal does (by more than `BASELINE_TOLERANCE`, relative), and
is stored to 4 significant digits: a steady agent's status is not rewritten by measurement noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..api.runbooks import Detection, Runbook
from ..api.spec import AgentDeploymentSpec
from ..api.status import Breach, Incident
from ..api.vocabulary import Baseline, EventType, resolved
from .clock import seconds_between
from .decisions import Event, Notice
from .measurements import Readings, Sample
from .runbook_set import BUDGET, SESSION_RATE, detection_of, effective_runbooks, incident_key, notifies, signal_key

BASELINE_TOLERANCE = 0.05  # a recorded baseline follows the signal once it moves more than this (relative)


@dataclass(frozen=True, kw_only=True)
class Detected:
    """The runbooks' verdicts after one monitoring pass."""

    incidents: list[Incident]  # open ones, and resolved ones still inside their cooldown
    breaches: list[Breach]  # signals out of bounds, not yet for `forSeconds`
    baselines: dict[str, dict[str, float]]  # per revision: its last healthy values, for later comparison
    events: list[Event]
    notices: list[Notice]


@dataclass
class _Pass:
    """The state one pass builds up, runbook by runbook (private to `monitor`)."""

    spec: AgentDeploymentSpec
    signals: Readings
    serving: list[str]
    previous: str | None
    now: str
    cooldown: int
    incidents: list[Incident]
    breaches: list[Breach]
    baselines: dict[str, dict[str, float]]
    events: list[Event] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def monitor(
    spec: AgentDeploymentSpec,
    incidents: list[Incident],
    breaches: list[Breach],
    baselines: dict[str, dict[str, float]],
    signals: Readings,
    *,
    stable: str,
    canary: str | None,
    previous: str | None,
    now: str,
) -> Detected:
    """One pass over every runbook and serving revision; `previous` is the revision before `stable`."""
    cooldown = spec.monitoring.cooldown_seconds if spec.monitoring else 300
    state = _Pass(
        spec=spec,
        signals=signals,
        serving=[stable] + ([canary] if canary and canary != stable else []),
        previous=previous,
        now=now,
        cooldown=cooldown,
        incidents=[i for i in incidents if i.resolved_at is None or seconds_between(i.resolved_at, now) < cooldown],
        breaches=list(breaches),
        baselines={rev: dict(values) for rev, values in baselines.items()},
    )
    for runbook in effective_runbooks(spec):
        for revision in state.serving:
            _look(state, runbook, revision)
    keep = set(state.serving) | ({previous} if previous else set())
    return Detected(
        incidents=state.incidents,
        breaches=state.breaches,
        baselines={rev: values for rev, values in state.baselines.items() if rev in keep},
        events=state.events,
        notices=state.notices,
    )


def _value(sample: Sample | None) -> float | None:
    """The value when measured without error and not NaN (an infinite value is a real breach)."""
    if sample is None or sample.error is not None or sample.value is None or math.isnan(sample.value):
        return None
    return sample.value


def _look(state: _Pass, runbook: Runbook, revision: str) -> None:
    """One runbook on one revision: open, keep, count or resolve its incident."""
    detection, key, signal = detection_of(runbook), incident_key(runbook), signal_key(runbook)
    measured = state.signals.get(signal, {})
    sample = measured.get(revision)
    value = _value(sample)
    if value is None or sample is None or (sample.sessions or 0) < detection.min_sessions:
        return
    if key == BUDGET:  # the budget is the agent's: spending of every serving revision counts
        value = sum(v for rev in state.serving if (v := _value(measured.get(rev))) is not None)
    stable = state.serving[0]
    baseline: float | None
    if revision != stable and detection.baseline == Baseline.STABLE:
        baseline = _value(measured.get(stable))
    else:  # the last healthy values recorded for the revision before this one
        before = stable if revision != stable else state.previous or ""
        baseline = state.baselines.get(before, {}).get(signal)
    open_incident = next(
        (i for i in state.incidents if i.type == key and i.revision == revision and i.resolved_at is None), None
    )
    if _breached(detection, value, baseline):
        _breach(state, runbook, revision, value, baseline, open_incident)
    else:
        _healthy(state, runbook, revision, value, open_incident)


def _breached(detection: Detection, value: float, baseline: float | None) -> bool:
    if detection.above is not None and value > detection.above:
        return True
    if detection.below is not None and value < detection.below:
        return True
    if detection.ratio_to_baseline_above is not None and baseline is not None:
        return value > detection.ratio_to_baseline_above * baseline if baseline > 0 else value > 0
    return False


def _breach(
    state: _Pass, runbook: Runbook, revision: str, value: float, baseline: float | None, open_incident: Incident | None
) -> None:
    key, detection = incident_key(runbook), detection_of(runbook)
    breach = next((b for b in state.breaches if b.type == key and b.revision == revision), None)
    if breach is None:
        breach = Breach(type=key, revision=revision, since=state.now)
        state.breaches.append(breach)
    if seconds_between(breach.since, state.now) < detection.for_seconds:
        return
    if open_incident is not None:
        if open_incident.healthy_since is not None:
            again = {"healthy_since": None, "occurrences": open_incident.occurrences + 1}
            _replace(state, open_incident, open_incident.model_copy(update=again))
        return
    recent = next((i for i in state.incidents if i.type == key and i.revision == revision), None)
    message = _message(runbook, signal_key(runbook), value, baseline, revision)
    if recent is not None:  # resolved less than a cooldown ago: the same incident, flapping
        message += (
            f"; opened again within the {state.cooldown} s cooldown, so its mitigations need "
            f"{runbook.resolve_after_seconds + state.cooldown} s healthy to lift"
        )
    incident = Incident(
        type=key,
        session_rate=_value(state.signals.get(SESSION_RATE, {}).get(revision)),
        revision=revision,
        severity=runbook.severity or "warning",
        detected_at=state.now,
        value=value,
        baseline=baseline,
        occurrences=(recent.occurrences + 1) if recent else 1,
        actions=[a.type for a in runbook.actions or []],
        message=message,
        flapping=recent is not None,
    )
    state.incidents = [i for i in state.incidents if i is not recent] + [incident]
    state.events.append(Event(EventType.WARNING, key, incident.message))
    if notifies(runbook):
        state.notices.append(Notice(key, revision, incident.severity, incident.message))


def _healthy(state: _Pass, runbook: Runbook, revision: str, value: float, open_incident: Incident | None) -> None:
    key = incident_key(runbook)
    state.breaches = [b for b in state.breaches if not (b.type == key and b.revision == revision)]
    if revision == state.serving[0] and not open_incident:
        recorded = state.baselines.setdefault(revision, {})
        recorded[signal_key(runbook)] = baseline_after(recorded.get(signal_key(runbook)), value)
    if open_incident is None:
        return
    healthy_since = open_incident.healthy_since or state.now
    needed = runbook.resolve_after_seconds + (state.cooldown if open_incident.flapping else 0)
    if seconds_between(healthy_since, state.now) >= needed:
        closed = open_incident.model_copy(update={"resolved_at": state.now, "healthy_since": healthy_since})
        _replace(state, open_incident, closed)
        message = f"{key} on revision {revision} resolved: healthy for {needed} s"
        state.events.append(Event(EventType.NORMAL, resolved(key), message))
        if notifies(runbook):
            state.notices.append(Notice(key, revision, runbook.severity or "warning", message, resolved=True))
    elif open_incident.healthy_since is None:
        _replace(state, open_incident, open_incident.model_copy(update={"healthy_since": state.now}))


def baseline_after(recorded: float | None, value: float) -> float:
    """The baseline once `value` was measured healthy: unchanged while within the tolerance."""
    if recorded is not None and math.isfinite(value) and abs(value - recorded) <= BASELINE_TOLERANCE * abs(recorded):
        return recorded
    return float(f"{value:.4g}") if math.isfinite(value) else value


def _replace(state: _Pass, old: Incident, new: Incident) -> None:
    state.incidents = [new if i is old else i for i in state.incidents]


def _message(runbook: Runbook, signal: str, value: float, baseline: float | None, revision: str) -> str:
    compared = f" (baseline {baseline:.4g})" if baseline is not None else ""
    actions = ", ".join(a.type for a in runbook.actions or []) or "none"
    return f"{incident_key(runbook)} on revision {revision}: {signal} = {value:.4g}{compared}; actions: {actions}"
