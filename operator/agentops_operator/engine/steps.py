"""A rollout's steps as the engine walks them: ramps expanded into canary steps. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from ..api.rollout import Step
from ..api.vocabulary import StepKind


@dataclass(frozen=True, kw_only=True)
class PlanStep:
    kind: StepKind
    weight: int = 0  # canary: percent of live traffic
    percent: int = 0  # shadow: percent of traffic mirrored
    duration: int | None = 0  # seconds; None: until promoted (a pause without duration)
    suite: str | None = None  # evaluate: the suite run at this step

    def describe(self) -> str:
        if self.kind == StepKind.CANARY:
            return f"canary {self.weight}%"
        if self.kind == StepKind.SHADOW:
            return f"shadow {self.percent}%"
        if self.kind == StepKind.EVALUATE:
            return f"evaluate {self.suite}"
        return f"{self.kind}" if self.duration is None else f"{self.kind} {self.duration} s"


def expand(steps: list[Step]) -> list[PlanStep]:
    plan: list[PlanStep] = []
    for step in steps:
        if step.canary is not None:
            plan.append(
                PlanStep(kind=StepKind.CANARY, weight=step.canary.weight, duration=step.canary.duration_seconds)
            )
        elif step.shadow is not None:
            plan.append(
                PlanStep(kind=StepKind.SHADOW, percent=step.shadow.percent, duration=step.shadow.duration_seconds)
            )
        elif step.pause is not None:
            plan.append(PlanStep(kind=StepKind.PAUSE, duration=step.pause.duration_seconds))
        elif step.evaluate is not None:
            plan.append(PlanStep(kind=StepKind.EVALUATE, suite=step.evaluate.suite))
        elif step.ramp is not None:
            ramp = step.ramp
            weights = [*range(ramp.from_weight, ramp.to_weight, ramp.step_weight), ramp.to_weight]
            plan += [PlanStep(kind=StepKind.CANARY, weight=w, duration=ramp.interval_seconds) for w in weights]
    return plan
