"""The heart of the reconcile: `decide(spec, status, observation, now) -> Decision`. Pure.

Every revision gets its bundle ConfigMap and Deployment. The first revision, and every new
revision when `spec.rollout` has no steps, goes live directly: once available the Service
switches to it. With steps, a new revision is rolled out next to the stable one by
`progressive.advance` (traffic weights, mirrors, analysis, abort, promote). Either way, old
revisions scale to zero and stay for history, and revisions beyond `revisionHistoryLimit` are
deleted. Only differences produce actions, so a steady agent yields none. A spec the schema
could not reject (a missing prompt ConfigMap) produces no actions and Ready=False naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..api import conditions as c
from ..api.spec import AgentDeploymentSpec
from ..api.status import AgentDeploymentStatus, Breach, Controls, HistoryEntry, Hold, Incident
from . import annotations as manual
from . import manifests
from .conditions import set_condition
from .decisions import (
    Action,
    Apply,
    Decision,
    Delete,
    Event,
    Notice,
    Observation,
    RecordIncident,
    RemoveAnnotations,
    Scale,
    SetTraffic,
)
from .incident_records import incident_object
from .incidents import mitigations, monitor
from .progressive import Look, Progress, advance
from .revisions import bundle, revision_hash
from .status import compose_status

JsonDict = dict[str, Any]


def invalid(
    status: AgentDeploymentStatus, generation: int, field: str, message: str, reason: str, now: str
) -> Decision:
    """Ready=False and Degraded=True naming the field; no child is touched."""
    text = f"{field}: {message}"
    conditions = set_condition(status.conditions, c.READY, "False", reason, text, now, generation)
    conditions = set_condition(conditions, c.DEGRADED, "True", reason, text, now, generation)
    new_status = status.model_copy(
        update={"observed_generation": generation, "conditions": conditions, "summary": "Invalid"}
    )
    events = (Event("Warning", reason, text),) if new_status != status else ()
    return Decision(actions=(), status=new_status, events=events)


def stable_service_name(identity: manifests.Identity) -> str:
    return f"{identity.name}-stable"


def canary_service_name(identity: manifests.Identity) -> str:
    return f"{identity.name}-canary"


def decide(spec: AgentDeploymentSpec, status: AgentDeploymentStatus, observation: Observation, now: str) -> Decision:
    generation = observation.generation
    if observation.prompt_error is not None or observation.prompt_text is None:
        field, message = observation.prompt_error or ("spec.prompt", "no prompt text")
        return invalid(status, generation, field, message, c.PROMPT_NOT_FOUND, now)
    identity = observation.identity
    content = bundle(spec, observation.prompt_text)
    latest = revision_hash(content)
    history, latest_entry, events = _record(status.history, latest, now)
    actions: list[Action] = []
    if latest not in observation.bundles:
        actions.append(Apply(manifests.bundle_config_map(identity, latest, content)))

    stable = status.stable_revision.hash if status.stable_revision else None
    rollout_spec = spec.rollout if spec.rollout and spec.rollout.steps else None
    routing = spec.rollout.traffic_routing if spec.rollout else None
    routed = routing is not None and (routing.gateway_api is not None or routing.istio is not None)
    incident = _incidents(spec, status, observation, stable, latest, now)
    events += incident.events
    hold = incident.hold
    if incident.rollback_to is not None:
        stable = incident.rollback_to
        old = observation.workloads.get(stable)
        if old is not None and old.replicas != spec.replicas:
            actions.append(Scale(identity.revision_name(stable), spec.replicas))
    handled = ((manual.RETRY,) if incident.retried else ()) + ((manual.RESOLVE,) if incident.resolved_by_hand else ())
    if handled:
        actions.append(RemoveAnnotations(handled))
    progress: Progress | None = None
    stable_replicas = spec.replicas
    canary_replicas = spec.replicas
    held = hold is not None and hold.revision == latest
    if held:
        canary_replicas = 0  # taken out of traffic by an incident: only a new spec or a retry brings it back
    elif rollout_spec is not None and stable is not None and stable != latest and stable in observation.workloads:
        progress = advance(
            Look(
                rollout_spec,
                status.rollout,
                latest,
                spec.replicas,
                routed,
                observation.workloads.get(latest),
                observation.annotations,
                observation.measurements,
                now,
                incident.abort_canary,
            )
        )
        events += progress.events
        canary_replicas = 0 if progress.scale_canary_down else progress.canary_replicas
        if progress.promote:
            canary_replicas = spec.replicas
        elif not routed:
            stable_replicas = max(spec.replicas - (0 if progress.rollout.aborted_at else canary_replicas), 0)
        if progress.handled_annotations:
            actions.append(RemoveAnnotations(tuple(progress.handled_annotations)))

    deployment = manifests.revision_deployment(identity, latest, content, canary_replicas)
    workload = observation.workloads.get(latest)
    if workload is None or workload.desired_hash != manifests.desired_hash(deployment):
        actions.append(Apply(deployment))

    if progress is not None:
        if progress.promote:
            stable = latest
            events.append(
                Event(
                    "Normal", c.REVISION_AVAILABLE, f"revision {latest_entry.number} ({latest}) now serves all traffic"
                )
            )
    elif (
        not held
        and workload is not None
        and workload.available
        and workload.replicas == spec.replicas
        and stable != latest
    ):
        events.append(
            Event(
                "Normal",
                c.REVISION_AVAILABLE,
                f"revision {latest_entry.number} ({latest}) is available and now serves traffic",
            )
        )
        stable = latest
    in_rollout = progress is not None and not progress.promote

    stable_bundle = content if stable == latest else None
    actions += _services(spec, identity, observation, stable, latest, in_rollout, routed, content, stable_bundle)
    if stable is not None and stable != latest and in_rollout:
        old = observation.workloads.get(stable)
        if old is not None and old.replicas != stable_replicas:
            actions.append(Scale(identity.revision_name(stable), stable_replicas))
    if routed and routing is not None and stable is not None:
        weight = progress.weight if in_rollout and progress else 0
        mirror = progress.mirror_percent if in_rollout and progress else 0
        affinity = spec.rollout.session_affinity if spec.rollout else None
        if routing.gateway_api is not None:
            router, route, rule = "gatewayAPI", routing.gateway_api.http_route_name, routing.gateway_api.rule_name
        else:
            assert routing.istio is not None
            router, route, rule = "istio", routing.istio.virtual_service_name, routing.istio.route_name
        actions.append(
            SetTraffic(
                router,
                route,
                rule,
                stable_service_name(identity),
                canary_service_name(identity),
                spec.runtime.port,
                weight,
                mirror,
                affinity.header if affinity else None,
                affinity.cookie if affinity else None,
            )
        )

    history = [_with_outcome(e, latest, stable, progress) for e in history]
    keep = _kept_revisions(history, spec.revision_history_limit, latest, stable)
    for revision, old in sorted(observation.workloads.items()):
        if revision in (latest, stable):
            continue
        if revision not in keep:
            actions.append(Delete("Deployment", identity.revision_name(revision)))
        elif old.replicas != 0:
            actions.append(Scale(identity.revision_name(revision), 0))
    for revision in sorted(observation.bundles):
        if revision not in keep and revision not in (latest, stable):
            actions.append(Delete("ConfigMap", identity.revision_name(revision)))
    history = [e for e in history if e.hash in keep or e.hash in (latest, stable)]

    before = {(i.type, i.revision): i for i in status.incidents}
    for record in incident.incidents:
        if before.get((record.type, record.revision)) != record:
            actions.append(RecordIncident(incident_object(identity, record)))
    controls = manifests.controls_config_map(identity, {rev: c.wire() for rev, c in sorted(incident.controls.items())})
    if observation.controls_hash != manifests.desired_hash(controls):
        actions.append(Apply(controls))
    new_status = compose_status(
        status, spec, observation, history, latest, stable, progress if in_rollout else None, now
    )
    new_status = new_status.model_copy(
        update={
            "incidents": incident.incidents,
            "breaches": incident.breaches,
            "baselines": incident.baselines,
            "controls": incident.controls,
            "hold": hold,
        }
    )
    if hold is not None:
        new_status = degraded_by_hold(new_status, hold, now, generation)
    return Decision(
        actions=tuple(actions),
        status=new_status,
        events=tuple(events),
        requeue_after=progress.requeue_after if in_rollout and progress else None,
        notices=tuple(incident.notices),
    )


@dataclass
class IncidentOutcome:
    incidents: list[Incident]
    breaches: list[Breach]
    baselines: dict[str, dict[str, float]]
    controls: dict[str, Controls]
    hold: Hold | None
    rollback_to: str | None = None
    abort_canary: tuple[str, str] | None = None
    retried: bool = False
    resolved_by_hand: bool = False
    events: list[Event] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def _incidents(spec: AgentDeploymentSpec, status: AgentDeploymentStatus, observation: Observation, stable: str | None,
               latest: str, now: str) -> IncidentOutcome:  # fmt: skip
    """Run the runbooks when the runtime measured signals; turn their verdicts into traffic changes."""
    hold = status.hold
    retried = manual.RETRY in observation.annotations and hold is not None
    if hold is not None and (hold.revision != latest or retried):
        hold = None  # the spec moved on, or an operator asked to try again
    outcome = IncidentOutcome(list(status.incidents), list(status.breaches), dict(status.baselines), dict(status.controls),
                              hold, retried=retried)  # fmt: skip
    manual_type = observation.annotations.get(manual.RESOLVE)
    if manual_type is not None:
        outcome.incidents = [
            i.model_copy(update={"resolved_at": now, "healthy_since": now})
            if i.type == manual_type and i.resolved_at is None
            else i
            for i in outcome.incidents
        ]
        outcome.controls, _ = mitigations(spec, outcome.incidents)
        outcome.resolved_by_hand = True
        outcome.events.append(
            Event("Normal", f"{manual_type}Resolved", f"{manual_type} resolved by an operator (annotation)")
        )
    if observation.signals is None or stable is None:
        return outcome
    rollout = status.rollout
    canary = rollout.revision if rollout is not None and not rollout.aborted_at and rollout.revision == latest else None
    previous = _previous(status.history, stable)
    result = monitor(spec, status, observation.signals, stable, canary, previous, now)
    outcome.incidents, outcome.breaches, outcome.baselines = result.incidents, result.breaches, result.baselines
    outcome.controls, outcome.events, outcome.notices = result.controls, result.events, result.notices
    for revision, reason in sorted(result.take_out_of_traffic.items()):
        message = next((i.message for i in result.incidents if i.revision == revision and i.type == reason), reason)
        if revision == canary:
            outcome.abort_canary = (reason, message)
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
            outcome.hold = Hold(revision=revision, reason=reason, message=message, since=now)
            outcome.events.append(Event("Warning", "RolledBack", f"{message}; traffic returned to revision {target}"))
    return outcome


def _previous(history: list[HistoryEntry], revision: str) -> str | None:
    number = next((e.number for e in history if e.hash == revision), None)
    earlier = [e for e in history if number is not None and e.number < number]
    return max(earlier, key=lambda e: e.number).hash if earlier else None


def _rollback_target(
    history: list[HistoryEntry], stable: str, observation: Observation, incidents: list[Incident]
) -> str | None:
    """The newest earlier revision that still has a Deployment and no open incident of its own."""
    number = next((e.number for e in history if e.hash == stable), 0)
    unhealthy = {i.revision for i in incidents if i.resolved_at is None}
    for entry in sorted(history, key=lambda e: e.number, reverse=True):
        if (
            entry.number < number
            and entry.hash in observation.workloads
            and entry.hash not in unhealthy
            and entry.outcome != "Failed"
        ):
            return entry.hash
    return None


def degraded_by_hold(status: AgentDeploymentStatus, hold: Hold, now: str, generation: int) -> AgentDeploymentStatus:
    conditions = set_condition(status.conditions, c.DEGRADED, "True", hold.reason,
                               f"{hold.message}; apply a fixed spec, or annotate agentops.dev/retry to serve it again", now, generation)  # fmt: skip
    return status.model_copy(update={"conditions": conditions, "summary": "Degraded"})


def _services(
    spec: AgentDeploymentSpec,
    identity: manifests.Identity,
    observation: Observation,
    stable: str | None,
    latest: str,
    in_rollout: bool,
    routed: bool,
    content: JsonDict,
    stable_bundle: JsonDict | None,
) -> list[Action]:
    """The agent's Service (and, with a router, its stable and canary Services) as they should be."""
    if stable is None:
        return []
    # Ports come from the current spec: a rollout that changes ports is not supported yet.
    wanted = [manifests.service(identity, None if in_rollout and not routed else stable, stable_bundle or content)]
    if routed:
        wanted.append(manifests.service(identity, stable, content, stable_service_name(identity)))
        wanted.append(
            manifests.service(identity, latest if in_rollout else stable, content, canary_service_name(identity))
        )
    return [Apply(s) for s in wanted if observation.services.get(s["metadata"]["name"]) != manifests.desired_hash(s)]


def _record(history: list[HistoryEntry], latest: str, now: str) -> tuple[list[HistoryEntry], HistoryEntry, list[Event]]:
    """Give a new revision the next number; a revision seen before keeps its entry."""
    existing = next((e for e in history if e.hash == latest), None)
    if existing is not None:
        return list(history), existing, []
    number = max((e.number for e in history), default=0) + 1
    entry = HistoryEntry(number=number, hash=latest, created=now, outcome="Progressing")
    return [*history, entry], entry, [Event("Normal", "RevisionCreated", f"created revision {number} ({latest})")]


def _with_outcome(entry: HistoryEntry, latest: str, stable: str | None, progress: Progress | None) -> HistoryEntry:
    if entry.hash == stable:
        outcome = "Stable"
    elif entry.hash == latest:
        outcome = "Failed" if progress is not None and progress.rollout.aborted_at else "Progressing"
    else:
        outcome = "Superseded" if entry.outcome != "Failed" else "Failed"
    return entry if entry.outcome == outcome else entry.model_copy(update={"outcome": outcome})


def _kept_revisions(history: list[HistoryEntry], limit: int, latest: str, stable: str | None) -> set[str]:
    older = [e for e in sorted(history, key=lambda e: e.number, reverse=True) if e.hash not in (latest, stable)]
    return {latest, *([stable] if stable else []), *(e.hash for e in older[:limit])}
