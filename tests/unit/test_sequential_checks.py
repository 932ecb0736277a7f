"""Unit: `method: Sequential` checks — the spec's rules, the verdicts and the words a person reads,
pinned against values worked out by hand from the formulas in engine/statistics.py."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from agentops_operator.api.resource import AgentDeployment
from agentops_operator.api.rollout import Check
from agentops_operator.engine import statistics
from agentops_operator.engine.analysis import analyse
from agentops_operator.engine.measurements import TRAFFIC_SPLIT, Sample, plan_measurements
from tests.sequential_cases import SUCCESS, UNWORKABLE


def test_known_values() -> None:
    """950 of 1,000 at 95 %: p̃ = 951/1002, V = 1000·p̃(1−p̃) = 48.31, ρ = 250 / (2 ln 20 + ln(1 + 2 ln 20))
    = 31.50, half-width √((V+ρ)·ln((V+ρ)/(ρ·0.05²))) / 1000 = 0.02350."""
    interval = statistics.rate_interval(950, 1000, 0.05, planned=1000)
    assert (round(interval.lower, 4), round(interval.upper, 4)) == (0.9265, 0.9735)
    diff = statistics.difference((900, 1000), (950, 1000), 0.05, planned=1000)
    assert (round(diff.lower, 4), round(diff.upper, 4)) == (-0.0867, -0.0133)


def sample(rate: float, trials: float, sessions: float | None = None) -> Sample:
    return Sample(value=rate, sessions=trials if sessions is None else sessions, trials=trials)


@pytest.mark.parametrize(
    ("check", "canary", "stable", "verdict", "reason"),
    [
        pytest.param(
            SUCCESS,
            sample(0.95, 20_000),
            sample(0.95, 20_000),
            "Pass",
            "vs stable 0.95, margin 0.02 → Pass",
            id="enough-evidence",
        ),
        pytest.param(
            SUCCESS, sample(0.95, 300), sample(0.95, 300), "Inconclusive", "margin 0.02 → Inconclusive", id="too-little"
        ),
        pytest.param(SUCCESS, sample(0.85, 2000), sample(0.95, 2000), "Fail", "canary 0.85 [", id="ten-points-worse"),
        pytest.param(
            {**SUCCESS, "min": 0.9}, sample(0.85, 5000), sample(0.95, 20_000), "Fail", "→ Fail", id="below-min"
        ),
        pytest.param(
            {"name": "tool-failure-rate", "method": "Sequential", "maxRiseVsStable": 0.02},
            sample(0.10, 3000, sessions=500),
            sample(0.02, 3000, sessions=500),
            "Fail",
            "vs stable 0.02, margin 0.02 → Fail",
            id="failures-rise",
        ),
        pytest.param(
            SUCCESS,
            sample(0.95, 20, sessions=20),
            sample(0.95, 2000),
            "Inconclusive",
            "fewer than minSessions 50",
            id="min-sessions",
        ),
        pytest.param(
            SUCCESS,
            Sample(error="Prometheus unreachable"),
            sample(0.95, 10),
            "Error",
            "unreachable",
            id="backend-error",
        ),
    ],
)
def test_a_sequential_check(check: dict[str, Any], canary: Sample, stable: Sample, verdict: str, reason: str) -> None:
    parsed = Check.model_validate(check)
    run = analyse([parsed], {parsed.label: {"c": canary, "s": stable}}, "c", "s", 50, "t", canary_weight=50)
    (result,) = run.checks
    assert (result.verdict, run.verdict) == (verdict, verdict)
    assert reason in result.reason
    if verdict in ("Pass", "Fail") and "maxDropVsStable" in check:
        assert result.interval is not None and result.vs_stable is not None
        assert result.interval[0] <= (canary.value or 0) <= result.interval[1]


def test_a_router_that_does_not_split_as_asked_makes_it_inconclusive() -> None:
    check = Check.model_validate(SUCCESS)
    readings = {check.label: {"c": sample(0.95, 20_000), "s": sample(0.95, 20_000)}}
    fair = {**readings, TRAFFIC_SPLIT: {"c": Sample(sessions=210), "s": Sample(sessions=790)}}
    assert analyse([check], fair, "c", "s", 50, "t", canary_weight=20).verdict == "Pass"
    skewed = {**readings, TRAFFIC_SPLIT: {"c": Sample(sessions=300), "s": Sample(sessions=700)}}
    (result,) = analyse([check], skewed, "c", "s", 50, "t", canary_weight=20).checks
    assert result.verdict == "Inconclusive"
    assert result.reason.startswith("TrafficSplitMismatch: the canary had 30.0% of this step's sessions (300 of 1000)")


def in_a_step_started_at_noon() -> AgentDeployment:
    """canary1 next to stable1 in a step that began at 12:00:00, analysed every 10 s by a Sequential check."""
    check = {"name": "session-success-rate", "method": "Sequential", "maxDropVsStable": 0.02}
    return AgentDeployment.parse(
        {
            "apiVersion": "agentops.dev/v1alpha1",
            "kind": "AgentDeployment",
            "metadata": {"name": "support", "namespace": "prod", "uid": "u1", "generation": 1},
            "spec": {
                "runtime": {"image": "agent:1"},
                "model": {"provider": "openai", "name": "gpt-4o-mini"},
                "prompt": {"system": "be kind"},
                "rollout": {
                    "steps": [{"canary": {"weight": 50, "durationSeconds": 600}}],
                    "analysis": {"intervalSeconds": 10, "checks": [check]},
                },
            },
            "status": {
                "stableRevision": {"number": 1, "hash": "stable1", "name": "support-stable1"},
                "rollout": {
                    "revision": "canary1",
                    "startedAt": "2026-01-01T11:00:00Z",
                    "stepStartedAt": "2026-01-01T12:00:00Z",
                    "stepCount": 1,
                },
            },
        }
    )


@pytest.mark.parametrize(
    ("now", "split_window"),
    [
        pytest.param("2026-01-01T12:00:12Z", None, id="first-interval-of-the-step-router-settling"),
        pytest.param("2026-01-01T12:00:19Z", None, id="less-than-an-interval-after-settling"),
        pytest.param("2026-01-01T12:00:20Z", 10, id="one-settled-interval"),
        pytest.param("2026-01-01T12:05:00Z", 290, id="the-step-after-its-first-interval"),
    ],
)
def test_the_split_is_judged_on_the_step_after_the_router_had_an_interval_to_apply_it(
    now: str, split_window: int | None
) -> None:
    """In the demo, the first look after a weight change saw 30 % of sessions on a 50 % canary:
    sessions from before the router applied the weight. The split leaves the step's first interval out."""
    agent = in_a_step_started_at_noon()
    plan = plan_measurements(
        agent.spec, agent.status, now, namespace="prod", agent="support", last_monitored=None, default_backend="x"
    )
    assert plan.analysis is not None
    windows = {query.key: query.window_seconds for query in plan.analysis}
    assert windows.get(TRAFFIC_SPLIT) == split_window
    assert windows["session-success-rate"] >= 3600  # every session since the rollout began


@pytest.mark.parametrize(("check", "message"), UNWORKABLE)
def test_the_spec_says_what_fits_a_sequential_check(check: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Check.model_validate(check)


COST = {"name": "cost-per-session", "method": "Sequential", "maxRatioToStable": 1.2}


def moments(mean: float, cv: float, sessions: int) -> Sample:
    """A cost-per-session sample: its mean, mean of squares (mean² · (1 + cv²)) and sessions."""
    return Sample(value=mean, second_moment=mean * mean * (1 + cv * cv), sessions=sessions)


def test_known_values_of_a_mean() -> None:
    """mean 0.02, cv 1, 1,000 sessions at 95 %: V = 1000·1 + ρ = 1126.0 (ρ = 1000 / (2 ln 20 +
    ln(1 + 2 ln 20)) = 126.0), relative half-width √(V·ln(V/(ρ·0.05²))) / 1000 = 0.09598."""
    interval = statistics.mean_interval(0.02, 0.0008, 1000, 0.05, planned=1000)
    assert (round(interval.lower, 5), round(interval.upper, 5)) == (0.01808, 0.02192)


@pytest.mark.parametrize(
    ("canary", "stable", "verdict", "reason"),
    [
        pytest.param(
            moments(0.03, 1, 4000), moments(0.02, 1, 4000), "Fail", "vs stable 0.02: ratio 1.5 [", id="cost-1.5x"
        ),
        pytest.param(moments(0.02, 1, 20_000), moments(0.02, 1, 20_000), "Pass", "ratio 1 [", id="same-cost-much-data"),
        pytest.param(moments(0.02, 1, 200), moments(0.02, 1, 200), "Inconclusive", "→ Inconclusive", id="too-little"),
        pytest.param(Sample(value=0.02, sessions=500), moments(0.02, 1, 500), "Inconclusive", "no value", id="old-sdk"),
    ],
)
def test_a_sequential_cost_check(canary: Sample, stable: Sample, verdict: str, reason: str) -> None:
    check = Check.model_validate(COST)
    (result,) = analyse([check], {check.label: {"c": canary, "s": stable}}, "c", "s", 50, "t").checks
    assert result.verdict == verdict and reason in result.reason, result.reason
