"""Turns the runbooks' verdicts into what happens to traffic. Pure.

`monitor` (engine/incidents.py) says which revisions an incident takes out of live traffic;
this module says how, given where the revision stands:

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

from ..api import conditions as c
from ..api.spec import AgentDeploymentSpec
from ..api.status import AgentDeploymentStatus, Breach, Controls, HistoryEntry, Hold, Incident, RolloutStatus
from . import annotations as manual
from .conditions import keep_transition_times, set_condition
from .decisions import Event, Notice, Observation
from .incidents import TakeOut, mitigations, monitor


@dataclass
class IncidentOutcome:
    incidents: list[Incident]
    breaches: list[Breach]
    baselines: dict[str, dict[str, float]]
    controls: dict[str, Controls]
    hold: Hold | None
    rollback_to: str | None = None
    abort_canary: tuple[str, str] | None = None  # (reason, message)
    shadow_canary: tuple[str, str, int] | None = None  # (reason, message, mirror percent)
    retried: bool = False
    resolved_by_hand: bool = False
    rolled_back_by_hand: bool = False
    events: list[Event] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def respond(
    spec: AgentDeploymentSpec,
    status: AgentDeploymentStatus,
    observation: Observation,
    stable: str | None,
    latest: str,
    routed: bool,
    now: str,
) -> IncidentOutcome:
    """Run the runbooks when the runtime measured signals; turn their verdicts into traffic changes."""
    hold = status.hold
    retried = manual.RETRY in observation.annotations and hold is not None
    if hold is not None and (hold.revision != latest or retried):
        hold = None  # the spec moved on, or an operator asked to try again
    outcome = IncidentOutcome(
        list(status.incidents),
        list(status.breaches),
        dict(status.baselines),
        dict(status.controls),
        hold,
        retried=retried,
    )
    take_out: dict[str, TakeOut] | None = None
    manual_type = observation.annotations.get(manual.RESOLVE)
    if manual_type is not None:
        outcome.incidents = [
            i.model_copy(update={"resolved_at": now, "healthy_since": now})
            if i.type == manual_type and i.resolved_at is None
            else i
            for i in outcome.incidents
        ]
        outcome.controls, take_out = mitigations(spec, outcome.incidents)
        outcome.resolved_by_hand = True
        outcome.events.append(
            Event("Normal", f"{manual_type}Resolved", f"{manual_type} resolved by an operator (annotation)")
        )
    if observation.signals is not None and stable is not None:
        take_out = _monitor(spec, status, observation, outcome, stable, latest, routed, now)
    if take_out is not None:
        _lift_shadow(outcome, take_out)
    if manual.ROLLBACK_TO in observation.annotations:
        _manual_rollback(outcome, status, observation, observation.annotations[manual.ROLLBACK_TO], latest, now)
    return outcome


MANUAL_ROLLBACK = "ManualRollback"


def _manual_rollback(
    outcome: IncidentOutcome,
    status: AgentDeploymentStatus,
    observation: Observation,
    wanted: str,
    latest: str,
    now: str,
) -> None:
    """Serve the revision an operator named (by number or hash) and hold the latest one."""
    outcome.rolled_back_by_hand = True
    entry = next((e for e in status.history if wanted.strip() in (str(e.number), e.hash)), None)
    if entry is None or not _runnable(observation, entry.hash):
        kept = ", ".join(f"{e.number} ({e.hash})" for e in status.history) or "none"
        outcome.events.append(
            Event("Warning", "RollbackIgnored", f"no revision {wanted!r} to roll back to; revisions kept: {kept}")
        )
        return
    if entry.hash == latest:
        outcome.hold = None
        outcome.events.append(Event("Normal", "RolledBack", f"revision {entry.number} is the latest: it serves again"))
        return
    outcome.rollback_to = entry.hash
    message = f"rolled back to revision {entry.number} ({entry.hash}) by an operator"
    outcome.hold = Hold(revision=latest, reason=MANUAL_ROLLBACK, message=message, since=now)
    outcome.events.append(Event("Normal", "RolledBack", message))


def monitored_second_arm(rollout: RolloutStatus | None, hold: Hold | None) -> str | None:
    """The revision measured next to the stable one: the canary of a rollout, or one held in shadow
    (its mirrored sessions decide when it comes back). The runtime measures it; `monitor` judges it."""
    if rollout is not None and not rollout.aborted_at:
        return rollout.revision
    if hold is not None and hold.mirror_percent is not None:
        return hold.revision
    return None


def _monitor(
    spec: AgentDeploymentSpec,
    status: AgentDeploymentStatus,
    observation: Observation,
    outcome: IncidentOutcome,
    stable: str,
    latest: str,
    routed: bool,
    now: str,
) -> dict[str, TakeOut]:
    assert observation.signals is not None
    second = monitored_second_arm(status.rollout, outcome.hold)
    second = second if second == latest else None  # one the spec has moved past is no longer judged
    shadowed = second if outcome.hold is not None and second == outcome.hold.revision else None
    canary = second if shadowed is None else None
    current = status.model_copy(update={"incidents": outcome.incidents})  # after any manual resolution
    result = monitor(spec, current, observation.signals, stable, second, _previous(status.history, stable), now)
    outcome.incidents, outcome.breaches, outcome.baselines = result.incidents, result.breaches, result.baselines
    outcome.controls, outcome.events, outcome.notices = result.controls, result.events, result.notices
    for revision, out in sorted(result.take_out_of_traffic.items()):
        message = next(
            (i.message for i in result.incidents if i.revision == revision and i.type == out.reason), out.reason
        )
        mirror = out.mirror_percent if routed else None
        if revision == canary:
            if mirror is not None:
                outcome.shadow_canary = (out.reason, message, mirror)
            else:
                outcome.abort_canary = (out.reason, message)
        elif revision == shadowed and out.mirror_percent is None and outcome.hold is not None:
            outcome.hold = outcome.hold.model_copy(
                update={"mirror_percent": None, "reason": out.reason, "message": message}
            )
            outcome.events.append(
                Event("Warning", "ShadowEnded", f"{message}; the revision gets no traffic at all now")
            )
        elif revision == stable and outcome.hold is None:
            target = _rollback_target(status.history, stable, observation, result.incidents)
            if target is None:
                outcome.events.append(
                    Event(
                        "Warning",
                        "NoRollbackTarget",
                        f"{message}; no earlier healthy revision to roll back "
                        "to, so the revision stays in traffic with its live controls",
                    )
                )
                continue
            outcome.rollback_to = target
            outcome.hold = Hold(revision=revision, reason=out.reason, message=message, since=now, mirror_percent=mirror)
            outcome.events.append(
                Event(
                    "Warning",
                    "RolledBack",
                    f"{message}; live traffic returned to revision {target}" + _hold_text(outcome.hold, out),
                )
            )
    return result.take_out_of_traffic


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


def _lift_shadow(outcome: IncidentOutcome, take_out: dict[str, TakeOut]) -> None:
    hold = outcome.hold
    if hold is not None and hold.mirror_percent is not None and hold.revision not in take_out:
        outcome.hold = None
        outcome.events.append(
            Event(
                "Normal",
                "ShadowLifted",
                f"{hold.reason} on revision {hold.revision} resolved: the revision returns to live traffic",
            )
        )


def _previous(history: list[HistoryEntry], revision: str) -> str | None:
    number = next((e.number for e in history if e.hash == revision), None)
    earlier = [e for e in history if number is not None and e.number < number]
    return max(earlier, key=lambda e: e.number).hash if earlier else None


def _rollback_target(
    history: list[HistoryEntry], stable: str, observation: Observation, incidents: list[Incident]
) -> str | None:
    """The newest earlier revision with no open incident of its own that can run: its Deployment
    exists, or its bundle does (the Deployment is re-created from it)."""
    number = next((e.number for e in history if e.hash == stable), 0)
    unhealthy = {i.revision for i in incidents if i.resolved_at is None}
    for entry in sorted(history, key=lambda e: e.number, reverse=True):
        if (
            entry.number < number
            and _runnable(observation, entry.hash)
            and entry.hash not in unhealthy
            and entry.outcome != "Failed"
        ):
            return entry.hash
    return None


def _runnable(observation: Observation, revision: str) -> bool:
    """It can serve: its Deployment exists, or its bundle does (the Deployment is re-created from it)."""
    return revision in observation.workloads or revision in observation.bundle_texts


def degraded_by_hold(
    status: AgentDeploymentStatus, hold: Hold, now: str, generation: int, before: AgentDeploymentStatus
) -> AgentDeploymentStatus:
    """`status` as composed, with Degraded and Progressing saying why the revision is held. `before` is the
    status as read: compose_status already set these conditions once, so their lastTransitionTime is
    judged against what was there before this reconcile, not against that first pass."""
    if hold.mirror_percent is not None:
        message = (
            f"{hold.message}; revision {hold.revision} gets {hold.mirror_percent}% of traffic mirrored with tools "
            "dry-run and returns to live traffic when the incident resolves; or apply a fixed spec"
        )
    else:
        message = f"{hold.message}; apply a fixed spec, or annotate agentops.dev/retry to serve it again"
    conditions = set_condition(status.conditions, c.DEGRADED, "True", hold.reason, message, now, generation)
    conditions = set_condition(
        conditions,
        c.PROGRESSING,
        "False",
        hold.reason,
        f"revision {hold.revision} is held out of live traffic by an incident",
        now,
        generation,
    )
    conditions = keep_transition_times(before.conditions, conditions)
    return status.model_copy(update={"conditions": conditions, "summary": "Degraded"})
