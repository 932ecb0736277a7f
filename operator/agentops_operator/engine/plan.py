"""The rollout plan: steps with ramps expanded into canary steps, and time arithmetic on RFC 3339."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ..api.rollout import Step


@dataclass(frozen=True)
class PlanStep:
    kind: str  # canary | shadow | pause
    weight: int = 0
    percent: int = 0
    duration: int | None = 0  # None: until promoted (pause without duration)


def expand(steps: list[Step]) -> list[PlanStep]:
    plan: list[PlanStep] = []
    for step in steps:
        if step.canary is not None:
            plan.append(PlanStep("canary", weight=step.canary.weight, duration=step.canary.duration_seconds))
        elif step.shadow is not None:
            plan.append(PlanStep("shadow", percent=step.shadow.percent, duration=step.shadow.duration_seconds))
        elif step.pause is not None:
            plan.append(PlanStep("pause", duration=step.pause.duration_seconds))
        elif step.ramp is not None:
            weight = step.ramp.from_weight
            while weight < step.ramp.to_weight:
                plan.append(PlanStep("canary", weight=weight, duration=step.ramp.interval_seconds))
                weight += step.ramp.step_weight
            plan.append(PlanStep("canary", weight=step.ramp.to_weight, duration=step.ramp.interval_seconds))
    return plan


def parse_time(text: str) -> datetime:
    """RFC 3339 in UTC, with or without fractional seconds."""
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in text else "%Y-%m-%dT%H:%M:%SZ"
    return datetime.strptime(text, pattern).replace(tzinfo=UTC)


def format_time(moment: datetime) -> str:
    """RFC 3339 with milliseconds: step timers and analysis intervals need sub-second precision."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def seconds_between(earlier: str, later: str) -> float:
    return (parse_time(later) - parse_time(earlier)).total_seconds()
