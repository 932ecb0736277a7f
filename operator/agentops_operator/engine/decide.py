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

from typing import Any

from ..api import conditions as c
from ..api.spec import AgentDeploymentSpec
from ..api.status import AgentDeploymentStatus, HistoryEntry
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
from .incident_response import degraded_by_hold, respond
from .progressive import Look, advance
from .revisions import bundle, revision_hash
from .rollout_control import Progress
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
    incident = respond(spec, status, observation, stable, latest, routed, now)
    events += incident.events
    hold = incident.hold
    if incident.rollback_to is not None:
        stable = incident.rollback_to
    handled = tuple(
        key
        for key, done in (
            (manual.RETRY, incident.retried),
            (manual.RESOLVE, incident.resolved_by_hand),
            (manual.ROLLBACK_TO, incident.rolled_back_by_hand),
        )
        if done
    )
    if handled:
        actions.append(RemoveAnnotations(handled))
    progress: Progress | None = None
    stable_replicas = spec.replicas
    canary_replicas = spec.replicas
    held = hold is not None and hold.revision == latest
    shadowed = held and hold is not None and hold.mirror_percent is not None
    if held:
        # Out of live traffic: in shadow it keeps running for the mirror, else it waits at zero for a new
        # spec or a retry. No rollout runs while it is held.
        canary_replicas = spec.replicas if shadowed else 0
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
                incident.shadow_canary,
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

    if stable is not None and stable != latest:
        actions += _stable_workload(identity, observation, stable, stable_replicas)
    stable_bundle = content if stable == latest else None
    second_arm = in_rollout or shadowed
    actions += _services(spec, identity, observation, stable, latest, second_arm, routed, content, stable_bundle)
    if routed and routing is not None and stable is not None:
        weight = progress.weight if in_rollout and progress else 0
        mirror = progress.mirror_percent if in_rollout and progress else 0
        if shadowed and hold is not None and hold.mirror_percent is not None:
            mirror = hold.mirror_percent
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
        new_status = degraded_by_hold(new_status, hold, now, generation, before=status)
    return Decision(
        actions=tuple(actions),
        status=new_status,
        events=tuple(events),
        requeue_after=progress.requeue_after if in_rollout and progress else None,
        notices=tuple(incident.notices) + _rollout_notices(progress, latest),
    )


def _rollout_notices(progress: Progress | None, latest: str) -> tuple[Notice, ...]:
    """Rollout events receivers with `on: [Rollouts]` hear about: promotion, pauses, aborts."""
    if progress is None:
        return ()
    notices = []
    for event in progress.events:
        if event.reason == "Promoted":
            notices.append(Notice(event.reason, latest, "info", event.message, kind="Rollouts"))
        elif event.type == "Warning" and event.reason != "PromoteIgnored":  # that one answers whoever promoted
            severity = "error" if progress.rollout.aborted_at else "warning"
            notices.append(Notice(event.reason, latest, severity, event.message, kind="Rollouts"))
    return tuple(notices)


def _stable_workload(
    identity: manifests.Identity, observation: Observation, stable: str, replicas: int
) -> list[Action]:
    """The serving revision's Deployment at its size; re-created from its bundle if it was deleted
    (a rollback to a revision whose Deployment is gone)."""
    old = observation.workloads.get(stable)
    if old is not None:
        return [Scale(identity.revision_name(stable), replicas)] if old.replicas != replicas else []
    bundle_content = manifests.stored_bundle(observation.bundle_texts.get(stable))
    if bundle_content is None:
        return []
    return [Apply(manifests.revision_deployment(identity, stable, bundle_content, replicas))]


def _services(
    spec: AgentDeploymentSpec,
    identity: manifests.Identity,
    observation: Observation,
    stable: str | None,
    latest: str,
    latest_in_use: bool,
    routed: bool,
    content: JsonDict,
    stable_bundle: JsonDict | None,
) -> list[Action]:
    """The agent's Service (and, with a router, its stable and canary Services) as they should be."""
    if stable is None:
        return []
    # Ports come from the current spec: a rollout that changes ports is not supported yet.
    wanted = [manifests.service(identity, None if latest_in_use and not routed else stable, stable_bundle or content)]
    if routed:
        wanted.append(manifests.service(identity, stable, content, stable_service_name(identity)))
        wanted.append(
            manifests.service(identity, latest if latest_in_use else stable, content, canary_service_name(identity))
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
