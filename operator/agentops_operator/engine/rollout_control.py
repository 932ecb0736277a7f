"""What interrupts or overrides the walk through a rollout's steps: abort (and the canary's scale-down
after it), pause, the shadow an incident imposes on a canary, and the manual annotations. Pure.

`progressive` walks the steps; `Progress` is the rollout's state during one look (a private builder:
`progressive.advance` hands out a frozen `RolloutPhase`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..api.status import RolloutStatus
from ..api.vocabulary import EventType, Reason
from . import annotations as manual
from .clock import seconds_between
from .decisions import Event

ABORT_SCALE_DOWN_SECONDS = 30  # an aborted canary keeps running this long (for a look at its logs)


@dataclass(frozen=True, kw_only=True)
class Interruption:
    """A runbook takes the canary out of live traffic: entirely (abort), or into shadow."""

    reason: str  # the incident key
    message: str  # the incident's message
    mirror_percent: int | None = None  # set: shadow with this much traffic mirrored; None: abort


@dataclass
class Progress:
    """The rollout's state while one look is taken (mutable; private to the rollout modules)."""

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

    def update(self, **fields: object) -> None:
        self.rollout = self.rollout.model_copy(update=fields)

    def note(self, type: EventType, reason: Reason, message: str) -> None:
        self.events.append(Event(type, reason, message))


def shadowed(progress: Progress, shadow: Interruption, replicas: int) -> Progress:
    """An incident moved the canary to mirrored traffic only: weight 0, no analysis, until it resolves."""
    percent = shadow.mirror_percent or 0
    ro = progress.rollout
    text = (
        f"{shadow.message}; the canary gets {percent}% of traffic mirrored (tools dry-run) until the incident resolves"
    )
    if ro.pause_reason != Reason.SHADOWED_BY_INCIDENT:
        progress.events.append(
            Event(EventType.WARNING, shadow.reason, f"rollout of {ro.revision} held in shadow: {text}")
        )
    progress.update(paused=True, pause_reason=Reason.SHADOWED_BY_INCIDENT, hold_message=text)
    progress.weight, progress.mirror_percent, progress.canary_replicas = 0, percent, replicas
    progress.message = text
    return progress


def resume_after_shadow(progress: Progress, now: str) -> None:
    """The incident resolved: the canary goes on with the step it was in, which starts over."""
    ro = progress.rollout
    started = now if ro.step_started_at else None
    progress.update(paused=False, pause_reason=None, hold_message=None, step_passed=False, step_started_at=started)
    message = f"the incident on {ro.revision} resolved: step {ro.step_index + 1} starts over"
    progress.note(EventType.NORMAL, Reason.RESUMED, message)


def pause(progress: Progress, reason: Reason, message: str) -> None:
    progress.update(paused=True, pause_reason=reason, hold_message=message)
    progress.events.append(Event(EventType.WARNING, reason, message))
    progress.message = message


def abort(progress: Progress, reason: str, message: str, now: str) -> Progress:
    progress.update(aborted_at=now, abort_reason=reason, paused=False, pause_reason=None, hold_message=message)
    progress.events.append(
        Event(EventType.WARNING, reason, f"rollout of {progress.rollout.revision} aborted: {message}")
    )
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
    """The rollout annotations present, in their fixed order; each is handled once and removed."""
    for key, value in manual.requested(annotations).items():
        ro = progress.rollout
        progress.handled_annotations.append(key)
        if key == manual.RETRY and ro.aborted_at:
            kind = ro.step_kind if ro.step_index == 0 else ""
            progress.rollout = RolloutStatus(
                revision=ro.revision, started_at=now, step_count=ro.step_count, step_kind=kind
            )
            progress.note(EventType.NORMAL, Reason.RETRIED, f"rollout of {ro.revision} restarts from the first step")
        elif key == manual.ABORT and not ro.aborted_at:
            abort(progress, Reason.MANUAL_ABORT, "aborted by an operator (annotation agentops.dev/abort)", now)
        elif key == manual.RESUME:
            cleared = {
                "pause_reason": None,
                "hold_message": None,
                "consecutive_errors": 0,
                "consecutive_inconclusive": 0,
            }
            progress.update(paused=False, **cleared)
            progress.note(EventType.NORMAL, Reason.RESUMED, "rollout resumed")
        elif key == manual.PAUSE:
            pause(progress, Reason.MANUAL_PAUSE, "paused by an operator (annotation agentops.dev/pause)")
        elif key == manual.SKIP_ANALYSIS:
            progress.update(skip_analysis=True)
            progress.note(EventType.NORMAL, Reason.ANALYSIS_SKIPPED, "analysis is off for this rollout")
        elif key == manual.PROMOTE:
            _promote(progress, full=value == "full", now=now)


def _promote(progress: Progress, *, full: bool, now: str) -> None:
    """A promote: the whole rollout (`full`, or on its last step), else the current step only."""
    ro = progress.rollout
    if ro.aborted_at:
        progress.note(EventType.WARNING, Reason.PROMOTE_IGNORED, "the rollout is aborted: retry it first")
    elif full or ro.step_index + 1 >= ro.step_count:
        progress.promote = True
        progress.note(EventType.NORMAL, Reason.PROMOTED, f"revision {ro.revision} promoted to stable by an operator")
    else:
        started = now if ro.step_started_at else None
        progress.update(step_index=ro.step_index + 1, step_started_at=started, step_passed=False)
        progress.update(paused=False, pause_reason=None, hold_message=None)
        progress.note(EventType.NORMAL, Reason.STEP_PROMOTED, f"moved to step {ro.step_index + 2}/{ro.step_count}")
