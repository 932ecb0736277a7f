"""The verdict on one evaluation run, made from the runner's raw counts: Pass, Fail or Inconclusive.

The runner (agentops_sdk.evaluation) only counts; this is the one rule that judges every suite. The
pass rate's uncertainty is the Wilson score interval (Wilson, 1927; recommended over the normal
interval by Brown, Cai and DasGupta, 2001, because it stays inside [0, 1] and covers near 0 and 1):
Pass when its lower bound at `confidence` is at least `passRate`, Fail when its upper bound is below,
Inconclusive otherwise — and when fewer than `minCases` cases were judged, or the run stopped at
`maxErrors`. Errors (the agent did not answer, the judge could not judge) are never failures. With
`passRate: 0.9` at 95 %, 35 judged cases that all pass are the fewest that Pass. Pure: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from ..api.evaluation import AgentEvaluationSpec, AgentEvaluationStatus, EvaluationVerdict
from .statistics import Interval

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class EvaluationCounts:
    """What a run reported: judged cases (passed, failed), errors, and cases not run after maxErrors."""

    passed: int
    failed: int
    errors: int = 0
    not_run: int = 0


def wilson(passed: int, judged: int, confidence: float) -> Interval:
    """The two-sided Wilson score interval of a proportion `passed` / `judged` at `confidence`."""
    if judged <= 0:
        return Interval(math.nan, 0.0, 1.0)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    share, z2 = passed / judged, z * z
    scale = 1 + z2 / judged
    centre = (share + z2 / (2 * judged)) / scale
    half = z * math.sqrt(share * (1 - share) / judged + z2 / (4 * judged * judged)) / scale
    lower = 0.0 if passed == 0 else max(0.0, centre - half)  # exact at the edges, where rounding would
    upper = 1.0 if passed == judged else min(1.0, centre + half)  # leave 1 − 1e-16 above all-pass
    return Interval(share, lower, upper)


def evaluation_verdict(
    counts: EvaluationCounts, pass_rate: float, min_cases: int, confidence: float = 0.95
) -> tuple[EvaluationVerdict, Interval | None, str]:
    """The verdict, the pass rate's interval (None when nothing was judged) and a sentence saying why."""
    judged = counts.passed + counts.failed
    errors = f"{counts.errors} error{'s' * (counts.errors != 1)}"
    if counts.not_run:
        return (
            "Inconclusive",
            None,
            f"the run stopped after {errors} ({counts.not_run} cases not run); fix what the errors name and retry",
        )
    if judged < min_cases:
        return (
            "Inconclusive",
            None,
            f"{judged} cases judged, fewer than minCases {min_cases} ({errors}); fix the errors or add cases",
        )
    interval = wilson(counts.passed, judged, confidence)
    stated = f"pass rate {interval} over {judged} cases ({errors}), required {pass_rate:g} at {confidence:.0%}"
    if interval.lower >= pass_rate:
        return "Pass", interval, f"{stated} → Pass"
    if interval.upper < pass_rate:
        return "Fail", interval, f"{stated} → Fail"
    return "Inconclusive", interval, f"{stated} → Inconclusive: run more cases to be sure either way"


def verdict_patch(spec: AgentEvaluationSpec, status: AgentEvaluationStatus) -> JsonDict | None:
    """The status fields the operator writes on an AgentEvaluation once its runner has finished: the
    verdict, the reason and the interval; None while it runs, or when they are already written."""
    if status.finished_at is None:
        return None
    suite = spec.suite
    if status.runner_error is not None:
        verdict: EvaluationVerdict = "Inconclusive"
        interval, reason = None, f"the runner could not run the suite: {status.runner_error}"
    else:
        counts = EvaluationCounts(status.passed or 0, status.failed or 0, status.errors or 0, status.not_run or 0)
        verdict, interval, reason = evaluation_verdict(counts, suite.pass_rate, suite.min_cases, spec.confidence)
    bounds = None if interval is None else {"lower": round(interval.lower, 4), "upper": round(interval.upper, 4)}
    if (status.verdict, status.reason, status.interval and status.interval.wire()) == (verdict, reason, bounds):
        return None
    return {"verdict": verdict, "reason": reason, "interval": bounds}
