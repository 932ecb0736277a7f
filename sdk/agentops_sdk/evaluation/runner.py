"""Run a suite: call the agent once per case (`parallelism` at a time, `timeoutSeconds` each), score
each reply, and count. The runner reports raw results — per case outcome, scores, latency, cost,
error — and never a verdict: whether a revision passes is the operator's decision, made from these
counts (a Wilson bound on the pass rate), so one rule judges every suite.

A case passes when every scorer that applies passes, fails when one fails, and is an error when the
agent did not answer usably or a scorer could not judge: errors never count as failures. After
`maxErrors` errors no new case starts (a broken agent or judge need not be called a thousand times).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import httpx

from .cases import Case
from .scorers import ScoringError
from .suite import Suite
from .target import CallError

Outcome = Literal["passed", "failed", "error"]
WORST_FIRST: dict[str, int] = {"failed": 0, "error": 1, "passed": 2}


@dataclass(frozen=True)
class ScoreRecord:
    scorer: str
    passed: bool | None  # None: the scorer could not judge (see detail)
    detail: str


@dataclass(frozen=True)
class CaseResult:
    id: str
    outcome: Outcome
    scores: tuple[ScoreRecord, ...] = ()
    latency_s: float | None = None
    cost_usd: float | None = None
    error: str | None = None
    answer: str | None = None  # the first 500 characters, for the report

    @property
    def problems(self) -> list[str]:
        """What each scorer that did not pass said ("contains: missing ['30 days']")."""
        return [f"{s.scorer}: {s.detail}" for s in self.scores if s.passed is not True]


@dataclass
class SuiteResult:
    suite: str
    cases: list[CaseResult] = field(default_factory=list)
    not_run: int = 0  # cases left out after maxErrors
    seconds: float = 0.0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for c in self.cases if c.outcome == outcome)

    def worst_first(self) -> list[CaseResult]:
        """Failures, then errors, then passes: what a truncated view must show first."""
        return sorted(self.cases, key=lambda c: WORST_FIRST[c.outcome])

    @property
    def pass_rate(self) -> float | None:
        """Passed out of passed + failed (errors are neither); None when no case was judged."""
        judged = self.count("passed") + self.count("failed")
        return self.count("passed") / judged if judged else None


def run_suite(suite: Suite, client: httpx.Client | None = None) -> SuiteResult:
    started, errors, lock = time.monotonic(), [0], threading.Lock()
    own = client is None
    client = client or httpx.Client()

    def run(case: Case) -> CaseResult | None:
        with lock:
            if suite.max_errors is not None and errors[0] >= suite.max_errors:
                return None
        result = run_case(suite, case, client)
        if result.outcome == "error":
            with lock:
                errors[0] += 1
        return result

    try:
        with ThreadPoolExecutor(max_workers=suite.parallelism, thread_name_prefix="agentops-eval") as pool:
            results = list(pool.map(run, suite.cases))
    finally:
        if own:
            client.close()
    done = [r for r in results if r is not None]
    return SuiteResult(suite.name, done, len(results) - len(done), time.monotonic() - started)


def run_case(suite: Suite, case: Case, client: httpx.Client) -> CaseResult:
    try:
        reply = suite.target.call(client, case, suite.timeout_seconds)
    except CallError as unanswered:
        return CaseResult(case.id, "error", error=str(unanswered))
    records = []
    for scorer in suite.scorers:
        try:
            score = scorer.score(case, reply)
        except ScoringError as unjudged:
            records.append(ScoreRecord(scorer.name, None, str(unjudged)))
            continue
        if score is not None:
            records.append(ScoreRecord(scorer.name, score.passed, score.detail))
    broken = [r for r in records if r.passed is None]
    if broken:
        outcome: Outcome = "error"
        error: str | None = f"{broken[0].scorer}: {broken[0].detail}"
    elif not records:
        outcome, error = "error", "no scorer applies to this case: give it expected, contains, regex, tools or criteria"
    else:
        outcome, error = ("passed" if all(r.passed for r in records) else "failed"), None
    return CaseResult(case.id, outcome, tuple(records), reply.latency_s, reply.cost_usd, error, reply.text[:500])
