"""The agent's child objects as they should be, as actions for what differs. Pure.

Every revision gets its bundle ConfigMap and Deployment; the serving revision's Deployment runs
at its size (re-created from its bundle when a rollback needs one that was deleted); old revisions
scale to zero and stay for history, and revisions beyond `revisionHistoryLimit` are deleted. The
agent's Service (and, with a router, its stable and canary Services), the AgentIncidents and the
controls ConfigMap follow. Only differences produce actions, so a steady agent yields none.
"""

from __future__ import annotations

from typing import Any

from ..api.spec import AgentDeploymentSpec
from ..api.status import AgentDeploymentStatus, HistoryEntry
from . import manifests
from .decisions import Action, Apply, Delete, Observation, RecordIncident, Scale
from .evaluation_gate import GatePhase
from .evaluation_objects import evaluation_service, run_objects, runner_access
from .history import RevisionPhase
from .incident_records import incident_object
from .incident_response import IncidentPhase
from .serving import ServingPhase
from .traffic import canary_service_name, stable_service_name

JsonDict = dict[str, Any]


def revision_objects(observation: Observation, revision: RevisionPhase, serving: ServingPhase) -> list[Action]:
    """The latest revision's bundle and Deployment, and the stable revision's Deployment."""
    identity, latest = observation.identity, revision.latest
    actions: list[Action] = []
    if latest not in observation.bundles:
        actions.append(Apply(manifests.bundle_config_map(identity, latest, revision.content)))
    deployment = manifests.revision_deployment(identity, latest, revision.content, serving.latest_replicas)
    workload = observation.workloads.get(latest)
    if workload is None or workload.desired_hash != manifests.desired_hash(deployment):
        actions.append(Apply(deployment))
    stable = serving.stable
    if stable is not None and stable != latest:
        actions += _stable_workload(observation, stable, serving.stable_replicas)
    return actions


def _stable_workload(observation: Observation, stable: str, replicas: int) -> list[Action]:
    identity = observation.identity
    old = observation.workloads.get(stable)
    if old is not None:
        return [Scale(identity.revision_name(stable), replicas)] if old.replicas != replicas else []
    bundle_content = manifests.stored_bundle(observation.bundle_texts.get(stable))
    if bundle_content is None:
        return []
    return [Apply(manifests.revision_deployment(identity, stable, bundle_content, replicas))]


def services(observation: Observation, revision: RevisionPhase, serving: ServingPhase, routed: bool) -> list[Action]:
    """The agent's Service selects the stable revision (both arms during a replica-ratio rollout);
    with a router, the stable and canary Services select one arm each."""
    identity, stable, latest, content = observation.identity, serving.stable, revision.latest, revision.content
    if stable is None:
        return []
    second_arm = serving.in_rollout or serving.shadow_percent is not None
    # Ports come from the current spec: a rollout that changes ports is not supported.
    stable_bundle = content if stable == latest else None
    wanted = [manifests.service(identity, None if second_arm and not routed else stable, stable_bundle or content)]
    if routed:
        wanted.append(manifests.service(identity, stable, content, stable_service_name(identity)))
        canary = latest if second_arm else stable
        wanted.append(manifests.service(identity, canary, content, canary_service_name(identity)))
    current = observation.services
    return [Apply(s) for s in wanted if current.get(s["metadata"]["name"]) != manifests.desired_hash(s)]


def pruned(
    observation: Observation, history: list[HistoryEntry], keep: set[str], revision: RevisionPhase, stable: str | None
) -> list[Action]:
    """Old revisions at zero; those beyond the history limit deleted."""
    identity, serving = observation.identity, {revision.latest, stable}
    actions: list[Action] = []
    for hash_, old in sorted(observation.workloads.items()):
        if hash_ in serving:
            continue
        if hash_ not in keep:
            actions.append(Delete("Deployment", identity.revision_name(hash_)))
        elif old.replicas != 0:
            actions.append(Scale(identity.revision_name(hash_), 0))
    for hash_ in sorted(observation.bundles):
        if hash_ not in keep and hash_ not in serving:
            actions.append(Delete("ConfigMap", identity.revision_name(hash_)))
    return actions


def incident_objects(status: AgentDeploymentStatus, observation: Observation, incidents: IncidentPhase) -> list[Action]:
    """AgentIncidents that changed, and the controls ConfigMap when its content differs. An agent
    that never had a control has none (its Pods mount it as optional, and the kubelet projects it
    when it appears, as it projects any later change): one object and one write fewer per agent."""
    identity = observation.identity
    before = {(i.type, i.revision): i for i in status.incidents}
    actions: list[Action] = [
        RecordIncident(incident_object(identity, record))
        for record in incidents.incidents
        if before.get((record.type, record.revision)) != record
    ]
    controls = manifests.controls_config_map(identity, {rev: c.wire() for rev, c in sorted(incidents.controls.items())})
    never_needed = observation.controls_hash is None and not incidents.controls
    if not never_needed and observation.controls_hash != manifests.desired_hash(controls):
        actions.append(Apply(controls))
    return actions


def evaluation_actions(
    spec: AgentDeploymentSpec, observation: Observation, revision: RevisionPhase, gate: GatePhase
) -> list[Action]:
    """While the latest revision is evaluated: its evaluation Service, and for runs starting now the
    runner's access (a Role naming exactly the runs in flight) and each run's AgentEvaluation and Job."""
    if spec.evaluation is None or (gate.open and not gate.started):
        return []
    identity = observation.identity
    actions: list[Action] = []
    wanted = evaluation_service(identity, revision.latest, revision.content)
    if observation.services.get(wanted["metadata"]["name"]) != manifests.desired_hash(wanted):
        actions.append(Apply(wanted))
    if gate.started:
        actions += [Apply(m) for m in runner_access(identity, spec.evaluation, sorted(gate.running))]
        for run in gate.started:
            actions += [Apply(m) for m in run_objects(identity, spec.evaluation, run, revision.content)]
    return actions
