"""Progressive rollout of a new revision next to the stable one: steps, analysis, abort, promote.

Pure: given the rollout's status, what was observed (canary availability, measurements, manual
annotations) and the time, say what the rollout's status becomes and which traffic it wants.
`decide` turns that into actions. Rules: a canary is never promoted on a failing or inconclusive
analysis; `failureLimit` consecutive failures abort; `errorLimit` consecutive metric errors and
`inconclusiveLimit` inconclusive analyses pause; an abort sends all traffic back to stable and
scales the canary down after `ABORT_SCALE_DOWN_SECONDS`; nothing is retried without a new spec
or a retry annotation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..api.rollout import Rollout
from ..api.status import RolloutStatus
from .analysis import Measurement, analyse, failure_message
from .decisions import Event, Workload
from .plan import PlanStep, expand, seconds_between
from .rollout_control import (
    ANALYSIS_FAILED,
    ANALYSIS_INCONCLUSIVE,
    AWAITING_PROMOTION,
    METRICS_UNAVAILABLE,
    PROGRESS_DEADLINE,
    SHADOW_NEEDS_ROUTER,
    SHADOWED_BY_INCIDENT,
    Progress,
    abort,
    after_abort,
    apply_manual_actions,
    pause,
    resume_after_shadow,
    shadowed,
)


def canary_replicas(replicas: int, weight: int, routed: bool) -> int:
    """With a router the canary runs at full size; with replica ratio its share follows the weight."""
    if routed:
        return replicas
    return math.ceil(replicas * weight / 100)


def analysis_due(rollout_spec: Rollout | None, rollout: RolloutStatus | None, now: str) -> bool:
    """Whether the runtime should measure the canary before deciding (pure: no clock read)."""
    if rollout_spec is None or rollout_spec.analysis is None or not rollout_spec.analysis.checks:
        return False
    if (
        rollout is None
        or rollout.aborted_at
        or rollout.paused
        or rollout.skip_analysis
        or rollout.step_started_at is None
    ):
        return False
    since = rollout.last_analysis.time if rollout.last_analysis else rollout.step_started_at
    return seconds_between(since, now) >= rollout_spec.analysis.interval_seconds


def _soonest(*delays: float | None) -> float | None:
    known = [max(d, 0.05) for d in delays if d is not None]
    return min(known) if known else None


@dataclass(frozen=True)
class Look:
    """Everything one look at a rollout needs (all observed or given; nothing read here)."""

    rollout_spec: Rollout
    rollout: RolloutStatus | None
    latest: str
    replicas: int
    routed: bool
    canary: Workload | None
    annotations: dict[str, str]
    measurements: dict[str, Measurement] | None
    now: str
    incident_abort: tuple[str, str] | None = None  # (reason, message) when a runbook takes the canary out
    incident_shadow: tuple[str, str, int] | None = None  # (reason, message, mirror %) when a runbook shadows it


def advance(look: Look) -> Progress:
    """One look at the rollout; the status it returns records the traffic it asks for."""
    plan = expand(look.rollout_spec.steps)
    progress = _advance(plan, look)
    index = min(progress.rollout.step_index, len(plan) - 1)
    progress.rollout = progress.rollout.model_copy(
        update={
            "step_kind": plan[index].kind,
            "step_count": len(plan),
            "weight": progress.weight,
            "shadow_percent": progress.mirror_percent,
        }
    )
    return progress


def _advance(plan: list[PlanStep], look: Look) -> Progress:
    rollout_spec, rollout, latest, now = look.rollout_spec, look.rollout, look.latest, look.now
    replicas, routed, canary = look.replicas, look.routed, look.canary
    if rollout is None or rollout.revision != latest:
        rollout = RolloutStatus(revision=latest, started_at=now, step_count=len(plan), step_kind=plan[0].kind)
    progress = Progress(rollout=rollout, weight=rollout.weight, mirror_percent=rollout.shadow_percent)
    apply_manual_actions(progress, look.annotations, now)
    if look.incident_abort is not None and not progress.rollout.aborted_at:
        progress.promote = False
        return abort(progress, look.incident_abort[0], look.incident_abort[1], now)
    if look.incident_shadow is not None and not progress.rollout.aborted_at:
        progress.promote = False
        return shadowed(progress, look.incident_shadow, replicas)
    if progress.rollout.pause_reason == SHADOWED_BY_INCIDENT:
        resume_after_shadow(progress, now)
    if progress.promote:
        return progress
    ro = progress.rollout
    if ro.aborted_at:
        return after_abort(progress, now)

    desired_canary = canary_replicas(replicas, _step_weight(plan, ro), routed)
    progress.canary_replicas = desired_canary
    available = canary is not None and canary.available and canary.replicas == desired_canary
    if ro.step_started_at is None:
        if not available:
            waited = seconds_between(ro.started_at, now)
            if waited > rollout_spec.progress_deadline_seconds:
                return abort(
                    progress,
                    PROGRESS_DEADLINE,
                    f"revision {latest} did not become available within "
                    f"progressDeadlineSeconds ({rollout_spec.progress_deadline_seconds} s)",
                    now,
                )
            progress.message = (
                f"waiting for the canary Deployment to become available ({_available(canary)}/{desired_canary})"
            )
            progress.requeue_after = rollout_spec.progress_deadline_seconds - waited + 0.5
            return progress
        ro = progress.rollout = ro.model_copy(update={"step_started_at": now, "step_kind": plan[ro.step_index].kind})

    if look.measurements is not None and rollout_spec.analysis is not None:
        aborted = _judge(progress, rollout_spec, look.measurements, now)
        if aborted:
            return progress
    ro = progress.rollout
    step = plan[ro.step_index]
    _set_traffic(progress, plan, step, routed)
    progress.canary_replicas = canary_replicas(replicas, progress.weight, routed)
    ro = progress.rollout
    if ro.paused:
        progress.message = ro.hold_message or f"paused ({ro.pause_reason}) at step {ro.step_index + 1}/{len(plan)}"
        return progress
    analysis_needed = bool(rollout_spec.analysis and rollout_spec.analysis.checks and not ro.skip_analysis)
    elapsed = seconds_between(ro.step_started_at or now, now)
    if step.duration is None:
        progress.rollout = ro.model_copy(update={"paused": True, "pause_reason": AWAITING_PROMOTION})
        progress.message = f"step {ro.step_index + 1}/{len(plan)} waits for a promote"
        return progress
    duration_done = elapsed >= step.duration
    if duration_done and (not analysis_needed or ro.step_passed):
        _next_step(progress, plan, now)
        return progress
    waiting_for = "analysis to pass" if duration_done else f"{step.duration - elapsed:.0f} s more"
    progress.message = f"step {ro.step_index + 1}/{len(plan)} ({_describe(step)}): waiting for {waiting_for}"
    interval = rollout_spec.analysis.interval_seconds if analysis_needed and rollout_spec.analysis else None
    next_analysis = None
    if interval is not None:
        since = ro.last_analysis.time if ro.last_analysis else (ro.step_started_at or now)
        next_analysis = interval - seconds_between(since, now)
    progress.requeue_after = _soonest(None if duration_done else step.duration - elapsed, next_analysis)
    return progress


def _available(canary: Workload | None) -> int:
    return canary.available_replicas if canary else 0


def _describe(step: PlanStep) -> str:
    if step.kind == "canary":
        return f"canary {step.weight}%"
    if step.kind == "shadow":
        return f"shadow {step.percent}%"
    return "pause" if step.duration is None else f"pause {step.duration} s"


def _step_weight(plan: list[PlanStep], ro: RolloutStatus) -> int:
    step = plan[ro.step_index]
    return step.weight if step.kind == "canary" else ro.weight


def _set_traffic(progress: Progress, plan: list[PlanStep], step: PlanStep, routed: bool) -> None:
    ro = progress.rollout
    if step.kind == "canary":
        progress.weight, progress.mirror_percent = step.weight, 0
    elif step.kind == "shadow":
        if not routed:
            if not ro.paused:
                progress.rollout = ro.model_copy(update={"paused": True, "pause_reason": SHADOW_NEEDS_ROUTER})
                progress.events.append(
                    Event(
                        "Warning",
                        SHADOW_NEEDS_ROUTER,
                        "shadow steps need spec.rollout.trafficRouting "
                        "(gatewayAPI or istio) to mirror traffic; promote to skip this step",
                    )
                )
            progress.weight, progress.mirror_percent = 0, 0
        else:
            progress.weight, progress.mirror_percent = 0, step.percent
    else:
        progress.weight, progress.mirror_percent = ro.weight, ro.shadow_percent


def _next_step(progress: Progress, plan: list[PlanStep], now: str) -> None:
    ro = progress.rollout
    index = ro.step_index + 1
    if index >= len(plan):
        progress.promote = True
        progress.events.append(
            Event("Normal", "Promoted", f"revision {ro.revision} passed all {len(plan)} steps and is now stable")
        )
        return
    progress.rollout = ro.model_copy(
        update={
            "step_index": index,
            "step_kind": plan[index].kind,
            "step_started_at": now,
            "step_passed": False,
            "paused": False,
            "pause_reason": None,
            "hold_message": None,
        }
    )
    progress.events.append(Event("Normal", "StepStarted", f"step {index + 1}/{len(plan)}: {_describe(plan[index])}"))
    progress.requeue_after = 0.05


def _judge(progress: Progress, rollout_spec: Rollout, measurements: dict[str, Measurement], now: str) -> bool:
    """Record an analysis; True when it aborted the rollout."""
    analysis = rollout_spec.analysis
    assert analysis is not None
    run = analyse(analysis.checks, measurements, analysis.min_sessions, now)
    ro = progress.rollout
    failures = ro.consecutive_failures + 1 if run.verdict == "Fail" else 0
    errors = ro.consecutive_errors + 1 if run.verdict == "Error" else 0
    inconclusive = ro.consecutive_inconclusive + 1 if run.verdict == "Inconclusive" else 0
    update: dict[str, object] = {
        "last_analysis": run,
        "consecutive_failures": failures,
        "consecutive_errors": errors,
        "consecutive_inconclusive": inconclusive,
        "step_passed": ro.step_passed or run.verdict == "Pass",
    }
    if run.verdict == "Fail":
        update["step_passed"] = False
    progress.rollout = ro.model_copy(update=update)
    if failures >= analysis.failure_limit:
        abort(progress, ANALYSIS_FAILED, f"analysis failed {failures} times in a row: {failure_message(run)}", now)
        return True
    if errors >= analysis.error_limit:
        reasons = "; ".join(f"{c.name}: {c.reason}" for c in run.checks if c.verdict == "Error")
        pause(
            progress,
            METRICS_UNAVAILABLE,
            f"metrics unavailable {errors} times in a row ({reasons}); fix the metrics backend, then resume",
        )
    elif inconclusive >= analysis.inconclusive_limit:
        pause(
            progress,
            ANALYSIS_INCONCLUSIVE,
            f"analysis inconclusive {inconclusive} times in a row (too little "
            "traffic?); resume to keep waiting, or promote or abort",
        )
    return False
