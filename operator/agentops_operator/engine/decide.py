"""The direct rollout: the pure heart of the reconcile. `decide(spec, status, observation, now)`.

A new revision gets its bundle ConfigMap and Deployment; once that Deployment is available the
Service moves to it, older revisions scale to zero and stay for history, and revisions beyond
`revisionHistoryLimit` are deleted. Only differences produce actions, so a steady agent yields
none. A spec the schema could not reject (a missing prompt ConfigMap) produces no actions at all
and a Ready=False condition naming the field. Progressive steps come in a later issue.
"""

from __future__ import annotations

from ..api import conditions as c
from ..api.spec import AgentDeploymentSpec
from ..api.status import AgentDeploymentStatus, Condition, HistoryEntry, RevisionRef
from . import manifests
from .conditions import set_condition
from .decisions import Action, Apply, Decision, Delete, Event, Observation, Scale
from .revisions import bundle, revision_hash


def invalid(
    status: AgentDeploymentStatus, generation: int, field: str, message: str, reason: str, now: str
) -> Decision:
    """Ready=False and Degraded=True naming the field; no child is touched."""
    text = f"{field}: {message}"
    conditions = set_condition(status.conditions, c.READY, "False", reason, text, now, generation)
    conditions = set_condition(conditions, c.DEGRADED, "True", reason, text, now, generation)
    new_status = status.model_copy(update={"observed_generation": generation, "conditions": conditions})
    events = (Event("Warning", reason, text),) if new_status != status else ()
    return Decision(actions=(), status=new_status, events=events)


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

    config_map = manifests.bundle_config_map(identity, latest, content)
    if latest not in observation.bundles:
        actions.append(Apply(config_map))
    deployment = manifests.revision_deployment(identity, latest, content, spec.replicas)
    workload = observation.workloads.get(latest)
    if workload is None or workload.desired_hash != manifests.desired_hash(deployment):
        actions.append(Apply(deployment))

    latest_ready = workload is not None and workload.available and workload.replicas == spec.replicas
    stable_hash = status.stable_revision.hash if status.stable_revision else None
    if latest_ready:
        if stable_hash != latest:
            events.append(
                Event(
                    "Normal",
                    c.REVISION_AVAILABLE,
                    f"revision {latest_entry.number} ({latest}) is available and now serves traffic",
                )
            )
        stable_hash = latest
    if stable_hash == latest:
        desired_service = manifests.service(identity, latest, content)
        if observation.service_hash != manifests.desired_hash(desired_service):
            actions.append(Apply(desired_service))

    history = [_with_outcome(e, latest, stable_hash) for e in history]
    keep = _kept_revisions(history, spec.revision_history_limit, latest, stable_hash)
    for revision, old in sorted(observation.workloads.items()):
        if revision in (latest, stable_hash):
            continue
        if revision not in keep:
            actions.append(Delete("Deployment", old_name(identity, revision)))
        elif old.replicas != 0 and (stable_hash == latest or stable_hash is None):
            actions.append(Scale(old_name(identity, revision), 0))
    for revision in sorted(observation.bundles):
        if revision not in keep and revision not in (latest, stable_hash):
            actions.append(Delete("ConfigMap", old_name(identity, revision)))
    history = [e for e in history if e.hash in keep or e.hash in (latest, stable_hash)]

    new_status = _status(status, spec, observation, history, latest, stable_hash, now)
    return Decision(actions=tuple(actions), status=new_status, events=tuple(events))


def old_name(identity: manifests.Identity, revision: str) -> str:
    return identity.revision_name(revision)


def _record(history: list[HistoryEntry], latest: str, now: str) -> tuple[list[HistoryEntry], HistoryEntry, list[Event]]:
    """Give a new revision the next number; a revision seen before keeps its entry."""
    existing = next((e for e in history if e.hash == latest), None)
    if existing is not None:
        return list(history), existing, []
    number = max((e.number for e in history), default=0) + 1
    entry = HistoryEntry(number=number, hash=latest, created=now, outcome="Progressing")
    return [*history, entry], entry, [Event("Normal", "RevisionCreated", f"created revision {number} ({latest})")]


def _with_outcome(entry: HistoryEntry, latest: str, stable: str | None) -> HistoryEntry:
    if entry.hash == stable:
        outcome = "Stable"
    elif entry.hash == latest:
        outcome = "Progressing"
    else:
        outcome = "Superseded"
    return entry if entry.outcome == outcome else entry.model_copy(update={"outcome": outcome})


def _kept_revisions(history: list[HistoryEntry], limit: int, latest: str, stable: str | None) -> set[str]:
    older = [e for e in sorted(history, key=lambda e: e.number, reverse=True) if e.hash not in (latest, stable)]
    return {latest, *([stable] if stable else []), *(e.hash for e in older[:limit])}


def _ref(identity: manifests.Identity, history: list[HistoryEntry], revision: str) -> RevisionRef:
    number = next(e.number for e in history if e.hash == revision)
    return RevisionRef(number=number, hash=revision, name=identity.revision_name(revision))


def _status(
    status: AgentDeploymentStatus,
    spec: AgentDeploymentSpec,
    observation: Observation,
    history: list[HistoryEntry],
    latest: str,
    stable: str | None,
    now: str,
) -> AgentDeploymentStatus:
    identity, generation = observation.identity, observation.generation
    latest_ref = _ref(identity, history, latest)
    stable_ref = _ref(identity, history, stable) if stable else None
    latest_workload = observation.workloads.get(latest)
    available = latest_workload.available_replicas if latest_workload else 0
    progress = f"{available}/{spec.replicas} replicas available"
    conditions: list[Condition] = list(status.conditions)
    if stable_ref is not None:
        serving = observation.workloads.get(stable_ref.hash)
        ready_replicas = serving.available_replicas if serving else 0
        conditions = set_condition(
            conditions,
            c.READY,
            "True",
            c.REVISION_AVAILABLE,
            f"revision {stable_ref.number} ({stable_ref.hash}) serves traffic with {ready_replicas} available replicas",
            now,
            generation,
        )
    else:
        conditions = set_condition(
            conditions,
            c.READY,
            "False",
            c.AWAITING_FIRST_REVISION,
            f"waiting for Deployment {latest_ref.name} to become available ({progress})",
            now,
            generation,
        )
    if stable == latest:
        conditions = set_condition(
            conditions,
            c.PROGRESSING,
            "False",
            c.ROLLOUT_COMPLETE,
            f"revision {latest_ref.number} ({latest}) is rolled out",
            now,
            generation,
        )
    else:
        conditions = set_condition(
            conditions,
            c.PROGRESSING,
            "True",
            c.REVISION_PROGRESSING,
            f"rolling out revision {latest_ref.number} ({latest}): {progress}",
            now,
            generation,
        )
    conditions = set_condition(conditions, c.DEGRADED, "False", c.AS_EXPECTED, "no problems detected", now, generation)
    return status.model_copy(
        update={
            "observed_generation": generation,
            "conditions": conditions,
            "latest_revision": latest_ref,
            "stable_revision": stable_ref,
            "history": history,
        }
    )
