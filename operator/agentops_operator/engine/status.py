"""The AgentDeployment status, composed once from the phases' records. Pure.

Conditions follow the API conventions (lastTransitionTime moves only when a condition's status
does, judged against the status as read) and say what to do: Ready (a revision serves traffic),
Progressing (a revision is on its way), Paused (a rollout is held, and why), Degraded (an abort
with the failing checks, or an incident holding a revision out of traffic). `summary` is one word
for the printer column.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..api.status import AgentDeploymentStatus, ConditionStatus, HistoryEntry, Hold, RevisionRef
from ..api.vocabulary import ConditionType, Reason, Summary
from .conditions import set_condition
from .decisions import Observation
from .evaluation_gate import GatePhase
from .history import RevisionPhase
from .incident_response import IncidentPhase
from .serving import ServingPhase


@dataclass(frozen=True, kw_only=True)
class Wanted:
    """One condition as this decision wants it."""

    status: ConditionStatus
    reason: str
    message: str


def compose_status(
    before: AgentDeploymentStatus,
    observation: Observation,
    revision: RevisionPhase,
    history: list[HistoryEntry],
    serving: ServingPhase,
    incidents: IncidentPhase,
    replicas: int,
    now: str,
    *,
    handled: dict[str, str],
    gate: GatePhase,
) -> AgentDeploymentStatus:
    identity = observation.identity
    refs = {e.hash: RevisionRef(number=e.number, hash=e.hash, name=identity.revision_name(e.hash)) for e in history}
    stable_ref = refs[serving.stable] if serving.stable else None
    has_paused = any(c.type == ConditionType.PAUSED for c in before.conditions)
    wanted, summary = _progress(observation, revision, serving, replicas, has_paused)
    wanted[ConditionType.READY] = _ready(observation, revision, stable_ref, replicas)
    if not gate.open and serving.stable != revision.latest:
        gated, summary = _gated(gate, revision)
        wanted.update(gated)
        if stable_ref is None:  # the first revision: nothing serves until it passes
            wanted[ConditionType.READY] = Wanted(
                status="False", reason=gated[ConditionType.PROGRESSING].reason, message="no revision serves yet"
            )
    if incidents.hold is not None:
        wanted.update(_held(incidents.hold))
        summary = Summary.DEGRADED
    elif stable_ref is None:
        summary = Summary.PROGRESSING
    conditions = list(before.conditions)
    for kind in (ConditionType.READY, ConditionType.PROGRESSING, ConditionType.DEGRADED, ConditionType.PAUSED):
        if (want := wanted.get(kind)) is not None:
            conditions = set_condition(
                conditions, kind, want.status, want.reason, want.message, now, observation.generation
            )
    rollout = serving.rollout.rollout if serving.in_rollout and serving.rollout else None
    return before.model_copy(
        update={
            "observed_generation": observation.generation,
            "conditions": conditions,
            "latest_revision": refs[revision.latest],
            "stable_revision": stable_ref,
            "canary_revision": refs[revision.latest] if rollout is not None else None,
            "rollout": rollout,
            "history": history,
            "summary": summary,
            "incidents": incidents.incidents,
            "breaches": incidents.breaches,
            "baselines": incidents.baselines,
            "controls": incidents.controls,
            "hold": incidents.hold,
            "handled_actions": handled,
            "evaluation": gate.runs,
        }
    )


def _ready(observation: Observation, revision: RevisionPhase, stable: RevisionRef | None, replicas: int) -> Wanted:
    if stable is not None:
        serving = observation.workloads.get(stable.hash)
        available = serving.available_replicas if serving else 0
        message = f"revision {stable.number} ({stable.hash}) serves traffic with {available} available replicas"
        return Wanted(status="True", reason=Reason.REVISION_AVAILABLE, message=message)
    name = observation.identity.revision_name(revision.latest)
    message = f"waiting for Deployment {name} to become available ({_replicas_text(observation, revision, replicas)})"
    return Wanted(status="False", reason=Reason.AWAITING_FIRST_REVISION, message=message)


def _replicas_text(observation: Observation, revision: RevisionPhase, replicas: int) -> str:
    workload = observation.workloads.get(revision.latest)
    return f"{workload.available_replicas if workload else 0}/{replicas} replicas available"


def _progress(
    observation: Observation, revision: RevisionPhase, serving: ServingPhase, replicas: int, has_paused: bool
) -> tuple[dict[ConditionType, Wanted], str]:
    """Progressing, Degraded and Paused as the rollout (or its absence) has them, and the summary."""
    latest = f"revision {revision.number} ({revision.latest})"
    healthy = Wanted(status="False", reason=Reason.AS_EXPECTED, message="no problems detected")
    not_paused = Wanted(status="False", reason=Reason.AS_EXPECTED, message="not paused")
    phase = serving.rollout if serving.in_rollout else None
    if phase is None:
        paused = {ConditionType.PAUSED: not_paused} if has_paused else {}
        if serving.stable == revision.latest:
            done = Wanted(status="False", reason=Reason.ROLLOUT_COMPLETE, message=f"{latest} is rolled out")
            return {ConditionType.PROGRESSING: done, ConditionType.DEGRADED: healthy, **paused}, Summary.HEALTHY
        text = f"rolling out {latest}: {_replicas_text(observation, revision, replicas)}"
        going = Wanted(status="True", reason=Reason.REVISION_PROGRESSING, message=text)
        return {ConditionType.PROGRESSING: going, ConditionType.DEGRADED: healthy, **paused}, Summary.PROGRESSING
    rollout = phase.rollout
    if rollout.aborted_at:
        reason = rollout.abort_reason or Reason.ROLLOUT_ABORTED
        back = f"rollout of {latest} aborted; traffic is back on the stable revision"
        fix = f"{phase.message}; apply a fixed spec, or annotate agentops.dev/retry to try again"
        return {
            ConditionType.PROGRESSING: Wanted(status="False", reason=reason, message=back),
            ConditionType.DEGRADED: Wanted(status="True", reason=reason, message=fix),
            ConditionType.PAUSED: not_paused,
        }, Summary.DEGRADED
    if rollout.paused:
        step = f"step {rollout.step_index + 1}/{rollout.step_count} ({rollout.step_kind})"
        at = f"rollout of revision {revision.number} is paused at {step}"
        how = f"{phase.message}; annotate agentops.dev/resume or agentops.dev/promote to continue"
        return {
            ConditionType.PROGRESSING: Wanted(status="Unknown", reason=Reason.ROLLOUT_PAUSED, message=at),
            ConditionType.DEGRADED: healthy,
            ConditionType.PAUSED: Wanted(
                status="True", reason=rollout.pause_reason or Reason.ROLLOUT_PAUSED, message=how
            ),
        }, Summary.PAUSED
    going = Wanted(status="True", reason=Reason.ROLLOUT_IN_PROGRESS, message=f"rolling out {latest}: {phase.message}")
    return {
        ConditionType.PROGRESSING: going,
        ConditionType.DEGRADED: healthy,
        ConditionType.PAUSED: not_paused,
    }, Summary.PROGRESSING


def _held(hold: Hold) -> dict[ConditionType, Wanted]:
    """An incident holds the revision out of live traffic: Degraded says why and what to do."""
    if hold.mirror_percent is not None:
        message = (
            f"{hold.message}; revision {hold.revision} gets {hold.mirror_percent}% of traffic mirrored with tools "
            "dry-run and returns to live traffic when the incident resolves; or apply a fixed spec"
        )
    else:
        message = f"{hold.message}; apply a fixed spec, or annotate agentops.dev/retry to serve it again"
    out = f"revision {hold.revision} is held out of live traffic by an incident"
    return {
        ConditionType.DEGRADED: Wanted(status="True", reason=hold.reason, message=message),
        ConditionType.PROGRESSING: Wanted(status="False", reason=hold.reason, message=out),
    }


def _gated(gate: GatePhase, revision: RevisionPhase) -> tuple[dict[ConditionType, Wanted], str]:
    """The latest revision is under evaluation, or failed it: Progressing, Degraded and Paused say so."""
    latest = f"revision {revision.number} ({revision.latest})"
    healthy = Wanted(status="False", reason=Reason.AS_EXPECTED, message="no problems detected")
    not_paused = Wanted(status="False", reason=Reason.AS_EXPECTED, message="not paused")
    fix = "change the spec (a new revision is evaluated afresh), or fix what the run names"
    if gate.failed is not None:
        run = gate.failed
        said = f"{latest} failed evaluation suite {run.suite}: {run.reason}; it gets no traffic; {fix}"
        return {
            ConditionType.PROGRESSING: Wanted(status="False", reason=Reason.EVALUATION_FAILED, message=said),
            ConditionType.DEGRADED: Wanted(status="True", reason=Reason.EVALUATION_FAILED, message=said),
            ConditionType.PAUSED: not_paused,
        }, Summary.DEGRADED
    if gate.exhausted is not None:
        run = gate.exhausted
        said = f"evaluation suite {run.suite} of {latest} was Inconclusive {run.attempt} times: {run.reason}; {fix}"
        return {
            ConditionType.PROGRESSING: Wanted(status="Unknown", reason=Reason.EVALUATION_INCONCLUSIVE, message=said),
            ConditionType.DEGRADED: healthy,
            ConditionType.PAUSED: Wanted(status="True", reason=Reason.EVALUATION_INCONCLUSIVE, message=said),
        }, Summary.PAUSED
    waiting = [r for r in gate.runs if r.verdict is None]
    doing = ", ".join(f"{r.suite} (run {r.attempt}, AgentEvaluation {r.run})" for r in waiting)
    said = f"evaluating {latest} before it gets traffic: " + (doing or "waiting for its Pods to become available")
    return {
        ConditionType.PROGRESSING: Wanted(status="True", reason=Reason.EVALUATING, message=said),
        ConditionType.DEGRADED: healthy,
        ConditionType.PAUSED: not_paused,
    }, Summary.PROGRESSING
