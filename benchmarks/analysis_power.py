"""How often canary analysis is right, by seeded simulation: the always-valid non-inferiority
verdict (engine/statistics.py) against the point-threshold rule, on the same simulated rollouts.

A rollout is analysed every interval (LOOKS looks); each look adds `traffic` sessions per arm. Stable
succeeds with 0.95. A healthy canary succeeds with 0.95 too; a degraded one with 0.90 (a 5-point
drop). The margin is 2 points.

- Threshold rule (the operator's point comparison today): a look fails when the canary's success
  rate so far is below stable's minus the margin; `failureLimit` (2) failed looks in a row abort.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "operator"))

from agentops_operator.engine import statistics

STABLE, HEALTHY, DEGRADED = 0.95, 0.95, 0.90
MARGIN, ALPHA, FAILURE_LIMIT = 0.02, 0.05, 2


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


def rollout(rng: random.Random, canary_rate: float, traffic: int, looks: int) -> dict[str, tuple[str, int]]:
    """Each rule's outcome (aborted | promoted | held) and the canary sessions when it was decided."""
    canary = stable = (0, 0)
    threshold_fails, last = 0, "Inconclusive"
    outcome: dict[str, tuple[str, int]] = {}
    for _ in range(looks):
        canary = (canary[0] + binomial(rng, traffic, canary_rate), canary[1] + traffic)
        stable = (stable[0] + binomial(rng, traffic, STABLE), stable[1] + traffic)
        if "threshold" not in outcome:
            below = canary[0] / canary[1] < stable[0] / stable[1] - MARGIN
            threshold_fails = threshold_fails + 1 if below else 0
            if threshold_fails >= FAILURE_LIMIT:
                outcome["threshold"] = ("aborted", canary[1])
        if "sequential" not in outcome:
            verdict, _ = statistics.not_worse(canary, stable, MARGIN, ALPHA, planned=traffic * looks)
            if verdict == "Fail":
                outcome["sequential"] = ("aborted", canary[1])
            last = verdict
    outcome.setdefault("threshold", ("promoted", canary[1]))
    outcome.setdefault("sequential", ("promoted" if last == "Pass" else "held", canary[1]))
    return outcome


def fixed_sample_size(p1: float, p2: float, alpha: float = ALPHA, power: float = 0.95) -> int:
    """Per-arm n of a one-sided two-proportion z-test of non-inferiority (margin MARGIN) that
    detects p1 → p2 with the given power."""
    normal = stdlib_statistics.NormalDist()
    z_a, z_b = normal.inv_cdf(1 - alpha), normal.inv_cdf(power)
    variance = p1 * (1 - p1) + p2 * (1 - p2)
    return math.ceil(variance * ((z_a + z_b) / (p1 - p2 - MARGIN)) ** 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rollouts", type=int, default=1000)
    parser.add_argument("--looks", type=int, default=20)
    args = parser.parse_args()
    print(f"{args.rollouts} rollouts per row, {args.looks} looks each, margin {MARGIN}, alpha {ALPHA}")
    print(f"fixed-sample test for 0.95 -> 0.90: {fixed_sample_size(STABLE, DEGRADED)} sessions per arm")
    header = f"{'rule':<11}{'sessions/look':>14}{'false abort':>13}{'healthy promoted':>18}"
    print(header + f"{'detected':>10}{'false promote':>15}{'median to detect':>18}")
    for traffic in (25, 100, 400):
        rng = random.Random(traffic)
        healthy = [rollout(rng, HEALTHY, traffic, args.looks) for _ in range(args.rollouts)]
        degraded = [rollout(rng, DEGRADED, traffic, args.looks) for _ in range(args.rollouts)]
        for rule in ("threshold", "sequential"):
            aborted = sum(r[rule][0] == "aborted" for r in healthy) / args.rollouts
            promoted = sum(r[rule][0] == "promoted" for r in healthy) / args.rollouts
            caught = [r[rule][1] for r in degraded if r[rule][0] == "aborted"]
            detected = len(caught) / args.rollouts
            false_promote = sum(r[rule][0] == "promoted" for r in degraded) / args.rollouts
            median = f"{stdlib_statistics.median(caught):.0f}" if caught else "-"
            print(
                f"{rule:<11}{traffic:>14}{aborted:>13.1%}{promoted:>18.1%}{detected:>10.1%}{false_promote:>15.1%}"
                f"{median:>18}"
            )


if __name__ == "__main__":
    main()
