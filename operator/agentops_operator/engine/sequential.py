"""Judging a `method: Sequential` check: the canary's rate and its difference from stable as
always-valid intervals (engine/statistics.py), so a verdict stays honest over every look.

A rate's successes are its value times its trials (sessions, tool calls or guardrail checks, as the
provider counted them since the rollout began). `min`/`max` hold the canary's interval to a bound;
`maxDropVsStable`/`maxRiseVsStable` hold canary − stable to a margin. Each part is Pass when the
interval is wholly on the right side, Fail when wholly on the wrong side, Inconclusive otherwise; the
check is Fail if any part fails, Pass if all pass. The reason reads like
"canary 0.93 [0.90, 0.95] vs stable 0.95, margin 0.02 → Inconclusive".
"""

from __future__ import annotations

from ..api.rollout import LOWER_IS_BETTER_RATES, Check
from ..api.status import CheckResult, Verdict
from .measurements import Sample
from .statistics import Interval, at_least, at_most, not_worse, rate_interval

PLANNED_SESSIONS = 1000  # where the intervals are tuned to be tightest (any value keeps them valid)


def _counts(sample: Sample) -> tuple[int, int] | None:
    trials = sample.trials if sample.trials is not None else sample.sessions
    if sample.value is None or trials is None or trials <= 0 or sample.value != sample.value:
        return None
    total = round(trials)
    return min(max(round(sample.value * trials), 0), total), total


def _combined(verdicts: list[Verdict]) -> Verdict:
    if "Fail" in verdicts:
        return "Fail"
    return "Pass" if all(v == "Pass" for v in verdicts) else "Inconclusive"


def judge_sequential(
    check: Check, canary_sample: Sample, stable_sample: Sample, min_sessions: int, bound: str
) -> CheckResult:
    alpha = 1 - check.confidence

    def result(
        verdict: Verdict, reason: str, canary: Interval | None = None, diff: Interval | None = None
    ) -> CheckResult:
        return CheckResult(
            name=check.label,
            canary=canary_sample.value if canary is not None else None,
            stable=stable_sample.value if diff is not None else None,
            bound=bound,
            verdict=verdict,
            reason=reason,
            interval=[round(canary.lower, 4), round(canary.upper, 4)] if canary is not None else None,
            vs_stable=[round(diff.lower, 4), round(diff.upper, 4)] if diff is not None else None,
        )

    if canary_sample.error or stable_sample.error:
        return result("Error", str(canary_sample.error or stable_sample.error))
    canary = _counts(canary_sample)
    if canary is None or (canary_sample.sessions or 0) < min_sessions:
        sessions = canary_sample.sessions or 0
        return result("Inconclusive", f"canary had {sessions:g} sessions, fewer than minSessions {min_sessions}")
    interval = rate_interval(*canary, alpha, PLANNED_SESSIONS)
    verdicts: list[Verdict] = []
    if check.min is not None:
        verdicts.append(at_least(interval, check.min))
    if check.max is not None:
        verdicts.append(at_most(interval, check.max))
    text = f"canary {interval.estimate:.3g} [{interval.lower:.3g}, {interval.upper:.3g}]"
    diff = None
    if check.margin is not None:
        stable = _counts(stable_sample)
        if stable is None or (stable_sample.sessions or 0) < min_sessions:
            sessions = stable_sample.sessions or 0
            return result("Inconclusive", f"stable had {sessions:g} sessions, fewer than minSessions {min_sessions}")
        higher_is_better = check.name not in LOWER_IS_BETTER_RATES
        verdict, diff = not_worse(canary, stable, check.margin, alpha, higher_is_better, PLANNED_SESSIONS)
        verdicts.append(verdict)
        text += f" vs stable {stable[0] / stable[1]:.3g}, margin {check.margin:g}"
    verdict = _combined(verdicts)
    return result(verdict, f"{text} → {verdict}", interval, diff)
