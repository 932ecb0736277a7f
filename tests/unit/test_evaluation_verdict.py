"""Unit: the operator's verdict on an evaluation run — the Wilson interval against published values,
and Pass / Fail / Inconclusive from the runner's counts, errors never counted as failures."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentops_operator.api.evaluation import AgentEvaluationSpec, AgentEvaluationStatus
from agentops_operator.engine.evaluation_verdict import EvaluationCounts, evaluation_verdict, verdict_patch, wilson


@pytest.mark.parametrize(
    ("passed", "judged", "lower", "upper"),
    [
        # Worked by hand from Wilson's formula (z = 1.959964); the first is Brown, Cai & DasGupta's
        # style of example, the others the edges where the normal interval leaves [0, 1].
        pytest.param(81, 100, 0.7222, 0.8749, id="81-of-100"),
        pytest.param(20, 20, 0.8389, 1.0, id="all-of-20"),
        pytest.param(0, 10, 0.0, 0.2775, id="none-of-10"),
        pytest.param(35, 35, 0.9011, 1.0, id="all-of-35-the-fewest-that-pass-0.9"),
    ],
)
def test_wilson_known_values(passed: int, judged: int, lower: float, upper: float) -> None:
    interval = wilson(passed, judged, 0.95)
    assert (interval.lower, interval.upper) == (pytest.approx(lower, abs=5e-5), pytest.approx(upper, abs=5e-5))


@pytest.mark.parametrize(
    ("counts", "verdict", "words"),
    [
        pytest.param(EvaluationCounts(98, 2), "Pass", "pass rate 0.98 [0.93, 0.994] over 100 cases", id="pass"),
        pytest.param(EvaluationCounts(70, 30), "Fail", "→ Fail", id="fail"),
        pytest.param(EvaluationCounts(20, 0), "Inconclusive", "run more cases", id="all-pass-but-too-few-to-be-sure"),
        pytest.param(EvaluationCounts(98, 2, errors=40), "Pass", "(40 errors)", id="errors-are-not-failures"),
        pytest.param(EvaluationCounts(5, 0, errors=95), "Inconclusive", "fewer than minCases 10 (95 errors)",
                     id="mostly-errors"),
        pytest.param(EvaluationCounts(0, 0, errors=3, not_run=97), "Inconclusive", "stopped after 3 errors",
                     id="stopped-at-max-errors"),
    ],
)  # fmt: skip
def test_the_verdict(counts: EvaluationCounts, verdict: str, words: str) -> None:
    got, _, reason = evaluation_verdict(counts, pass_rate=0.9, min_cases=10)
    assert got == verdict and words in reason, reason


@given(st.integers(0, 500), st.integers(1, 500), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_holds_the_estimate_and_narrows_with_confidence(passed: int, judged: int, confidence: float) -> None:
    passed = min(passed, judged)
    interval = wilson(passed, judged, confidence)
    assert 0 <= interval.lower <= passed / judged <= interval.upper <= 1
    wider = wilson(passed, judged, 0.999)
    assert wider.lower <= interval.lower and interval.upper <= wider.upper


@given(st.integers(0, 300), st.integers(0, 300), st.integers(0, 300))
def test_more_errors_never_change_a_verdict_made_on_the_same_judged_cases(
    passed: int, failed: int, errors: int
) -> None:
    if passed + failed < 10:
        return
    plain = evaluation_verdict(EvaluationCounts(passed, failed), 0.9, 10)[0]
    assert evaluation_verdict(EvaluationCounts(passed, failed, errors=errors), 0.9, 10)[0] == plain


SPEC = AgentEvaluationSpec.model_validate(
    {"suite": {"name": "s", "dataset": {"inline": [{"input": "x"}]}, "target": {}, "scorers": [{"type": "exact"}]}}
)


@pytest.mark.parametrize(
    ("status", "patch"),
    [
        pytest.param({"startedAt": "t0"}, None, id="still-running"),
        pytest.param(
            {"finishedAt": "t1", "passed": 60, "failed": 0, "errors": 0},
            {"verdict": "Pass", "interval": {"lower": 0.9398, "upper": 1.0}},
            id="finished",
        ),
        pytest.param(
            {"finishedAt": "t1", "runnerError": "dataset.inline[0]: unknown key 'imput'"},
            {"verdict": "Inconclusive", "interval": None},
            id="the-runner-could-not-run-it",
        ),
    ],
)
def test_the_verdict_written_on_an_agentevaluation(status: dict[str, Any], patch: dict[str, Any] | None) -> None:
    written = verdict_patch(SPEC, AgentEvaluationStatus.model_validate(status))
    if patch is None:
        assert written is None
        return
    assert written is not None and {k: written[k] for k in patch} == patch
    again = AgentEvaluationStatus.model_validate({**status, **written})
    assert verdict_patch(SPEC, again) is None  # written once: its own echo changes nothing
