"""The evaluation gate: a new revision gets no traffic — live or mirrored — until every suite of
`spec.evaluation` has passed against it. Pure: from the spec, the status, the observed runs and `now`.

Each suite runs once the revision's Deployment is available (its Pods must answer). A run's verdict
is the operator's (written on its AgentEvaluation, engine/evaluation_verdict.py). Pass on every suite
opens the gate: the revision goes on to its rollout steps, or straight to serving. A Fail closes it
for good: the revision is Failed (EvaluationFailed), traffic stays where it is and nothing is rolled
back, because nothing was served. Inconclusive runs again, up to `maxAttempts`, then the rollout
pauses (EvaluationInconclusive) for a person. A run that never reports (the runner crashed, its Job
hit its deadline) is Inconclusive after the deadline and a minute's grace.
"""

from __future__ import annotations

from dataclasses import dataclass

from cronsim import CronSim

from ..api.evaluation import EvaluationGate, EvaluationVerdict, SuiteRun
from ..api.spec import AgentDeploymentSpec
from ..api.status import AgentDeploymentStatus
from ..api.vocabulary import EventType, Reason, StepKind
from .clock import parse_time, seconds_between
from .decisions import Event, Observation
from .evaluation_objects import run_name
from .steps import expand

GRACE_SECONDS = 60  # after the Job's deadline, before a silent run counts as Inconclusive
FINAL = ("Pass", "Fail")


@dataclass(frozen=True, kw_only=True)
class GatePhase:
    """The latest revision's evaluation after this look."""

    open: bool  # it may get traffic: no gate, or every suite passed
    runs: list[SuiteRun]  # status.evaluation
    started: list[SuiteRun]  # runs to create now (their AgentEvaluation and Job)
    failed: SuiteRun | None = None  # a suite that failed: the revision never serves
    exhausted: SuiteRun | None = None  # a suite Inconclusive maxAttempts times: a person decides
    events: tuple[Event, ...] = ()
    regression: float | None = None  # 1: the serving revision's last scheduled run failed; None: none finished
    step_verdict: tuple[str, str] | None = None  # (verdict, why) of the current evaluate step's run, once final

    @property
    def running(self) -> list[str]:
        return [r.run for r in self.runs if r.verdict is None]


def gate(
    spec: AgentDeploymentSpec, status: AgentDeploymentStatus, observation: Observation, latest: str, now: str
) -> GatePhase:
    evaluation = spec.evaluation
    serving = status.stable_revision.hash if status.stable_revision else None
    if evaluation is None:
        return GatePhase(open=True, runs=[], started=[])
    if latest == serving:
        return _reevaluate(evaluation, status, observation, latest, now)
    before = {(r.suite, r.step): r for r in status.evaluation if r.revision == latest}
    workload = observation.workloads.get(latest)
    available = workload is not None and workload.available
    runs, started, events = [], [], []
    for suite in (s for s in evaluation.suites if s.before_traffic):
        run = before.get((suite.name, None))
        if run is None and available:
            run = _start(observation, latest, suite.name, 1, now)
            started.append(run)
        elif run is not None and run.verdict is None:
            run, news = _follow(evaluation, observation, run, now, started)
            events += news
        if run is not None:
            runs.append(run)
    verdicts = {r.suite: r.verdict for r in runs}
    failed = next((r for r in runs if r.verdict == "Fail"), None)
    exhausted = next((r for r in runs if r.verdict == "Inconclusive"), None)
    gating = [s.name for s in evaluation.suites if s.before_traffic]
    opened = all(verdicts.get(name) == "Pass" for name in gating)
    if opened and gating and any((before.get((n, None)) or runs[0]).verdict is None for n in gating):
        events.append(
            Event(EventType.NORMAL, Reason.EVALUATION_PASSED, f"revision {latest} passed {', '.join(gating)}")
        )
    step_runs = [r for key, r in sorted(before.items(), key=str) if key[1] is not None]
    step_verdict = None
    if opened:
        step_runs, step_verdict, news = _step_run(spec, status, observation, latest, step_runs, now, started)
        events += news
    return GatePhase(
        open=opened,
        runs=[*runs, *step_runs],
        started=started,
        failed=failed,
        exhausted=exhausted,
        events=tuple(events),
        step_verdict=step_verdict,
    )


def _follow(
    evaluation: EvaluationGate, observation: Observation, run: SuiteRun, now: str, started: list[SuiteRun]
) -> tuple[SuiteRun, list[Event]]:
    """A running run looked at; a next attempt it makes is added to `started`."""
    looked, news = _look(evaluation, observation, run, now)
    if looked.verdict is None and looked.run != run.run:
        started.append(looked)
    return looked, news


def _step_run(
    spec: AgentDeploymentSpec,
    status: AgentDeploymentStatus,
    observation: Observation,
    latest: str,
    step_runs: list[SuiteRun],
    now: str,
    started: list[SuiteRun],
) -> tuple[list[SuiteRun], tuple[str, str] | None, list[Event]]:
    """The run of the evaluate step the rollout is at (started once the step has begun): the step
    runs, its final (verdict, why) for the rollout, and Events."""
    ro, evaluation = status.rollout, spec.evaluation
    if spec.rollout is None or evaluation is None or ro is None or ro.revision != latest or ro.aborted_at:
        return step_runs, None, []
    plan = expand(spec.rollout.steps)
    step = plan[ro.step_index] if ro.step_index < len(plan) and ro.step_started_at else None
    if step is None or step.kind != StepKind.EVALUATE or step.suite is None:
        return step_runs, None, []
    current = next((r for r in step_runs if r.step == ro.step_index and r.suite == step.suite), None)
    news: list[Event] = []
    if current is None:
        current = _start(observation, latest, step.suite, 1, now, step=ro.step_index)
        started.append(current)
    elif current.verdict is None:
        current, news = _follow(evaluation, observation, current, now, started)
    others = [r for r in step_runs if (r.step, r.suite) != (ro.step_index, step.suite)]
    final = (current.verdict, current.reason or "") if current.verdict is not None else None
    return [*others, current], final, news


def _reevaluate(
    evaluation: EvaluationGate, status: AgentDeploymentStatus, observation: Observation, latest: str, now: str
) -> GatePhase:
    """The serving revision: runs in flight followed, and the suites run again when the schedule says."""
    runs: list[SuiteRun] = []
    started: list[SuiteRun] = []
    events: list[Event] = []
    for run in (r for r in status.evaluation if r.revision == latest):
        if run.verdict is None:
            looked, news = _look(evaluation, observation, run, now)
            if looked.verdict is None and looked.run != run.run:
                started.append(looked)
            run, events = looked, events + news
        runs.append(run)
    finished = [r for r in runs if r.scheduled and r.verdict is not None]
    regression = (1.0 if any(r.verdict == "Fail" for r in finished) else 0.0) if finished else None
    if evaluation.schedule and all(r.verdict is not None for r in runs) and _due(evaluation.schedule, runs, now):
        runs = [_start(observation, latest, s.name, 1, now, scheduled=True) for s in evaluation.suites]
        started += runs
    return GatePhase(open=True, runs=runs, started=started, events=tuple(events), regression=regression)


def _due(schedule: str, runs: list[SuiteRun], now: str) -> bool:
    """Whether the schedule fired since the last run (at once when the serving revision has none)."""
    if not runs:
        return True
    last = max(parse_time(r.started_at) for r in runs)
    return next(CronSim(schedule, last)) <= parse_time(now)


def _start(
    observation: Observation,
    revision: str,
    suite: str,
    attempt: int,
    now: str,
    scheduled: bool = False,
    step: int | None = None,
) -> SuiteRun:
    # each scheduled round and each evaluate step gets runs of its own
    digest_of = f"{suite}@{now}" if scheduled else suite if step is None else f"{suite}#step{step}"
    name = run_name(observation.identity, revision, digest_of, attempt)
    return SuiteRun(
        suite=suite, revision=revision, attempt=attempt, run=name, started_at=now, scheduled=scheduled, step=step
    )


def _look(gate_spec: EvaluationGate, observation: Observation, run: SuiteRun, now: str) -> tuple[SuiteRun, list[Event]]:
    """A running run, as its AgentEvaluation's verdict (or its silence) leaves it."""
    seen = observation.evaluations.get(run.run)
    verdict: EvaluationVerdict
    if seen is not None and seen.verdict is not None:
        verdict, reason, pass_rate = seen.verdict, seen.reason or "", seen.pass_rate
    elif seconds_between(run.started_at, now) > gate_spec.runner.deadline_seconds + GRACE_SECONDS:
        verdict, pass_rate = "Inconclusive", None
        reason = (
            f"the runner did not report within {gate_spec.runner.deadline_seconds} s (it crashed, or its Job hit "
            f"its deadline): see the logs of Job {run.run}"
        )
    else:
        return run, []
    said = f"suite {run.suite} on revision {run.revision} (run {run.attempt}): {reason}"
    if verdict == "Inconclusive" and run.attempt < gate_spec.max_attempts:
        again = _start(observation, run.revision, run.suite, run.attempt + 1, now, run.scheduled, run.step)
        note = Event(EventType.WARNING, Reason.EVALUATION_INCONCLUSIVE, f"{said}; running it again")
        return again, [note]
    done = run.model_copy(update={"verdict": verdict, "reason": reason, "pass_rate": pass_rate})
    if verdict == "Pass":
        return done, []
    kind = Reason.EVALUATION_FAILED if verdict == "Fail" else Reason.EVALUATION_INCONCLUSIVE
    return done, [Event(EventType.WARNING, kind, said)]
