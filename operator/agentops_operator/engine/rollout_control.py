"""What interrupts or overrides the walk through a rollout's steps: abort (and the canary's scale-down
after it), pause, the shadow an incident imposes on a canary, and the manual annotations. Pure.
`progressive` walks the steps; `Progress` is what one look at a rollout wants.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..api.status import RolloutStatus
from . import annotations as manual
from .decisions import Event
from .plan import seconds_between

ABORT_SCALE_DOWN_SECONDS = 30

# Pause reasons
MANUAL_PAUSE = "ManualPause"
METRICS_UNAVAILABLE = "MetricsUnavailable"
ANALYSIS_INCONCLUSIVE = "AnalysisInconclusive"
SHADOW_NEEDS_ROUTER = "ShadowNeedsTrafficRouter"
AWAITING_PROMOTION = "AwaitingPromotion"
SHADOWED_BY_INCIDENT = "ShadowedByIncident"
# Abort reasons
ANALYSIS_FAILED = "AnalysisFailed"
PROGRESS_DEADLINE = "ProgressDeadlineExceeded"
MANUAL_ABORT = "ManualAbort"


@dataclass
class Progress:
    """What the rollout wants after this look."""

    rollout: RolloutStatus
    weight: int = 0
    mirror_percent: int = 0
    canary_replicas: int = 0
    promote: bool = False
    scale_canary_down: bool = False
    message: str = ""
    abort_message: str = ""
    events: list[Event] = field(default_factory=list)
    handled_annotations: list[str] = field(default_factory=list)
    requeue_after: float | None = None


def shadowed(progress: Progress, shadow: tuple[str, str, int], replicas: int) -> Progress:
    """An incident moved the canary to mirrored traffic only: weight 0, no analysis, until it resolves."""
    reason, message, percent = shadow
    ro = progress.rollout
    text = f"{message}; the canary gets {percent}% of traffic mirrored (tools dry-run) until the incident resolves"
    if ro.pause_reason != SHADOWED_BY_INCIDENT:
        progress.events.append(Event("Warning", reason, f"rollout of {ro.revision} held in shadow: {text}"))
    progress.rollout = ro.model_copy(
        update={"paused": True, "pause_reason": SHADOWED_BY_INCIDENT, "hold_message": text}
    )
    progress.weight, progress.mirror_percent, progress.canary_replicas = 0, percent, replicas
    progress.message = text
    return progress


def resume_after_shadow(progress: Progress, now: str) -> None:
    """The incident resolved: the canary goes on with the step it was in, which starts over."""
    ro = progress.rollout
    progress.rollout = ro.model_copy(
        update={
            "paused": False,
            "pause_reason": None,
            "hold_message": None,
            "step_passed": False,
            "step_started_at": now if ro.step_started_at else None,
        }
    )
    progress.events.append(
        Event("Normal", "Resumed", f"the incident on {ro.revision} resolved: step {ro.step_index + 1} starts over")
    )


def pause(progress: Progress, reason: str, message: str) -> None:
    progress.rollout = progress.rollout.model_copy(
        update={"paused": True, "pause_reason": reason, "hold_message": message}
    )
    progress.events.append(Event("Warning", reason, message))
    progress.message = message


def abort(progress: Progress, reason: str, message: str, now: str) -> Progress:
    progress.rollout = progress.rollout.model_copy(
        update={
            "aborted_at": now,
            "abort_reason": reason,
            "paused": False,
            "pause_reason": None,
            "hold_message": message,
        }
    )
    progress.events.append(Event("Warning", reason, f"rollout of {progress.rollout.revision} aborted: {message}"))
    progress.abort_message = message
    return after_abort(progress, now)


def after_abort(progress: Progress, now: str) -> Progress:
    ro = progress.rollout
    progress.weight, progress.mirror_percent = 0, 0
    since = seconds_between(ro.aborted_at or now, now)
    progress.scale_canary_down = since >= ABORT_SCALE_DOWN_SECONDS
    if not progress.scale_canary_down:
        progress.requeue_after = ABORT_SCALE_DOWN_SECONDS - since
    progress.message = progress.abort_message or ro.hold_message or f"rollout aborted ({ro.abort_reason})"
    return progress


def apply_manual_actions(progress: Progress, annotations: dict[str, str], now: str) -> None:
    for key, value in manual.requested(annotations).items():
        ro = progress.rollout
        progress.handled_annotations.append(key)
        if key == manual.RETRY:
            if ro.aborted_at:
                progress.rollout = RolloutStatus(
                    revision=ro.revision,
                    started_at=now,
                    step_count=ro.step_count,
                    step_kind=ro.step_kind if ro.step_index == 0 else "",
                )
                progress.events.append(
                    Event("Normal", "Retried", f"rollout of {ro.revision} restarts from the first step")
                )
        elif key == manual.ABORT:
            if not ro.aborted_at:
                abort(progress, MANUAL_ABORT, "aborted by an operator (annotation agentops.dev/abort)", now)
        elif key == manual.RESUME:
            progress.rollout = ro.model_copy(
                update={
                    "paused": False,
                    "pause_reason": None,
                    "hold_message": None,
                    "consecutive_errors": 0,
                    "consecutive_inconclusive": 0,
                }
            )
            progress.events.append(Event("Normal", "Resumed", "rollout resumed"))
        elif key == manual.PAUSE:
            pause(progress, MANUAL_PAUSE, "paused by an operator (annotation agentops.dev/pause)")
        elif key == manual.SKIP_ANALYSIS:
            progress.rollout = ro.model_copy(update={"skip_analysis": True})
            progress.events.append(Event("Normal", "AnalysisSkipped", "analysis is off for this rollout"))
        elif key == manual.PROMOTE:
            if ro.aborted_at:
                progress.events.append(Event("Warning", "PromoteIgnored", "the rollout is aborted: retry it first"))
            elif value == "full":
                progress.promote = True
                progress.events.append(
                    Event("Normal", "Promoted", f"revision {ro.revision} promoted to stable by an operator")
                )
            else:
                plan_length = ro.step_count
                if ro.step_index + 1 >= plan_length:
                    progress.promote = True
                    progress.events.append(
                        Event("Normal", "Promoted", f"revision {ro.revision} promoted to stable by an operator")
                    )
                else:
                    progress.rollout = ro.model_copy(
                        update={
                            "step_index": ro.step_index + 1,
                            "step_started_at": now if ro.step_started_at else None,
                            "step_passed": False,
                            "paused": False,
                            "pause_reason": None,
                            "hold_message": None,
                        }
                    )
                    progress.events.append(
                        Event("Normal", "StepPromoted", f"moved to step {ro.step_index + 2}/{plan_length}")
                    )
