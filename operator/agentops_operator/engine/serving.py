"""Which revision serves live traffic after this decision, and at what size. Pure.

The first revision, and every new revision when `spec.rollout` has no steps, goes live directly:
once available it becomes stable — after its evaluation suites pass, when `spec.evaluation` has
any (evaluation_gate.py: until then it runs for the runner only, and gets no traffic). With steps,
a new revision is rolled out next to the stable one
(`progressive.advance`) and becomes stable when promoted. A revision an incident holds out of
traffic gets no rollout: it waits at zero (or runs for its mirror, in shadow), and an incident's
rollback names the revision that serves instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..api.spec import AgentDeploymentSpec
from ..api.status import AgentDeploymentStatus
from ..api.vocabulary import EventType, NoticeKind, Reason
from .decisions import Event, Notice, Observation
from .evaluation_gate import GatePhase
from .history import RevisionPhase
from .incident_response import IncidentPhase
from .progressive import Look, RolloutPhase, advance


@dataclass(frozen=True, kw_only=True)
class ServingPhase:
    """Who serves, who rolls out, and how big each Deployment is."""

    stable: str | None  # the revision serving live traffic (None: none is available yet)
    rollout: RolloutPhase | None  # the rollout as it stands after this look (None: no rollout ran)
    in_rollout: bool  # a rollout is still in progress (not promoted in this look)
    held: bool  # the latest revision is held out of live traffic by an incident
    shadow_percent: int | None  # held in shadow: the percent of traffic mirrored to it
    latest_replicas: int  # size of the latest revision's Deployment
    stable_replicas: int  # size of the stable revision's Deployment (when it is another one)
    events: tuple[Event, ...]  # the rollout's Events, and a revision starting to serve
    notices: tuple[Notice, ...]  # what rollout receivers hear
    handled_annotations: tuple[str, ...]  # rollout annotations acted on


def serve(
    spec: AgentDeploymentSpec,
    status: AgentDeploymentStatus,
    observation: Observation,
    revision: RevisionPhase,
    incidents: IncidentPhase,
    routed: bool,
    now: str,
    gate: GatePhase,
) -> ServingPhase:
    latest, hold = revision.latest, incidents.hold
    stable = incidents.rollback_to or (status.stable_revision.hash if status.stable_revision else None)
    held = hold is not None and hold.revision == latest
    shadow_percent = hold.mirror_percent if held and hold is not None else None
    gated = not gate.open and latest != stable  # under evaluation, or failed it: no traffic at all
    rollout = (
        None if held or gated else _rollout(spec, status, observation, latest, stable, incidents, routed, now, gate)
    )
    latest_replicas = (spec.replicas if shadow_percent is not None else 0) if held else spec.replicas
    if gated and gate.failed is not None:
        latest_replicas = 0  # it will never serve: its Pods go, its Deployment stays for the history
    events: list[Event] = []
    if rollout is not None:
        latest_replicas = rollout.canary_replicas
        if not rollout.in_progress:
            stable = latest
            message = f"revision {revision.number} ({latest}) now serves all traffic"
            events.append(Event(EventType.NORMAL, Reason.REVISION_AVAILABLE, message))
    elif not held and not gated and stable != latest and _available(observation, latest, spec.replicas):
        stable = latest
        message = f"revision {revision.number} ({latest}) is available and now serves traffic"
        events.append(Event(EventType.NORMAL, Reason.REVISION_AVAILABLE, message))
    return ServingPhase(
        stable=stable,
        rollout=rollout,
        in_rollout=rollout is not None and rollout.in_progress,
        held=held,
        shadow_percent=shadow_percent,
        latest_replicas=latest_replicas,
        stable_replicas=rollout.stable_replicas if rollout is not None else spec.replicas,
        events=(*(rollout.events if rollout else ()), *events),
        notices=_rollout_notices(rollout, latest),
        handled_annotations=rollout.handled_annotations if rollout else (),
    )


def _rollout(
    spec: AgentDeploymentSpec,
    status: AgentDeploymentStatus,
    observation: Observation,
    latest: str,
    stable: str | None,
    incidents: IncidentPhase,
    routed: bool,
    now: str,
    gate: GatePhase,
) -> RolloutPhase | None:
    """One look at the rollout, when the spec has steps and a stable revision runs next to the latest."""
    rollout_spec = spec.rollout if spec.rollout and spec.rollout.steps else None
    if rollout_spec is None or stable is None or stable == latest or stable not in observation.workloads:
        return None
    look = Look(
        rollout_spec=rollout_spec,
        rollout=status.rollout,
        latest=latest,
        stable=stable,
        replicas=spec.replicas,
        routed=routed,
        canary=observation.workloads.get(latest),
        annotations=observation.annotations,
        analysis=observation.analysis,
        interruption=incidents.interruption,
        now=now,
        step_evaluation=gate.step_verdict,
    )
    return advance(look)


def _available(observation: Observation, revision: str, replicas: int) -> bool:
    workload = observation.workloads.get(revision)
    return workload is not None and workload.available and workload.replicas == replicas


def _rollout_notices(rollout: RolloutPhase | None, latest: str) -> tuple[Notice, ...]:
    """Rollout events receivers with `on: [Rollouts]` hear about: promotion, pauses, aborts."""
    if rollout is None:
        return ()
    notices = []
    for event in rollout.events:
        if event.reason == Reason.PROMOTED:
            notices.append(Notice(event.reason, latest, "info", event.message, kind=NoticeKind.ROLLOUTS))
        elif event.type == EventType.WARNING and event.reason != Reason.PROMOTE_IGNORED:  # answers whoever promoted
            severity = "error" if rollout.rollout.aborted_at else "warning"
            notices.append(Notice(event.reason, latest, severity, event.message, kind=NoticeKind.ROLLOUTS))
    return tuple(notices)
