"""Judging a `method: Sequential` check: the canary's rate and its difference from stable as
always-valid intervals (engine/statistics.py), so a verdict stays honest over every look.

A rate's successes are its value times its trials (sessions, tool calls or guardrail checks, as the
provider counted them since the rollout began). `min`/`max` hold the canary's interval to a bound;
`maxDropVsStable`/`maxRiseVsStable` hold canary − stable to a margin. Each part is Pass when the
interval is wholly on the right side, Fail when wholly on the wrong side, Inconclusive otherwise; the
check is Fail if any part fails, Pass if all pass. The reason reads like
"canary 0.93 [0.90, 0.95] vs stable 0.95, margin 0.02 → Inconclusive". Cost per session is a mean:
its interval comes from the SDK's sum of squares (`Sample.second_moment`), `maxRatioToStable` /
`minRatioToStable` hold canary / stable to a bound, and the reason reads like
"canary 0.031 [0.027, 0.035] vs stable 0.02: ratio 1.55 [1.3, 1.8] → Fail".
"""

from __future__ import annotations

from ..api.rollout import LOWER_IS_BETTER_RATES, SEQUENTIAL_MEANS, Check
from ..api.status import CheckResult, Verdict
from ..api.vocabulary import Arm
from .measurements import Sample
from .statistics import Interval, at_least, at_most, mean_interval, mean_ratio, not_worse, rate_interval

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
            interval=[round(canary.lower, 6), round(canary.upper, 6)] if canary is not None else None,
            vs_stable=[round(diff.lower, 6), round(diff.upper, 6)] if diff is not None else None,
        )

    if canary_sample.error or stable_sample.error:
        return result("Error", str(canary_sample.error or stable_sample.error))
    compared = (
        check.margin is not None or check.max_ratio_to_stable is not None or check.min_ratio_to_stable is not None
    )
    arms = {Arm.CANARY: canary_sample, **({Arm.STABLE: stable_sample} if compared else {})}
    for arm, sample in arms.items():
        if (sample.sessions or 0) < min_sessions:
            return result(
                "Inconclusive", f"{arm} had {sample.sessions or 0:g} sessions, fewer than minSessions {min_sessions}"
            )
    judged = _mean_parts if check.name in SEQUENTIAL_MEANS else _rate_parts
    parts = judged(check, canary_sample, stable_sample)
    if parts is None:
        return result("Inconclusive", "no value for the canary or the stable arm")
    verdicts, text, interval, diff = parts
    verdict = _combined(verdicts)
    return result(verdict, f"{text} → {verdict}", interval, diff)


Parts = tuple[list[Verdict], str, Interval, Interval | None]


def _rate_parts(check: Check, canary_sample: Sample, stable_sample: Sample) -> Parts | None:
    alpha, canary = 1 - check.confidence, _counts(canary_sample)
    if canary is None:
        return None
    interval = rate_interval(*canary, alpha, PLANNED_SESSIONS)
    verdicts = _bounds(check, interval)
    text = f"canary {interval}"
    diff = None
    if check.margin is not None:
        stable = _counts(stable_sample)
        if stable is None:
            return None
        higher_is_better = check.name not in LOWER_IS_BETTER_RATES
        verdict, diff = not_worse(canary, stable, check.margin, alpha, higher_is_better, PLANNED_SESSIONS)
        verdicts.append(verdict)
        text += f" vs stable {stable[0] / stable[1]:.3g}, margin {check.margin:g}"
    return verdicts, text, interval, diff


def _mean_parts(check: Check, canary_sample: Sample, stable_sample: Sample) -> Parts | None:
    alpha, canary = 1 - check.confidence, _moments(canary_sample)
    if canary is None:
        return None
    stable = _moments(stable_sample)
    if stable is None:
        return None
    interval = mean_interval(*canary, alpha, PLANNED_SESSIONS)  # shown; the verdict is on the ratio
    ratio = mean_ratio(canary, stable, alpha, PLANNED_SESSIONS)
    verdicts: list[Verdict] = []
    if check.max_ratio_to_stable is not None:
        verdicts.append(at_most(ratio, check.max_ratio_to_stable))
    if check.min_ratio_to_stable is not None:
        verdicts.append(at_least(ratio, check.min_ratio_to_stable))
    text = f"canary {interval} vs stable {stable[0]:.3g}: ratio {ratio}"
    return verdicts, text, interval, ratio


def _bounds(check: Check, interval: Interval) -> list[Verdict]:
    verdicts: list[Verdict] = []
    if check.min is not None:
        verdicts.append(at_least(interval, check.min))
    if check.max is not None:
        verdicts.append(at_most(interval, check.max))
    return verdicts


def _moments(sample: Sample) -> tuple[float, float, int] | None:
    """(mean, mean of squares, sessions) of a per-session mean, when the provider gave all three."""
    if sample.value is None or sample.value != sample.value or sample.second_moment is None or not sample.sessions:
        return None
    return sample.value, sample.second_moment, round(sample.sessions)
