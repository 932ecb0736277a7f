"""Turns the runbooks' verdicts into what happens to traffic. Pure.

`incidents.monitor` opens and resolves incidents, `mitigations` says which revisions they take out
of live traffic; this module says how, given where the revision stands:

- a canary: Rollback/Block abort the rollout; Shadow (with a router) pauses it at weight 0 with
  traffic mirrored to the canary until the incident resolves, then the rollout goes on.
- the stable revision: traffic returns to the newest earlier revision that is healthy (its
  Deployment scaled back up, or re-created from its bundle if it was deleted) and the revision
  is *held*. Rollback/Block hold it until the spec changes or a retry; Shadow (with a router)
  keeps it running with traffic mirrored to it, tools dry-run, and lets it back when the incident
  resolves. Without a router nothing can be mirrored: the coarse fallback scales it to zero.
- a revision already held in shadow: an incident that takes it out entirely ends the mirror.

Manual resolution (annotation) closes incidents and lifts what they put in force. A manual rollback
(annotation `agentops.dev/rollback-to`) uses the same hold: the named revision from the history
serves (re-created from its bundle if needed) and the latest one is held until the spec changes or
a retry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..api.spec import AgentDeploymentSpec
from ..api.status import AgentDeploymentStatus, Breach, Controls, HistoryEntry, Hold, Incident
from ..api.vocabulary import EventType, Outcome, Reason, resolved
from . import annotations as manual
from .decisions import Event, Notice, Observation
from .incidents import monitor
from .measurements import monitored_second_arm
from .mitigations import TakeOut, mitigations
from .rollout_control import Interruption


@dataclass(frozen=True, kw_only=True)
class IncidentPhase:
    """The incidents in force after this reconcile, and what they do to traffic."""

    incidents: list[Incident]
    breaches: list[Breach]
    baselines: dict[str, dict[str, float]]
    controls: dict[str, Controls]  # per revision: the live controls its Pods enforce
    hold: Hold | None  # the latest revision held out of live traffic, and why
    rollback_to: str | None  # the revision that serves instead of the stable one (None: no rollback now)
    interruption: Interruption | None  # a runbook taking the canary out of live traffic
    handled_annotations: tuple[str, ...]  # the retry / resolve / rollback-to annotations acted on
    events: tuple[Event, ...]
    notices: tuple[Notice, ...]


@dataclass
class _Response:
    """The phase being built (private to `respond`)."""

    incidents: list[Incident]
    breaches: list[Breach]
    baselines: dict[str, dict[str, float]]
    controls: dict[str, Controls]
    hold: Hold | None
    rollback_to: str | None = None
    interruption: Interruption | None = None
    handled: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def note(self, type: EventType, reason: str, message: str) -> None:
        self.events.append(Event(type, reason, message))


def respond(
    spec: AgentDeploymentSpec,
    status: AgentDeploymentStatus,
    observation: Observation,
    latest: str,
    routed: bool,
    now: str,
) -> IncidentPhase:
    """Run the runbooks when signals were measured; turn their verdicts into traffic changes."""
    annotations = observation.annotations
    hold = status.hold
    retried = manual.RETRY in annotations and hold is not None
    if hold is not None and (hold.revision != latest or retried):
        hold = None  # the spec moved on, or an operator asked to try again
    response = _Response(
        list(status.incidents), list(status.breaches), dict(status.baselines), dict(status.controls), hold
    )
    if retried:
        response.handled.append(manual.RETRY)
    take_out: dict[str, TakeOut] | None = None
    if manual.RESOLVE in annotations:
        take_out = _resolve_by_hand(response, spec, annotations[manual.RESOLVE], now)
    stable = status.stable_revision.hash if status.stable_revision else None
    if observation.signals is not None and stable is not None:
        take_out = _monitor(spec, status, observation, response, stable, latest, routed, now)
    if take_out is not None:
        _lift_shadow(response, take_out)
    if manual.ROLLBACK_TO in annotations:
        _manual_rollback(response, status, observation, annotations[manual.ROLLBACK_TO], latest, now)
    return IncidentPhase(
        incidents=response.incidents,
        breaches=response.breaches,
        baselines=response.baselines,
        controls=response.controls,
        hold=response.hold,
        rollback_to=response.rollback_to,
        interruption=response.interruption,
        handled_annotations=tuple(response.handled),
        events=tuple(response.events),
        notices=tuple(response.notices),
    )


def _resolve_by_hand(response: _Response, spec: AgentDeploymentSpec, kind: str, now: str) -> dict[str, TakeOut]:
    closed = {"resolved_at": now, "healthy_since": now}
    response.incidents = [
        i.model_copy(update=closed) if i.type == kind and i.resolved_at is None else i for i in response.incidents
    ]
    lifted = mitigations(spec, response.incidents)
    response.controls = lifted.controls
    response.handled.append(manual.RESOLVE)
    response.note(EventType.NORMAL, resolved(kind), f"{kind} resolved by an operator (annotation)")
    return lifted.take_out


def _manual_rollback(
    response: _Response, status: AgentDeploymentStatus, observation: Observation, wanted: str, latest: str, now: str
) -> None:
    """Serve the revision an operator named (by number or hash) and hold the latest one."""
    response.handled.append(manual.ROLLBACK_TO)
    entry = next((e for e in status.history if wanted.strip() in (str(e.number), e.hash)), None)
    if entry is None or not _runnable(observation, entry.hash):
        kept = ", ".join(f"{e.number} ({e.hash})" for e in status.history) or "none"
        message = f"no revision {wanted!r} to roll back to; revisions kept: {kept}"
        response.note(EventType.WARNING, Reason.ROLLBACK_IGNORED, message)
        return
    if entry.hash == latest:
        response.hold = None
        message = f"revision {entry.number} is the latest: it serves again"
        response.note(EventType.NORMAL, Reason.ROLLED_BACK, message)
        return
    response.rollback_to = entry.hash
    message = f"rolled back to revision {entry.number} ({entry.hash}) by an operator"
    response.hold = Hold(revision=latest, reason=Reason.MANUAL_ROLLBACK, message=message, since=now)
    response.note(EventType.NORMAL, Reason.ROLLED_BACK, message)


def _monitor(
    spec: AgentDeploymentSpec,
    status: AgentDeploymentStatus,
    observation: Observation,
    response: _Response,
    stable: str,
    latest: str,
    routed: bool,
    now: str,
) -> dict[str, TakeOut]:
    assert observation.signals is not None
    second = monitored_second_arm(status.rollout, response.hold)
    second = second if second == latest else None  # one the spec has moved past is no longer judged
    shadowed = second if response.hold is not None and second == response.hold.revision else None
    detected = monitor(
        spec,
        response.incidents,  # after any manual resolution
        status.breaches,
        status.baselines,
        observation.signals,
        stable=stable,
        canary=second,
        previous=_previous(status.history, stable),
        now=now,
    )
    in_force = mitigations(spec, detected.incidents)
    response.incidents, response.breaches, response.baselines = (
        detected.incidents,
        detected.breaches,
        detected.baselines,
    )
    response.controls = in_force.controls
    response.events += detected.events  # after a manual resolution's, which used to be lost
    response.notices += detected.notices
    for revision, out in sorted(in_force.take_out.items()):
        message = next(
            (i.message for i in detected.incidents if i.revision == revision and i.type == out.reason), out.reason
        )
        mirror = out.mirror_percent if routed else None
        if revision == second and shadowed is None:
            response.interruption = Interruption(reason=out.reason, message=message, mirror_percent=mirror)
        elif revision == shadowed and out.mirror_percent is None and response.hold is not None:
            response.hold = response.hold.model_copy(
                update={"mirror_percent": None, "reason": out.reason, "message": message}
            )
            response.note(EventType.WARNING, Reason.SHADOW_ENDED, f"{message}; the revision gets no traffic at all now")
        elif revision == stable and response.hold is None:
            _roll_back(response, status, observation, detected.incidents, revision, out, message, mirror, now)
    return in_force.take_out


def _roll_back(
    response: _Response,
    status: AgentDeploymentStatus,
    observation: Observation,
    incidents: list[Incident],
    stable: str,
    out: TakeOut,
    message: str,
    mirror: int | None,
    now: str,
) -> None:
    """Take the stable revision out of live traffic: the newest earlier healthy revision serves."""
    target = _rollback_target(status.history, stable, observation, incidents)
    if target is None:
        text = (
            f"{message}; no earlier healthy revision to roll back to, so the revision stays in traffic "
            "with its live controls"
        )
        response.note(EventType.WARNING, Reason.NO_ROLLBACK_TARGET, text)
        return
    response.rollback_to = target
    response.hold = Hold(revision=stable, reason=out.reason, message=message, since=now, mirror_percent=mirror)
    text = f"{message}; live traffic returned to revision {target}" + _hold_text(response.hold, out)
    response.note(EventType.WARNING, Reason.ROLLED_BACK, text)


def _hold_text(hold: Hold, out: TakeOut) -> str:
    if hold.mirror_percent is not None:
        return (
            f"; {hold.mirror_percent}% of it is mirrored to revision {hold.revision} (tools dry-run) "
            "until the incident resolves"
        )
    if out.mirror_percent is not None:
        return (
            "; shadow traffic needs spec.rollout.trafficRouting (gatewayAPI or istio), "
            "so the revision was scaled to zero"
        )
    return ""


def _lift_shadow(response: _Response, take_out: dict[str, TakeOut]) -> None:
    hold = response.hold
    if hold is not None and hold.mirror_percent is not None and hold.revision not in take_out:
        response.hold = None
        message = f"{hold.reason} on revision {hold.revision} resolved: the revision returns to live traffic"
        response.note(EventType.NORMAL, Reason.SHADOW_LIFTED, message)


def _previous(history: list[HistoryEntry], revision: str) -> str | None:
    number = next((e.number for e in history if e.hash == revision), None)
    earlier = [e for e in history if number is not None and e.number < number]
    return max(earlier, key=lambda e: e.number).hash if earlier else None


def _rollback_target(
    history: list[HistoryEntry], stable: str, observation: Observation, incidents: list[Incident]
) -> str | None:
    """The newest earlier revision with no open incident of its own that can run."""
    number = next((e.number for e in history if e.hash == stable), 0)
    unhealthy = {i.revision for i in incidents if i.resolved_at is None}
    candidates = sorted(history, key=lambda e: e.number, reverse=True)
    healthy = (e for e in candidates if e.number < number and e.hash not in unhealthy and e.outcome != Outcome.FAILED)
    return next((e.hash for e in healthy if _runnable(observation, e.hash)), None)


def _runnable(observation: Observation, revision: str) -> bool:
    """It can serve: its Deployment exists, or its bundle does (the Deployment is re-created from it)."""
    return revision in observation.workloads or revision in observation.bundle_texts
