"""Verdicts with statistical confidence that stay honest however often the operator looks.

An analysis looks at a canary every interval; judging each look on its own would sooner or later
abort a good canary or promote a bad one by chance. Everything here is *always valid*: an interval
at confidence 1 − α covers the true value at every look simultaneously with probability ≥ 1 − α,
so the error rates hold for any number of looks and any stopping rule.

Rates (session success, tool failure, guardrail trigger: successes out of trials) use an
*asymptotic confidence sequence*: Robbins' normal-mixture boundary with the variance estimated from
the data, as in Waudby-Smith, Arbour, Sinha, Kennedy and Ramdas, "Time-uniform central limit theory
and asymptotic confidence sequences" (Ann. Statist., 2024), building on Howard, Ramdas, McAuliffe and
Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences" (Ann. Statist. 49(2),
2021). With V_t = t·σ̂²_t and a fixed mixing parameter ρ > 0, the sum S_t of t observations stays
within √((V_t + ρ) · ln((V_t + ρ) / (ρ α²))) of t·μ at every t with probability → 1 − α. The
variance comes from the add-one estimate p̃(1 − p̃), p̃ = (s + 1)/(t + 2), so an arm with no failures
yet is not declared exact. ρ only moves where the boundary is tightest (around the planned sample
size); the guarantee holds for any ρ. The worst-case (Hoeffding) variance 1/4 would be valid at
every sample size but about twice as wide for success rates near 0.95, too wide for real traffic;
the simulations in tests/unit/test_statistics.py check the coverage at the sizes analyses see.

Canary against stable: the difference of the two rates in *information time* — its estimate D_t
with variance v_t = σ̂²_canary/n_canary + σ̂²_stable/n_stable, information I_t = 1/v_t — under the
same normal-mixture boundary, |D_t − Δ| ≤ √((I_t + ρ) · ln((I_t + ρ)/(ρ α²))) / I_t: the mixture
sequential probability ratio test of Johari, Koomen, Pekelis and Walsh, "Always valid inference:
continuous monitoring of A/B tests" (Operations Research 70(3), 2022), whose asymptotic validity with
estimated variances is the result of Waudby-Smith et al. above. (Two per-arm sequences joined by a
union bound would be valid too, but about twice as wide: a 5-point drop would need some 4,000
sessions per arm to show instead of about 1,500.) Non-inferiority with margin δ (the canary may be at
most δ worse): Pass when the whole interval is above −δ, Fail when it is all below −δ, Inconclusive
otherwise. Absolute bounds work the same on one arm's interval.

Means per session (cost per session): the same boundary on the relative scale, with the variance
from the SDK's sum of squares, and canary / stable on the log scale with the delta method's variance
(cv²_canary/n_canary + cv²_stable/n_stable) under the mixture SPRT; bounds are
`maxRatioToStable`/`minRatioToStable` on the ratio. Only the ratio is judged: costs are skewed
(log-normal-like), and a one-arm interval of a skewed mean under-covers at a few hundred sessions
(12 % misses at log-sd 1.2 in the simulation) while the ratio, with both arms skewed alike, keeps its
level (under 2 %).

Sample-ratio mismatch: a sequential test of whether the canary's share of sessions is the weight the
router was asked for — the mixture (Bayes-factor) martingale of a Beta(1, 1) prior against the point
null, which is always valid by Ville's inequality (in the spirit of Lindon and Malek, "Anytime-valid
inference for multinomial count data", NeurIPS 2022). A mismatch means the router does not do what
was asked, so the analysis is Inconclusive rather than evidence. Written here because no maintained
Python library offers confidence sequences without numpy/scipy, which the engine does not need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..api.status import Verdict

VARIANCE_PROXY = 0.25  # the largest variance of an observation in [0, 1]: tunes ρ without looking at data


@dataclass(frozen=True)
class Interval:
    estimate: float
    lower: float
    upper: float

    def __str__(self) -> str:
        return f"{self.estimate:.3g} [{self.lower:.3g}, {self.upper:.3g}]"


def _tuning(alpha: float) -> float:
    log_term = 2 * math.log(1 / alpha)
    return log_term + math.log(1 + log_term)


def mixing(planned: int, alpha: float) -> float:
    """ρ that makes a rate's boundary close to its tightest around `planned` observations (fixed in
    advance: it must not depend on the data)."""
    return VARIANCE_PROXY * max(planned, 1) / _tuning(alpha)


def _radius(variance: float, rho: float, alpha: float) -> float:
    """Robbins' normal-mixture boundary √((V + ρ)·ln((V + ρ)/(ρα²))): how far a sum whose variance is V
    (or a statistic in information units, V = I) may stray, at every look at once."""
    v = variance + rho
    return math.sqrt(v * math.log(v / (rho * alpha * alpha)))


def rate_interval(successes: int, trials: int, alpha: float, planned: int = 1000) -> Interval:
    """The always-valid interval of a rate after `successes` out of `trials` (clipped to [0, 1])."""
    if trials <= 0:
        return Interval(math.nan, 0.0, 1.0)
    if not 0 <= successes <= trials:
        raise ValueError(f"successes {successes} must be within 0..trials ({trials})")
    estimate = successes / trials
    width = _radius(trials * _smoothed_variance(successes, trials), mixing(planned, alpha), alpha) / trials
    return Interval(estimate, max(0.0, estimate - width), min(1.0, estimate + width))


def at_least(interval: Interval, bound: float) -> Verdict:
    """Is the value at least `bound` (`min:`)? Pass when surely, Fail when surely not."""
    if interval.lower >= bound:
        return "Pass"
    if interval.upper < bound:
        return "Fail"
    return "Inconclusive"


def at_most(interval: Interval, bound: float) -> Verdict:
    """Is the value at most `bound` (`max:`)?"""
    if interval.upper <= bound:
        return "Pass"
    if interval.lower > bound:
        return "Fail"
    return "Inconclusive"


def difference(canary: tuple[int, int], stable: tuple[int, int], alpha: float, planned: int = 1000) -> Interval:
    """Canary rate − stable rate, from (successes, trials) per arm, always valid at level α."""
    if canary[1] <= 0 or stable[1] <= 0:
        return Interval(math.nan, -1.0, 1.0)
    for successes, trials in (canary, stable):
        if not 0 <= successes <= trials:
            raise ValueError(f"successes {successes} must be within 0..trials ({trials})")
    variance = sum(_smoothed_variance(s, n) / n for s, n in (canary, stable))
    information = 1 / variance
    # ρ in information units, fixed in advance: the information of `planned` sessions per arm at the
    # largest variance, over the tuning term
    rho = max(planned, 1) / (2 * VARIANCE_PROXY) / _tuning(alpha)
    width = _radius(information, rho, alpha) / information
    estimate = canary[0] / canary[1] - stable[0] / stable[1]
    return Interval(estimate, max(-1.0, estimate - width), min(1.0, estimate + width))


def _smoothed_variance(successes: int, trials: int) -> float:
    """p̃(1 − p̃) with p̃ = (s + 1)/(t + 2): an arm without failures yet is not taken as exact."""
    smoothed = (successes + 1) / (trials + 2)
    return smoothed * (1 - smoothed)


def not_worse(
    canary: tuple[int, int],
    stable: tuple[int, int],
    margin: float,
    alpha: float,
    higher_is_better: bool = True,
    planned: int = 1000,
) -> tuple[Verdict, Interval]:
    """Non-inferiority: is the canary at most `margin` worse than stable? (For a rate where lower is
    better, such as tool failures, worse means higher.)"""
    diff = difference(canary, stable, alpha, planned)
    if not higher_is_better:
        diff = Interval(-diff.estimate, -diff.upper, -diff.lower)
    return at_least(diff, -margin), diff


def mean_interval(mean: float, second_moment: float, count: int, alpha: float, planned: int = 1000) -> Interval:
    """The always-valid interval of a per-session mean (cost per session) from its mean, its mean of
    squares and the session count. Worked on the relative scale (the squared coefficient of
    variation, cv² = variance / mean²), so the mixing parameter can be fixed in advance without
    knowing the unit: ρ assumes cv² = 1 at the planned size."""
    if count <= 0 or mean <= 0:
        return Interval(mean if count > 0 else math.nan, 0.0, math.inf)
    cv2 = _relative_variance(mean, second_moment, count)
    relative = _radius(count * cv2, max(planned, 1) / _tuning(alpha), alpha) / count
    return Interval(mean, max(0.0, mean * (1 - relative)), mean * (1 + relative))


def mean_ratio(
    canary: tuple[float, float, int], stable: tuple[float, float, int], alpha: float, planned: int = 1000
) -> Interval:
    """Canary mean / stable mean, from (mean, mean of squares, sessions) per arm, always valid at
    level α: the mixture SPRT on the log of the ratio, whose variance by the delta method is
    cv²_canary / n_canary + cv²_stable / n_stable."""
    (c_mean, c_m2, c_n), (s_mean, s_m2, s_n) = canary, stable
    if min(c_n, s_n) <= 0 or min(c_mean, s_mean) <= 0:
        return Interval(math.nan, 0.0, math.inf)
    variance = _relative_variance(c_mean, c_m2, c_n) / c_n + _relative_variance(s_mean, s_m2, s_n) / s_n
    information = 1 / variance
    rho = max(planned, 1) / 2 / _tuning(alpha)  # the information of `planned` sessions per arm at cv² = 1
    width = _radius(information, rho, alpha) / information
    log_ratio = math.log(c_mean / s_mean)
    return Interval(math.exp(log_ratio), math.exp(log_ratio - width), math.exp(log_ratio + width))


def _relative_variance(mean: float, second_moment: float, count: int) -> float:
    """cv² of one session's value, with a floor of 1/count: a handful of equal costs is no proof of
    no variance."""
    return max((second_moment - mean * mean) / (mean * mean), 1 / max(count, 1))


def sample_ratio_mismatch(canary_sessions: int, stable_sessions: int, canary_weight: float, alpha: float) -> bool:
    """Whether the canary's share of sessions is, beyond chance at every look, not `canary_weight`."""
    if not 0 < canary_weight < 1:
        return False  # all traffic on one arm: there is no ratio to check
    n_c, n_s = canary_sessions, stable_sessions
    # ln of the Beta(1, 1)-mixture likelihood over the null's likelihood: ln B(1 + n_c, 1 + n_s) − ln B(1, 1)
    mixture = math.lgamma(1 + n_c) + math.lgamma(1 + n_s) - math.lgamma(2 + n_c + n_s)
    null = n_c * math.log(canary_weight) + n_s * math.log(1 - canary_weight)
    return mixture - null >= math.log(1 / alpha)
