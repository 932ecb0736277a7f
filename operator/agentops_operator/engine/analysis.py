"""Judging measurements: the one place where analysis thresholds meet numbers.

Providers return samples (a value and a session count per revision, or an error); this module
turns the canary's and the stable revision's samples into verdicts. Too little data (fewer than
`minSessions` sessions in an arm the check needs) or a missing value is Inconclusive, never Pass
and never Fail; a backend error is Error. An analysis is Fail if any check failed, else Error if
any errored, else Inconclusive if any was inconclusive, else Pass.
"""

from __future__ import annotations

import math

from ..api.rollout import Check
from ..api.status import AnalysisRun, CheckResult, Verdict
from ..api.vocabulary import Reason
from .measurements import TRAFFIC_SPLIT, Readings, Sample
from .sequential import judge_sequential
from .statistics import sample_ratio_mismatch

NOT_MEASURED = Sample(error="not measured")


def known(value: float | None) -> bool:
    return value is not None and not math.isnan(value) and not math.isinf(value)


def _fmt(value: float | None) -> str:
    return "unknown" if not known(value) else f"{value:.4g}"


def bound_text(check: Check) -> str:
    parts = []
    if check.min is not None:
        parts.append(f">= {check.min:g}")
    if check.max is not None:
        parts.append(f"<= {check.max:g}")
    if check.min_ratio_to_stable is not None:
        parts.append(f">= {check.min_ratio_to_stable:g}x stable")
    if check.max_ratio_to_stable is not None:
        parts.append(f"<= {check.max_ratio_to_stable:g}x stable")
    if check.max_drop_vs_stable is not None:
        parts.append(f"at most {check.max_drop_vs_stable:g} below stable")
    if check.max_rise_vs_stable is not None:
        parts.append(f"at most {check.max_rise_vs_stable:g} above stable")
    sequential = f" ({check.confidence:.0%} sequential)" if check.method == "Sequential" else ""
    return ", ".join(parts) + sequential


def judge(check: Check, canary_sample: Sample, stable_sample: Sample, min_sessions: int) -> CheckResult:
    if check.method == "Sequential":
        return judge_sequential(check, canary_sample, stable_sample, min_sessions, bound_text(check))

    def result(verdict: Verdict, reason: str = "") -> CheckResult:
        canary = canary_sample.value if known(canary_sample.value) else None
        stable = stable_sample.value if known(stable_sample.value) else None
        return CheckResult(
            name=check.label, canary=canary, stable=stable, bound=bound_text(check), verdict=verdict, reason=reason
        )

    error = canary_sample.error or stable_sample.error
    if error:
        return result("Error", error)
    relative = check.max_ratio_to_stable is not None or check.min_ratio_to_stable is not None
    canary_sessions = canary_sample.sessions or 0
    if canary_sessions < min_sessions:
        return result("Inconclusive", f"canary had {canary_sessions:g} sessions, fewer than minSessions {min_sessions}")
    if relative and (stable_sample.sessions or 0) < min_sessions:
        return result(
            "Inconclusive",
            f"stable had {stable_sample.sessions or 0:g} sessions, fewer than minSessions {min_sessions}",
        )
    canary = canary_sample.value
    if not known(canary):
        return result("Inconclusive", "no value for the canary")
    assert canary is not None
    failures = []
    if check.min is not None and canary < check.min:
        failures.append(f"canary {_fmt(canary)} < {check.min:g}")
    if check.max is not None and canary > check.max:
        failures.append(f"canary {_fmt(canary)} > {check.max:g}")
    if relative:
        stable = stable_sample.value
        if not known(stable):
            return result("Inconclusive", "no value for the stable arm")
        assert stable is not None
        ratio = 1.0 if stable == canary else (math.inf if stable == 0 else canary / stable)
        if check.max_ratio_to_stable is not None and ratio > check.max_ratio_to_stable:
            failures.append(
                f"canary {_fmt(canary)} is {ratio:.3g}x stable {_fmt(stable)} (max {check.max_ratio_to_stable:g}x)"
            )
        if check.min_ratio_to_stable is not None and ratio < check.min_ratio_to_stable:
            failures.append(
                f"canary {_fmt(canary)} is {ratio:.3g}x stable {_fmt(stable)} (min {check.min_ratio_to_stable:g}x)"
            )
    return result("Fail", "; ".join(failures)) if failures else result("Pass")


def overall(results: list[CheckResult]) -> Verdict:
    verdicts = {r.verdict for r in results}
    order: tuple[Verdict, ...] = ("Fail", "Error", "Inconclusive")
    for verdict in order:
        if verdict in verdicts:
            return verdict
    return "Pass"


def analyse(
    checks: list[Check],
    readings: Readings,
    canary: str,
    stable: str,
    min_sessions: int,
    now: str,
    canary_weight: int = 0,
) -> AnalysisRun:
    """Every check judged on the canary's and the stable revision's samples (a check nobody measured
    is an Error: a provider bug must not look like a pass). Sequential checks are Inconclusive
    (TrafficSplitMismatch) while the canary's share of the step's sessions is, beyond chance, not
    `canary_weight` percent: a router that does not do what was asked is no evidence."""
    mismatch = _split_mismatch(checks, readings, canary, stable, canary_weight)
    results = []
    for check in checks:
        samples = readings.get(check.label, {})
        judged = judge(check, samples.get(canary, NOT_MEASURED), samples.get(stable, NOT_MEASURED), min_sessions)
        if mismatch and check.method == "Sequential" and judged.verdict != "Error":
            judged = judged.model_copy(update={"verdict": "Inconclusive", "reason": mismatch})
        results.append(judged)
    return AnalysisRun(time=now, verdict=overall(results), checks=results)


def _split_mismatch(checks: list[Check], readings: Readings, canary: str, stable: str, weight: int) -> str:
    split = readings.get(TRAFFIC_SPLIT, {})
    sessions = [(split.get(arm) or NOT_MEASURED).sessions for arm in (canary, stable)]
    sequential = [c for c in checks if c.method == "Sequential"]
    if not sequential or None in sessions:
        return ""
    canary_sessions, stable_sessions = (round(s or 0) for s in sessions)
    alpha = 1 - max(c.confidence for c in sequential)
    if not sample_ratio_mismatch(canary_sessions, stable_sessions, weight / 100, alpha):
        return ""
    share = canary_sessions / max(canary_sessions + stable_sessions, 1)
    return (
        f"{Reason.TRAFFIC_SPLIT_MISMATCH}: the canary had {share:.1%} of this step's sessions "
        f"({canary_sessions} of {canary_sessions + stable_sessions}) where the weight is {weight}%; "
        "check the router"
    )


def failure_message(run: AnalysisRun) -> str:
    failing = [r for r in run.checks if r.verdict == "Fail"]
    return "; ".join(f"{r.name}: {r.reason} (canary {_fmt(r.canary)}, stable {_fmt(r.stable)})" for r in failing)
