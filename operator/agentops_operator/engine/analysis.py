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
from .measurements import Readings, Sample

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
    return ", ".join(parts)


def judge(check: Check, canary_sample: Sample, stable_sample: Sample, min_sessions: int) -> CheckResult:
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
    checks: list[Check], readings: Readings, canary: str, stable: str, min_sessions: int, now: str
) -> AnalysisRun:
    """Every check judged on the canary's and the stable revision's samples (a check nobody measured
    is an Error: a provider bug must not look like a pass)."""
    results = []
    for check in checks:
        samples = readings.get(check.label, {})
        results.append(judge(check, samples.get(canary, NOT_MEASURED), samples.get(stable, NOT_MEASURED), min_sessions))
    return AnalysisRun(time=now, verdict=overall(results), checks=results)


def failure_message(run: AnalysisRun) -> str:
    failing = [r for r in run.checks if r.verdict == "Fail"]
    return "; ".join(f"{r.name}: {r.reason} (canary {_fmt(r.canary)}, stable {_fmt(r.stable)})" for r in failing)
