"""How often canary analysis is right, by seeded simulation: the always-valid non-inferiority
verdict (engine/statistics.py) against the point-threshold rule, on the same simulated rollouts.

A rollout is analysed every interval; each look adds `traffic` sessions per arm. Rows: 25, 100 and
400 sessions per look over 20 looks (`--looks`), and 25 per look over 160 looks (a rollout of over an
hour analysed every 30 s: frequent looks, so sessions to detect are not rounded up to a coarse
look). The Sequential rule is tuned as the operator tunes it (engine/sequential.py). Two
signals: session success (stable 0.95; a healthy canary 0.95, a degraded one 0.90, a 5-point drop;
margin 2 points) and cost per session (log-normal, log-sd 0.8; stable $0.02, a healthy canary $0.02, a
degraded one $0.03, a 1.5× rise; bound: at most 1.2× stable).

- Threshold rule (the operator's point comparison): a look fails when the canary's value over the
  look's own window (the interval) is past the bound; `failureLimit` (2) failed looks in a row abort.
  It promotes when the rollout ends without an abort.
- Sequential rule: a look's verdict is Pass, Fail or Inconclusive from the confidence sequence; the
  first Fail aborts; it promotes only when the last look is Pass (otherwise the rollout is held
  Inconclusive for a person, which is neither an abort nor a promotion).

Printed per rule and traffic level: false aborts of healthy rollouts, promotions of healthy ones,
detection of the degraded canary (aborted), false promotions of it, and the median canary sessions
at detection; and the per-arm size a fixed-sample test needs for the same drop (one-sided α = 0.05,
power 0.95), which the median should not exceed. Pure and seeded: the same numbers on every run.

    .venv/bin/python benchmarks/analysis_power.py [--rollouts 1000] [--looks 20]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics as stdlib_statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "operator"))

from agentops_operator.engine import statistics
from agentops_operator.engine.sequential import PLANNED_SESSIONS

STABLE, HEALTHY, DEGRADED = 0.95, 0.95, 0.90
MARGIN, ALPHA, FAILURE_LIMIT = 0.02, 0.05, 2
STABLE_COST, LOG_SD, MAX_COST_RATIO = 0.02, 0.8, 1.2
SIGNALS = {"success": (HEALTHY, DEGRADED), "cost": (STABLE_COST, STABLE_COST * 1.5)}


def binomial(rng: random.Random, n: int, p: float) -> int:
    """An exact Binomial(n, p) draw in O(n·min(p, 1 − p)): jumps from one rare outcome to the next."""
    if p > 0.5:
        return n - binomial(rng, n, 1 - p)
    if p <= 0:
        return 0
    count, position, log_q = 0, 0, math.log(1 - p)
    while True:
        position += int(math.log(1 - rng.random()) / log_q) + 1
        if position > n:
            return count
        count += 1


class Arm:
    """One arm's sessions: all of them since the rollout began, and the current look's."""

    def __init__(self) -> None:
        self.successes = self.trials = 0
        self.total = self.squares = 0.0
        self.look_successes = self.look_trials = 0
        self.look_total = 0.0

    def add_successes(self, successes: int, trials: int) -> None:
        self.successes, self.trials = self.successes + successes, self.trials + trials
        self.look_successes, self.look_trials = successes, trials

    def add_costs(self, costs: list[float]) -> None:
        self.total += sum(costs)
        self.squares += sum(c * c for c in costs)
        self.trials += len(costs)
        self.look_total, self.look_trials = sum(costs), len(costs)

    def moments(self) -> tuple[float, float, int]:
        return self.total / self.trials, self.squares / self.trials, self.trials


def _look(rng: random.Random, signal: str, rate: float, traffic: int, canary: Arm, stable: Arm) -> None:
    if signal == "success":
        canary.add_successes(binomial(rng, traffic, rate), traffic)
        stable.add_successes(binomial(rng, traffic, STABLE), traffic)
        return
    for arm, mean in ((canary, rate), (stable, STABLE_COST)):
        mu = math.log(mean) - LOG_SD * LOG_SD / 2
        arm.add_costs([rng.lognormvariate(mu, LOG_SD) for _ in range(traffic)])


def _threshold_fails(signal: str, canary: Arm, stable: Arm) -> bool:
    if signal == "success":
        return canary.look_successes / canary.look_trials < stable.look_successes / stable.look_trials - MARGIN
    return canary.look_total / stable.look_total > MAX_COST_RATIO


def _sequential(signal: str, canary: Arm, stable: Arm) -> str:
    if signal == "success":
        pair = ((canary.successes, canary.trials), (stable.successes, stable.trials))
        return statistics.not_worse(*pair, MARGIN, ALPHA, planned=PLANNED_SESSIONS)[0]
    ratio = statistics.mean_ratio(canary.moments(), stable.moments(), ALPHA, planned=PLANNED_SESSIONS)
    return statistics.at_most(ratio, MAX_COST_RATIO)


def rollout(rng: random.Random, signal: str, rate: float, traffic: int, looks: int) -> dict[str, tuple[str, int]]:
    """Each rule's outcome (aborted | promoted | held) and the canary sessions when it was decided."""
    canary, stable = Arm(), Arm()
    threshold_fails, last = 0, "Inconclusive"
    outcome: dict[str, tuple[str, int]] = {}
    for _ in range(looks):
        _look(rng, signal, rate, traffic, canary, stable)
        if "threshold" not in outcome:
            threshold_fails = threshold_fails + 1 if _threshold_fails(signal, canary, stable) else 0
            if threshold_fails >= FAILURE_LIMIT:
                outcome["threshold"] = ("aborted", canary.trials)
        if "sequential" not in outcome:
            last = _sequential(signal, canary, stable)
            if last == "Fail":
                outcome["sequential"] = ("aborted", canary.trials)
    outcome.setdefault("threshold", ("promoted", canary.trials))
    outcome.setdefault("sequential", ("promoted" if last == "Pass" else "held", canary.trials))
    return outcome


def fixed_sample_size(p1: float, p2: float, alpha: float = ALPHA, power: float = 0.95) -> int:
    """Per-arm n of a one-sided two-proportion z-test of non-inferiority (margin MARGIN) that
    detects p1 → p2 with the given power."""
    normal = stdlib_statistics.NormalDist()
    z_a, z_b = normal.inv_cdf(1 - alpha), normal.inv_cdf(power)
    variance = p1 * (1 - p1) + p2 * (1 - p2)
    return math.ceil(variance * ((z_a + z_b) / (p1 - p2 - MARGIN)) ** 2)


def fixed_cost_sample_size(alpha: float = ALPHA, power: float = 0.95) -> int:
    """Per-arm n of a one-sided z-test on the log of the cost ratio (delta method) that tells a 1.5×
    rise from the 1.2× bound with the given power."""
    normal = stdlib_statistics.NormalDist()
    z_a, z_b = normal.inv_cdf(1 - alpha), normal.inv_cdf(power)
    cv2 = math.exp(LOG_SD * LOG_SD) - 1
    return math.ceil(2 * cv2 * ((z_a + z_b) / (math.log(1.5) - math.log(MAX_COST_RATIO))) ** 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rollouts", type=int, default=1000)
    parser.add_argument("--looks", type=int, default=20)
    args = parser.parse_args()
    print(f"{args.rollouts} rollouts per row, alpha {ALPHA}")
    print(f"fixed-sample test, success 0.95 -> 0.90 (margin {MARGIN}): {fixed_sample_size(STABLE, DEGRADED)} per arm")
    print(f"fixed-sample test, cost 1.5x (bound {MAX_COST_RATIO}x): {fixed_cost_sample_size()} per arm")
    header = f"{'signal':<8}{'rule':<11}{'sessions/look':>14}{'looks':>6}{'false abort':>13}{'healthy promoted':>18}"
    print(header + f"{'detected':>10}{'false promote':>15}{'median to detect':>18}")
    for signal, (healthy_value, degraded_value) in SIGNALS.items():
        for traffic, looks in ((25, args.looks), (100, args.looks), (400, args.looks), (25, 160)):
            rng = random.Random(traffic * looks)
            healthy = [rollout(rng, signal, healthy_value, traffic, looks) for _ in range(args.rollouts)]
            degraded = [rollout(rng, signal, degraded_value, traffic, looks) for _ in range(args.rollouts)]
            for rule in ("threshold", "sequential"):
                _row(signal, rule, (traffic, looks), healthy, degraded, args.rollouts)


def _row(signal: str, rule: str, shape: tuple[int, int], healthy: list[Any], degraded: list[Any], runs: int) -> None:
    aborted = sum(r[rule][0] == "aborted" for r in healthy) / runs
    promoted = sum(r[rule][0] == "promoted" for r in healthy) / runs
    caught = [r[rule][1] for r in degraded if r[rule][0] == "aborted"]
    false_promote = sum(r[rule][0] == "promoted" for r in degraded) / runs
    median = f"{stdlib_statistics.median(caught):.0f}" if caught else "-"
    print(
        f"{signal:<8}{rule:<11}{shape[0]:>14}{shape[1]:>6}{aborted:>13.1%}{promoted:>18.1%}{len(caught) / runs:>10.1%}"
        f"{false_promote:>15.1%}{median:>18}"
    )


if __name__ == "__main__":
    main()
