"""Unit: the always-valid statistics hold their published properties, checked by seeded simulation
(a canary analysed at every interval for a whole rollout) and by hypothesis properties.

- Time-uniform coverage: the chance that the interval *ever* misses the true rate, over all looks of
  a sequence, stays at or below α (a fixed-n interval looked at 40 times misses far more often).
- Non-inferiority: a canary as good as stable almost never Fails at any look; one much worse almost
  never Passes at any look; with enough sessions each reaches its right verdict.
- Sample-ratio mismatch: a router that splits as asked is almost never flagged at any look; one that
  sends 30 % instead of 20 % is flagged once there are a few thousand sessions.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentops_operator.engine import statistics as stats

ALPHA = 0.05
LOOKS = 40  # a rollout analysed every interval
PER_LOOK = 25  # sessions per arm between two looks
RUNS = 400


def _bernoulli(rng: random.Random, p: float, n: int) -> int:
    return sum(rng.random() < p for _ in range(n))


def _sequence(rng: random.Random, p: float) -> list[tuple[int, int]]:
    """(successes, trials) at each look of one rollout."""
    successes, trials, seen = 0, 0, []
    for _ in range(LOOKS):
        successes += _bernoulli(rng, p, PER_LOOK)
        trials += PER_LOOK
        seen.append((successes, trials))
    return seen


def _binomial_tolerance(rate: float, runs: int) -> float:
    """Three standard errors of a simulated rate: the slack a seeded simulation is allowed."""
    return 3 * math.sqrt(rate * (1 - rate) / runs)


@pytest.mark.parametrize(
    "p", [pytest.param(0.5, id="p=0.5"), pytest.param(0.9, id="p=0.9"), pytest.param(0.98, id="p=0.98")]
)
def test_the_interval_covers_the_true_rate_at_every_look_at_once(p: float) -> None:
    rng = random.Random(1234)
    misses = 0
    naive_misses = 0
    for _ in range(RUNS):
        sequence = _sequence(rng, p)
        intervals = [stats.rate_interval(s, n, ALPHA, planned=LOOKS * PER_LOOK) for s, n in sequence]
        misses += any(not (i.lower <= p <= i.upper) for i in intervals)
        naive = [(s / n, 1.96 * math.sqrt(max(s / n * (1 - s / n), 1e-9) / n)) for s, n in sequence]
        naive_misses += any(abs(m - p) > w for m, w in naive)
    assert misses / RUNS <= ALPHA + _binomial_tolerance(ALPHA, RUNS)
    assert naive_misses / RUNS > 2 * ALPHA  # why it matters: the fixed-n interval, looked at 40 times


@pytest.mark.parametrize(
    ("canary", "stable"), [pytest.param(0.9, 0.9, id="equal"), pytest.param(0.9, 0.95, id="five-points-apart")]
)
def test_the_difference_covers_the_true_difference_at_every_look_at_once(canary: float, stable: float) -> None:
    rng = random.Random(4321)
    misses = 0
    for _ in range(RUNS):
        intervals = [
            stats.difference(c, s, ALPHA, planned=LOOKS * PER_LOOK)
            for c, s in zip(_sequence(rng, canary), _sequence(rng, stable), strict=True)
        ]
        misses += any(not (i.lower <= canary - stable <= i.upper) for i in intervals)
    assert misses / RUNS <= ALPHA + _binomial_tolerance(ALPHA, RUNS)


@pytest.mark.parametrize(
    ("canary", "stable", "never", "finally_"),
    [
        pytest.param(0.95, 0.95, "Fail", "Pass", id="healthy"),
        pytest.param(0.85, 0.95, "Pass", "Fail", id="ten-points-worse"),
    ],
)
def test_non_inferiority_keeps_its_error_rates_over_all_looks(
    canary: float, stable: float, never: str, finally_: str
) -> None:
    rng = random.Random(99)
    wrong, right_at_end = 0, 0
    runs = 200
    for _ in range(runs):
        c, s = _sequence(rng, canary), _sequence(rng, stable)
        verdicts = [
            stats.not_worse(ca, st_, 0.02, ALPHA, planned=LOOKS * PER_LOOK)[0] for ca, st_ in zip(c, s, strict=True)
        ]
        wrong += never in verdicts
        right_at_end += verdicts[-1] == finally_
    assert wrong / runs <= ALPHA + _binomial_tolerance(ALPHA, runs)
    if finally_ == "Fail":
        assert right_at_end / runs >= 0.9  # 1,000 sessions per arm find a 10-point drop
    # A healthy canary needs more sessions to be shown within 2 points; it stays Inconclusive rather than Fail.


def test_a_healthy_canary_passes_once_there_is_enough_evidence() -> None:
    verdict, diff = stats.not_worse((19_000, 20_000), (19_000, 20_000), 0.02, ALPHA, planned=20_000)
    assert verdict == "Pass" and diff.lower > -0.02 and diff.estimate == 0


@pytest.mark.parametrize(
    ("share", "flagged_at_most", "flagged_at_least"),
    [pytest.param(0.2, ALPHA, 0.0, id="as-asked"), pytest.param(0.3, 1.0, 0.95, id="30-instead-of-20")],
)
def test_sample_ratio_mismatch_is_always_valid_and_finds_a_broken_router(
    share: float, flagged_at_most: float, flagged_at_least: float
) -> None:
    rng = random.Random(7)
    runs, flagged = 300, 0
    for _ in range(runs):
        canary = stable = 0
        seen = False
        for _ in range(LOOKS):
            sent = _bernoulli(rng, share, 100)
            canary, stable = canary + sent, stable + 100 - sent
            seen = seen or stats.sample_ratio_mismatch(canary, stable, 0.2, ALPHA)
        flagged += seen
    assert flagged_at_least <= flagged / runs <= flagged_at_most + _binomial_tolerance(ALPHA, runs)


@given(
    successes=st.integers(0, 10_000),
    extra=st.integers(0, 10_000),
    alpha=st.sampled_from([0.01, 0.05, 0.1]),
)
def test_intervals_are_ordered_and_narrow_with_more_data(successes: int, extra: int, alpha: float) -> None:
    trials = successes + extra
    interval = stats.rate_interval(successes, trials, alpha)
    if trials == 0:
        assert (interval.lower, interval.upper) == (0.0, 1.0)
        return
    assert 0.0 <= interval.lower <= interval.estimate <= interval.upper <= 1.0
    wider = stats.rate_interval(successes, trials, alpha / 2)
    assert wider.lower <= interval.lower and wider.upper >= interval.upper  # more confidence, wider
    bigger = stats.rate_interval(successes * 4, trials * 4, alpha)
    assert bigger.upper - bigger.lower <= interval.upper - interval.lower + 1e-12


@given(
    canary=st.tuples(st.integers(0, 500), st.integers(0, 500)),
    stable=st.tuples(st.integers(0, 500), st.integers(0, 500)),
    margin=st.floats(0, 0.2),
)
def test_a_verdict_never_contradicts_its_interval(
    canary: tuple[int, int], stable: tuple[int, int], margin: float
) -> None:
    c, s = (canary[0], canary[0] + canary[1]), (stable[0], stable[0] + stable[1])
    verdict, diff = stats.not_worse(c, s, margin, ALPHA)
    assert (verdict == "Pass") == (diff.lower >= -margin)
    assert (verdict == "Fail") == (diff.upper < -margin)
    _, lower_better = stats.not_worse(c, s, margin, ALPHA, higher_is_better=False)
    assert lower_better.lower == pytest.approx(-diff.upper) and lower_better.upper == pytest.approx(-diff.lower)


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match=r"successes 5 must be within 0\.\.trials"):
        stats.rate_interval(5, 3, ALPHA)


def _costs(rng: random.Random, mean: float, log_sd: float) -> list[tuple[float, float, int]]:
    """(mean, mean of squares, sessions) at each look, of log-normal costs per session."""
    mu = math.log(mean) - log_sd * log_sd / 2
    total = squares = 0.0
    seen = []
    for look in range(1, LOOKS + 1):
        for _ in range(PER_LOOK):
            cost = rng.lognormvariate(mu, log_sd)
            total, squares = total + cost, squares + cost * cost
        seen.append((total / (look * PER_LOOK), squares / (look * PER_LOOK), look * PER_LOOK))
    return seen


@pytest.mark.parametrize("log_sd", [pytest.param(0.8, id="cv-0.95"), pytest.param(1.2, id="cv-1.8-skewed")])
def test_the_cost_ratio_covers_the_true_ratio_at_every_look_at_once(log_sd: float) -> None:
    rng = random.Random(5)
    misses = 0
    for _ in range(RUNS):
        canary, stable = _costs(rng, 0.03, log_sd), _costs(rng, 0.02, log_sd)
        ratios = [stats.mean_ratio(c, s, ALPHA, planned=LOOKS * PER_LOOK) for c, s in zip(canary, stable, strict=True)]
        misses += any(not (r.lower <= 1.5 <= r.upper) for r in ratios)
    assert misses / RUNS <= ALPHA + _binomial_tolerance(ALPHA, RUNS)
