"""Progressive rollout of a new revision next to the stable one: steps, analysis, abort, promote.

Pure: given the rollout's status, what was observed (canary availability, analysis readings, manual
annotations) and the time, say what the rollout's status becomes and which traffic it wants.
Rules: a canary is never promoted on a failing or inconclusive analysis; `failureLimit`
consecutive failures abort; `errorLimit` consecutive metric errors and `inconclusiveLimit`
inconclusive analyses pause; an abort sends all traffic back to stable and scales the canary down
after `ABORT_SCALE_DOWN_SECONDS`; nothing is retried without a new spec or a retry annotation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..api.rollout import Analysis, Rollout
from ..api.status import RolloutStatus
from ..api.vocabulary import EventType, Reason, StepKind
from .analysis import analyse, failure_message
from .clock import seconds_between
from .decisions import Event, Workload
from .measurements import Readings
from .rollout_control import (
    Interruption,
    Progress,
    abort,
    after_abort,
    apply_manual_actions,
    pause,
    resume_after_shadow,
    shadowed,
)
from .steps import PlanStep, expand


@dataclass(frozen=True, kw_only=True)
class Look:
    """Everything one look at a rollout needs (all observed or given; nothing read here)."""

    rollout_spec: Rollout
    rollout: RolloutStatus | None  # as read; None or another revision's: the rollout starts now
    latest: str  # the revision being rolled out
    stable: str  # the revision serving meanwhile
    replicas: int  # spec.replicas
    routed: bool  # a traffic router carries weights and mirrors (else: replica ratio, no shadow)
    canary: Workload | None  # the latest revision's Deployment, as observed
    annotations: dict[str, str]  # the agent's annotations (manual actions)
    analysis: Readings | None  # the checks' readings, when an analysis was measured this time
    interruption: Interruption | None  # a runbook taking the canary out of live traffic
    now: str
    step_evaluation: tuple[str, str] | None = None  # (verdict, why) of this evaluate step's run, once final


@dataclass(frozen=True, kw_only=True)
class RolloutPhase:
    """What the rollout wants after one look."""

    rollout: RolloutStatus  # its status, recording the traffic asked for
    in_progress: bool  # still rolling out (False once promoted)
    weight: int  # percent of live traffic on the canary
    mirror_percent: int  # percent of traffic mirrored to the canary
    canary_replicas: int  # size of the latest revision's Deployment
    stable_replicas: int  # size of the stable revision's Deployment
    message: str  # what the rollout does or waits for, for the conditions
    events: tuple[Event, ...]
    handled_annotations: tuple[str, ...]  # manual-action annotations to take off
    requeue_after: float | None  # seconds until the next timer or analysis is due


def canary_replicas(replicas: int, weight: int, routed: bool) -> int:
    """With a router the canary runs at full size; with replica ratio its share follows the weight."""
    return replicas if routed else math.ceil(replicas * weight / 100)


def advance(look: Look) -> RolloutPhase:
    """One look at the rollout."""
    plan = expand(look.rollout_spec.steps)
    progress = _advance(plan, look)
    index = min(progress.rollout.step_index, len(plan) - 1)
    progress.update(
        step_kind=plan[index].kind,
        step_count=len(plan),
        weight=progress.weight,
        shadow_percent=progress.mirror_percent,
    )
    aborted = bool(progress.rollout.aborted_at)
    canary = look.replicas if progress.promote else _canary_size(progress, look)
    stable = look.replicas
    if not progress.promote and not look.routed:
        stable = max(look.replicas - (0 if aborted else canary), 0)
    return RolloutPhase(
        rollout=progress.rollout,
        in_progress=not progress.promote,
        weight=progress.weight,
        mirror_percent=progress.mirror_percent,
        canary_replicas=canary,
        stable_replicas=stable,
        message=progress.message,
        events=tuple(progress.events),
        handled_annotations=tuple(progress.handled_annotations),
        requeue_after=None if progress.promote else progress.requeue_after,
    )


def _canary_size(progress: Progress, look: Look) -> int:
    """An aborted canary behind a router keeps its size (no traffic, its logs at hand) until
    `ABORT_SCALE_DOWN_SECONDS`; with replica ratio its Pods are its traffic share, so it goes at once."""
    if progress.scale_canary_down:
        return 0
    if progress.rollout.aborted_at:
        return look.canary.replicas if look.routed and look.canary is not None else 0
    return progress.canary_replicas


def _advance(plan: list[PlanStep], look: Look) -> Progress:
    rollout = look.rollout
    if rollout is None or rollout.revision != look.latest:
        rollout = RolloutStatus(revision=look.latest, started_at=look.now, step_count=len(plan), step_kind=plan[0].kind)
    progress = Progress(rollout=rollout, weight=rollout.weight, mirror_percent=rollout.shadow_percent)
    apply_manual_actions(progress, look.annotations, look.now)
    interruption = look.interruption
    if interruption is not None and not progress.rollout.aborted_at:
        progress.promote = False
        if interruption.mirror_percent is None:
            return abort(progress, interruption.reason, interruption.message, look.now)
        return shadowed(progress, interruption, look.replicas)
    if progress.rollout.pause_reason == Reason.SHADOWED_BY_INCIDENT:
        resume_after_shadow(progress, look.now)
    if progress.promote:
        return progress
    if progress.rollout.aborted_at:
        return after_abort(progress, look.now)
    progress.canary_replicas = canary_replicas(look.replicas, _step_weight(plan, progress.rollout), look.routed)
    if progress.rollout.step_started_at is None and not _started(progress, plan, look):
        return progress
    analysis = look.rollout_spec.analysis
    if look.analysis is not None and analysis is not None and _judge(progress, analysis, look, look.now):
        return progress
    _walk(progress, plan, look)
    return progress


def _started(progress: Progress, plan: list[PlanStep], look: Look) -> bool:
    """The first step's clock starts once the canary is available; until then wait, up to the deadline."""
    ro, deadline = progress.rollout, look.rollout_spec.progress_deadline_seconds
    desired, canary = progress.canary_replicas, look.canary
    if canary is not None and canary.available and canary.replicas == desired:
        progress.update(step_started_at=look.now, step_kind=plan[ro.step_index].kind)
        return True
    waited = seconds_between(ro.started_at, look.now)
    if waited > deadline:
        message = f"revision {look.latest} did not become available within progressDeadlineSeconds ({deadline} s)"
        abort(progress, Reason.PROGRESS_DEADLINE_EXCEEDED, message, look.now)
        return False
    available = canary.available_replicas if canary else 0
    progress.message = f"waiting for the canary Deployment to become available ({available}/{desired})"
    progress.requeue_after = deadline - waited + 0.5
    return False


def _walk(progress: Progress, plan: list[PlanStep], look: Look) -> None:
    """Traffic for the current step, and on to the next one when its time is up and analysis passed."""
    step = plan[progress.rollout.step_index]
    _set_traffic(progress, step, look.routed)
    progress.canary_replicas = canary_replicas(look.replicas, progress.weight, look.routed)
    ro, now, analysis = progress.rollout, look.now, look.rollout_spec.analysis
    position = f"{ro.step_index + 1}/{len(plan)}"
    if ro.paused:
        progress.message = ro.hold_message or f"paused ({ro.pause_reason}) at step {position}"
        return
    if step.kind == StepKind.EVALUATE:
        _evaluate(progress, plan, look, f"step {position} (evaluate {step.suite})")
        return
    if step.duration is None:
        progress.update(paused=True, pause_reason=Reason.AWAITING_PROMOTION)
        progress.message = f"step {position} waits for a promote"
        return
    analysed = analysis is not None and bool(analysis.checks) and not ro.skip_analysis
    elapsed = seconds_between(ro.step_started_at or now, now)
    duration_done = elapsed >= step.duration
    if duration_done and (not analysed or ro.step_passed):
        _next_step(progress, plan, now)
        return
    waiting_for = "analysis to pass" if duration_done else f"{step.duration - elapsed:.0f} s more"
    progress.message = f"step {position} ({step.describe()}): waiting for {waiting_for}"
    next_analysis = None
    if analysed and analysis is not None:
        since = ro.last_analysis.time if ro.last_analysis else (ro.step_started_at or now)
        next_analysis = analysis.interval_seconds - seconds_between(since, now)
    progress.requeue_after = _soonest(None if duration_done else step.duration - elapsed, next_analysis)


def _evaluate(progress: Progress, plan: list[PlanStep], look: Look, where: str) -> None:
    """An evaluate step: on when its suite passes, abort when it fails, pause when it stays Inconclusive
    (the run itself is the evaluation gate's, which starts it once this step has begun)."""
    if look.step_evaluation is None:
        progress.message = f"{where}: waiting for the suite's run"
        return
    verdict, why = look.step_evaluation
    if verdict == "Pass":
        _next_step(progress, plan, look.now)
    elif verdict == "Fail":
        abort(progress, Reason.EVALUATION_FAILED, f"{where} failed: {why}", look.now)
    else:
        pause(progress, Reason.EVALUATION_INCONCLUSIVE, f"{where} was inconclusive: {why}; promote or abort")


def _soonest(*delays: float | None) -> float | None:
    known = [max(d, 0.05) for d in delays if d is not None]
    return min(known) if known else None


def _step_weight(plan: list[PlanStep], ro: RolloutStatus) -> int:
    step = plan[ro.step_index]
    return step.weight if step.kind == StepKind.CANARY else ro.weight


def _set_traffic(progress: Progress, step: PlanStep, routed: bool) -> None:
    ro = progress.rollout
    if step.kind == StepKind.CANARY:
        progress.weight, progress.mirror_percent = step.weight, 0
    elif step.kind == StepKind.SHADOW and routed:
        progress.weight, progress.mirror_percent = 0, step.percent
    elif step.kind == StepKind.SHADOW:
        if not ro.paused:
            progress.update(paused=True, pause_reason=Reason.SHADOW_NEEDS_ROUTER)
            message = (
                "shadow steps need spec.rollout.trafficRouting (gatewayAPI or istio) to mirror traffic; "
                "promote to skip this step"
            )
            progress.note(EventType.WARNING, Reason.SHADOW_NEEDS_ROUTER, message)
        progress.weight, progress.mirror_percent = 0, 0
    else:
        progress.weight, progress.mirror_percent = ro.weight, ro.shadow_percent


def _next_step(progress: Progress, plan: list[PlanStep], now: str) -> None:
    ro = progress.rollout
    index = ro.step_index + 1
    if index >= len(plan):
        progress.promote = True
        message = f"revision {ro.revision} passed all {len(plan)} steps and is now stable"
        progress.note(EventType.NORMAL, Reason.PROMOTED, message)
        return
    progress.update(step_index=index, step_kind=plan[index].kind, step_started_at=now, step_passed=False)
    progress.update(paused=False, pause_reason=None, hold_message=None)
    progress.note(EventType.NORMAL, Reason.STEP_STARTED, f"step {index + 1}/{len(plan)}: {plan[index].describe()}")
    progress.requeue_after = 0.05


def _judge(progress: Progress, analysis: Analysis, look: Look, now: str) -> bool:
    """Record an analysis; True when it aborted the rollout."""
    assert look.analysis is not None
    run = analyse(
        analysis.checks, look.analysis, look.latest, look.stable, analysis.min_sessions, now, progress.rollout.weight
    )
    ro = progress.rollout
    failures = ro.consecutive_failures + 1 if run.verdict == "Fail" else 0
    errors = ro.consecutive_errors + 1 if run.verdict == "Error" else 0
    inconclusive = ro.consecutive_inconclusive + 1 if run.verdict == "Inconclusive" else 0
    progress.update(
        last_analysis=run,
        consecutive_failures=failures,
        consecutive_errors=errors,
        consecutive_inconclusive=inconclusive,
        step_passed=(ro.step_passed or run.verdict == "Pass") and run.verdict != "Fail",
    )
    if failures >= analysis.failure_limit:
        message = f"analysis failed {failures} times in a row: {failure_message(run)}"
        abort(progress, Reason.ANALYSIS_FAILED, message, now)
        return True
    if errors >= analysis.error_limit:
        reasons = "; ".join(f"{c.name}: {c.reason}" for c in run.checks if c.verdict == "Error")
        message = f"metrics unavailable {errors} times in a row ({reasons}); fix the metrics backend, then resume"
        pause(progress, Reason.METRICS_UNAVAILABLE, message)
    elif inconclusive >= analysis.inconclusive_limit:
        message = (
            f"analysis inconclusive {inconclusive} times in a row (too little "
            "traffic?); resume to keep waiting, or promote or abort"
        )
        pause(progress, Reason.ANALYSIS_INCONCLUSIVE, message)
    return False
