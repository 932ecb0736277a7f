"""The runbooks in force for one agent: the defaults of the AgentOps incident table, as the spec
replaces, disables or extends them, plus the budget. Pure.

Every other engine module asks this one which runbooks apply, under which key their incidents are
filed and which signal each watches, so the answer is the same for planning, detection and
mitigation.
"""

from __future__ import annotations

from ..api.runbooks import EVALUATION_REGRESSION, Action, Detection, Runbook
from ..api.spec import AgentDeploymentSpec

DEFAULT_RUNBOOKS: dict[str, Runbook] = {
    "PromptLeak": Runbook(
        type="PromptLeak",
        severity="critical",
        resolve_after_seconds=300,
        detection=Detection(signal="prompt-leaks", above=0),
        actions=[Action(type="Rollback"), Action(type="Notify")],
    ),
    "ToolAbuse": Runbook(
        type="ToolAbuse",
        severity="warning",
        resolve_after_seconds=300,
        detection=Detection(signal="tool-calls-per-session", ratio_to_baseline_above=3, min_sessions=10),
        actions=[Action(type="RateLimitTool", per_minute=30), Action(type="Notify")],
    ),
    "SafetyViolation": Runbook(
        type="SafetyViolation",
        severity="critical",
        resolve_after_seconds=600,
        detection=Detection(signal="safety-violations", above=0),
        actions=[Action(type="Block"), Action(type="Notify")],
    ),
    "CostSpike": Runbook(
        type="CostSpike",
        severity="error",
        resolve_after_seconds=300,
        detection=Detection(signal="cost-per-session", ratio_to_baseline_above=10, min_sessions=5),
        actions=[Action(type="Throttle", sessions_per_minute=10), Action(type="Notify")],
    ),
    "HallucinationSurge": Runbook(
        type="HallucinationSurge",
        severity="error",
        resolve_after_seconds=300,
        detection=Detection(signal="grounding-score", below=0.5, min_sessions=10),
        actions=[Action(type="Shadow"), Action(type="Notify")],
    ),
    # A scheduled evaluation (spec.evaluation.schedule) failed on the serving revision. Notify only:
    # rolling back is opt-in (a runbook of this type with a Rollback action).
    "EvaluationRegression": Runbook(
        type="EvaluationRegression",
        severity="error",
        resolve_after_seconds=0,
        detection=Detection(signal=EVALUATION_REGRESSION, above=0),
        actions=[Action(type="Notify")],
    ),
}
BUDGET = "Budget"  # the incident key of the spend budget (spec.budget), a CostSpike runbook of its own
SESSION_RATE = "sessions-per-minute"  # measured too when a Throttle scales with the session rate


def effective_runbooks(spec: AgentDeploymentSpec) -> list[Runbook]:
    """The defaults, replaced or disabled by runbooks of the same type, plus custom ones and the budget."""
    chosen: dict[str, Runbook] = dict(DEFAULT_RUNBOOKS)
    extra: list[Runbook] = []
    for runbook in spec.runbooks:
        if runbook.type == "Custom":
            if runbook.enabled and runbook.detection is not None:
                extra.append(runbook)
        elif not runbook.enabled:
            chosen.pop(runbook.type, None)
        else:
            base = DEFAULT_RUNBOOKS[runbook.type]
            replaced = {
                "detection": runbook.detection or base.detection,
                "actions": runbook.actions if runbook.actions is not None else base.actions,
                "severity": runbook.severity or base.severity,
            }
            chosen[runbook.type] = runbook.model_copy(update=replaced)
    result = [*chosen.values(), *extra]
    if spec.budget is not None:
        result.append(_budget_runbook(spec))
    return result


def _budget_runbook(spec: AgentDeploymentSpec) -> Runbook:
    assert spec.budget is not None
    throttle = Action(type="Throttle", sessions_per_minute=spec.budget.throttle_sessions_per_minute)
    return Runbook(
        type="CostSpike",
        name=BUDGET,
        severity="error",
        resolve_after_seconds=300,
        detection=Detection(signal="cost-per-hour", above=spec.budget.max_cost_per_hour_usd),
        actions=[throttle, Action(type="Notify")],
    )


def incident_key(runbook: Runbook) -> str:
    """What its incidents are filed under: the type, or the name of a custom runbook or the budget."""
    if runbook.type == "Custom" or runbook.name == BUDGET:
        return str(runbook.name)
    return runbook.type


def detection_of(runbook: Runbook) -> Detection:
    """Every effective runbook has a detection (a default's, or the one a custom runbook must carry)."""
    assert runbook.detection is not None
    return runbook.detection


def signal_key(runbook: Runbook) -> str:
    """The name its signal is measured under: the built-in signal, or `custom:<key>` for PromQL."""
    detection = detection_of(runbook)
    return f"custom:{incident_key(runbook)}" if detection.signal == "custom" else detection.signal


def scales_with_session_rate(runbook: Runbook) -> bool:
    return any(a.type == "Throttle" and a.factor for a in runbook.actions or [])


def notifies(runbook: Runbook) -> bool:
    return any(a.type == "Notify" for a in runbook.actions or [])


def monitoring_interval(spec: AgentDeploymentSpec) -> int:
    return spec.monitoring.interval_seconds if spec.monitoring else 30
