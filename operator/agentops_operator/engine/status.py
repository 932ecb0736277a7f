"""Builds the AgentDeployment status from a decision: revisions, history, rollout, conditions.

Conditions follow the API conventions (lastTransitionTime moves only with status) and say what
to do: Ready (a revision serves traffic), Progressing (a revision is on its way), Paused (a
rollout is held, and why), Degraded (an abort, with the failing checks and both arms' values).
`summary` is one word for the printer column, derived from the conditions.
"""

from __future__ import annotations

from ..api import conditions as c
from ..api.spec import AgentDeploymentSpec
from ..api.status import AgentDeploymentStatus, Condition, HistoryEntry, RevisionRef
from .conditions import set_condition
from .decisions import Observation
from .manifests import Identity
from .rollout_control import Progress


def _ref(identity: Identity, history: list[HistoryEntry], revision: str) -> RevisionRef:
    number = next(e.number for e in history if e.hash == revision)
    return RevisionRef(number=number, hash=revision, name=identity.revision_name(revision))


def compose_status(
    status: AgentDeploymentStatus,
    spec: AgentDeploymentSpec,
    observation: Observation,
    history: list[HistoryEntry],
    latest: str,
    stable: str | None,
    progress: Progress | None,
    now: str,
) -> AgentDeploymentStatus:
    identity, generation = observation.identity, observation.generation
    latest_ref = _ref(identity, history, latest)
    stable_ref = _ref(identity, history, stable) if stable else None
    latest_workload = observation.workloads.get(latest)
    available = latest_workload.available_replicas if latest_workload else 0
    progress_text = f"{available}/{spec.replicas} replicas available"

    def put(conditions: list[Condition], kind: str, value: str, reason: str, message: str) -> list[Condition]:
        return set_condition(conditions, kind, value, reason, message, now, generation)  # type: ignore[arg-type]

    conditions: list[Condition] = list(status.conditions)
    if stable_ref is not None:
        serving = observation.workloads.get(stable_ref.hash)
        ready_replicas = serving.available_replicas if serving else 0
        conditions = put(
            conditions,
            c.READY,
            "True",
            c.REVISION_AVAILABLE,
            f"revision {stable_ref.number} ({stable_ref.hash}) serves traffic with {ready_replicas} available replicas",
        )
    else:
        conditions = put(
            conditions,
            c.READY,
            "False",
            c.AWAITING_FIRST_REVISION,
            f"waiting for Deployment {latest_ref.name} to become available ({progress_text})",
        )

    rollout = progress.rollout if progress is not None else None
    summary = "Healthy"
    if rollout is not None and rollout.aborted_at:
        conditions = put(
            conditions,
            c.PROGRESSING,
            "False",
            rollout.abort_reason or "RolloutAborted",
            f"rollout of revision {latest_ref.number} ({latest}) aborted; traffic is back on the stable revision",
        )
        conditions = put(
            conditions,
            c.DEGRADED,
            "True",
            rollout.abort_reason or "RolloutAborted",
            f"{progress.message if progress else ''}; apply a fixed spec, or annotate agentops.dev/retry to try again",
        )
        conditions = put(conditions, c.PAUSED, "False", c.AS_EXPECTED, "not paused")
        summary = "Degraded"
    elif rollout is not None:
        step = f"step {rollout.step_index + 1}/{rollout.step_count} ({rollout.step_kind})"
        if rollout.paused:
            conditions = put(
                conditions,
                c.PROGRESSING,
                "Unknown",
                c.ROLLOUT_PAUSED,
                f"rollout of revision {latest_ref.number} is paused at {step}",
            )
            conditions = put(
                conditions,
                c.PAUSED,
                "True",
                rollout.pause_reason or c.ROLLOUT_PAUSED,
                f"{progress.message if progress else ''}; annotate agentops.dev/resume or "
                "agentops.dev/promote to continue",
            )
            summary = "Paused"
        else:
            conditions = put(
                conditions,
                c.PROGRESSING,
                "True",
                c.ROLLOUT_IN_PROGRESS,
                f"rolling out revision {latest_ref.number} ({latest}): {progress.message if progress else step}",
            )
            conditions = put(conditions, c.PAUSED, "False", c.AS_EXPECTED, "not paused")
            summary = "Progressing"
        conditions = put(conditions, c.DEGRADED, "False", c.AS_EXPECTED, "no problems detected")
    else:
        if stable == latest:
            conditions = put(
                conditions,
                c.PROGRESSING,
                "False",
                c.ROLLOUT_COMPLETE,
                f"revision {latest_ref.number} ({latest}) is rolled out",
            )
        else:
            conditions = put(
                conditions,
                c.PROGRESSING,
                "True",
                c.REVISION_PROGRESSING,
                f"rolling out revision {latest_ref.number} ({latest}): {progress_text}",
            )
            summary = "Progressing"
        conditions = put(conditions, c.DEGRADED, "False", c.AS_EXPECTED, "no problems detected")
        if any(cond.type == c.PAUSED for cond in conditions):
            conditions = put(conditions, c.PAUSED, "False", c.AS_EXPECTED, "not paused")
    if stable_ref is None:
        summary = "Progressing"
    return status.model_copy(
        update={
            "observed_generation": generation,
            "conditions": conditions,
            "latest_revision": latest_ref,
            "stable_revision": stable_ref,
            "canary_revision": latest_ref if rollout is not None else None,
            "rollout": rollout,
            "history": history,
            "summary": summary,
        }
    )
