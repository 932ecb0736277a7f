"""Unit: the evaluation gate through `decide`, on the fake cluster. A new revision (the first one
too) gets no traffic until every suite passed; a Fail keeps it out for good, nothing rolled back;
Inconclusive runs again up to maxAttempts, then pauses; a runner that never reports is Inconclusive."""

from __future__ import annotations

from typing import Any

import pytest

from agentops_operator.api.spec import AgentDeploymentSpec
from tests.unit.world import BASE, World, condition, gated, judge


def runs(world: World) -> dict[str, Any]:
    return {r.suite: r for r in world.status.evaluation}


def started(world: World, kind: str) -> list[dict[str, Any]]:
    return [m for m in world.others if m["kind"] == kind]


def test_the_first_revision_serves_only_after_every_suite_passed() -> None:
    world = World(gated())
    world.tick()  # v1's Deployment is created
    world.tick()  # available: its suites start
    assert world.status.stable_revision is None and "support-agent" not in world.services
    assert [j["spec"]["template"]["spec"]["containers"][0]["args"] for j in started(world, "Job")] == [
        ["--agentevaluation", f"default/{r.run}"] for r in world.status.evaluation
    ]
    assert condition(world, "Ready") == ("False", "Evaluating")
    assert condition(world, "Progressing") == ("True", "Evaluating")
    judge(world, "Pass", "basics")
    world.tick(5)
    assert world.status.stable_revision is None  # one suite still running
    judge(world, "Pass", "tone")
    decision = world.tick(5)
    assert world.stable_number() == 1 and "support-agent" in world.services
    assert "EvaluationPassed" in [e.reason for e in decision.events]
    assert condition(world, "Ready") == ("True", "RevisionAvailable")


def test_the_runner_may_touch_exactly_its_runs_and_datasets() -> None:
    world = World(gated())
    world.tick(), world.tick()
    role = started(world, "Role")[-1]
    names = sorted(r.run for r in world.status.evaluation)
    assert role["rules"] == [
        {"apiGroups": ["agentops.dev"], "resources": ["agentevaluations"], "verbs": ["get"], "resourceNames": names},
        {"apiGroups": ["agentops.dev"], "resources": ["agentevaluations/status"], "verbs": ["patch"],
         "resourceNames": names},
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"], "resourceNames": ["cases"]},
    ]  # fmt: skip
    job = started(world, "Job")[0]["spec"]["template"]["spec"]
    assert job["serviceAccountName"] == "support-agent-eval"
    assert job["containers"][0]["env"] == [
        {"name": "JUDGE", "valueFrom": {"secretKeyRef": {"name": "judge", "key": "key"}}}
    ]
    evaluation = started(world, "AgentEvaluation")[0]["spec"]["suite"]
    assert evaluation["target"] == {
        "openai": {"model": "gpt-4o-mini"},
        "url": "http://support-agent-eval.default.svc:8080",
    }


def test_a_failed_suite_keeps_the_new_revision_out_and_rolls_nothing_back() -> None:
    world = World(gated([{"canary": {"weight": 20, "durationSeconds": 60}}]))
    world.tick(), world.tick()
    judge(world, "Pass", "basics", "tone")
    world.tick()
    assert world.stable_number() == 1
    world.prompt = "v2"
    world.tick(), world.tick()
    v2 = world.status.latest_revision.hash if world.status.latest_revision else ""
    assert {r.revision for r in world.status.evaluation} == {v2}
    judge(
        world,
        "Fail",
        "basics",
        reason="pass rate 0.33 [0.19, 0.51] over 30 cases (0 errors), required 0.9 at 95% → Fail",
    )
    decision = world.tick()
    assert world.stable_number() == 1 and world.traffic == (0, 0)
    assert set(world.weights_seen) == {0}  # v2 never had a share of live (or mirrored) traffic
    assert world.workloads[v2].replicas == 0  # it will never serve
    assert condition(world, "Degraded") == ("True", "EvaluationFailed")
    degraded = next(c for c in world.status.conditions if c.type == "Degraded")
    assert "failed evaluation suite basics: pass rate 0.33 [0.19, 0.51]" in degraded.message
    assert [e.reason for e in decision.events] == ["EvaluationFailed"]


@pytest.mark.parametrize(
    "silence",
    [pytest.param(False, id="inconclusive-verdicts"), pytest.param(True, id="a-runner-that-never-reports")],
)
def test_inconclusive_runs_again_then_pauses(silence: bool) -> None:
    world = World(gated())
    world.tick(), world.tick()
    first = runs(world)["basics"].run
    judge(world, "Pass", "tone")
    if silence:
        world.tick(300 + 61)  # past the Job's deadline and the grace
    else:
        judge(world, "Inconclusive", "basics")
        world.tick(5)
    second = runs(world)["basics"]
    assert (second.attempt, second.verdict) == (2, None) and second.run != first
    assert [j["metadata"]["name"] for j in started(world, "Job")][-1] == second.run
    if silence:
        world.tick(300 + 61)
    else:
        judge(world, "Inconclusive", "basics")
        world.tick(5)
    assert runs(world)["basics"].verdict == "Inconclusive"
    assert condition(world, "Paused") == ("True", "EvaluationInconclusive")
    assert world.status.stable_revision is None


def test_without_a_gate_nothing_changes() -> None:
    world = World(AgentDeploymentSpec.model_validate(BASE))
    world.tick(), world.tick()
    assert world.stable_number() == 1 and world.others == [] and world.status.evaluation == []


def test_a_passed_revision_goes_on_to_its_canary_steps() -> None:
    world = World(gated([{"canary": {"weight": 20, "durationSeconds": 60}}]))
    world.tick(), world.tick()
    judge(world, "Pass", "basics", "tone")
    world.tick()
    world.prompt = "v2"
    world.tick(), world.tick()
    assert set(world.weights_seen) == {0}  # under evaluation
    judge(world, "Pass", "basics", "tone")
    world.tick(), world.tick(1)
    assert world.traffic[0] == 20 and world.status.rollout is not None


def test_a_scheduled_run_that_fails_opens_an_evaluation_regression_incident_until_one_passes() -> None:
    world = World(gated())
    world.spec = world.spec.model_copy(
        update={"evaluation": world.spec.evaluation.model_copy(update={"schedule": "0 * * * *"})}  # type: ignore[union-attr]
    )
    world.tick(), world.tick()
    judge(world, "Pass", "basics", "tone")
    world.tick(1)
    assert world.stable_number() == 1 and all(not r.scheduled for r in world.status.evaluation)
    jobs = len(started(world, "Job"))
    world.tick(30 * 60)  # half past: not yet
    assert len(started(world, "Job")) == jobs
    world.tick(31 * 60, signals={})  # past the hour: both suites run again on the serving revision
    assert all(r.scheduled and r.verdict is None for r in world.status.evaluation)
    assert len(started(world, "Job")) == jobs + 3  # every suite, those for evaluate steps too
    judge(world, "Fail", "basics")
    judge(world, "Pass", "tone", "deep")
    decision = world.tick(5, signals={})  # a monitoring pass sees the failure
    incident = next(i for i in world.status.incidents if i.type == "EvaluationRegression")
    assert incident.revision == world.status.stable_revision.hash  # type: ignore[union-attr]
    assert world.stable_number() == 1  # notify only, by default: nothing rolled back
    assert "EvaluationRegression" in [n.incident for n in decision.notices]
    world.tick(60 * 60, signals={})  # the next hour
    judge(world, "Pass", "basics", "tone", "deep")
    world.tick(5, signals={})
    world.tick(5, signals={})
    assert not any(i.type == "EvaluationRegression" and not i.resolved_at for i in world.status.incidents)


@pytest.mark.parametrize(
    ("verdict", "after"),
    [
        pytest.param("Pass", lambda w: w.traffic[0] == 50, id="pass-goes-on-to-the-next-canary-step"),
        pytest.param(
            "Fail",
            lambda w: w.traffic[0] == 0 and w.status.rollout.abort_reason == "EvaluationFailed",
            id="fail-aborts-the-canary",
        ),
    ],
)
def test_an_evaluate_step_runs_its_suite_against_the_canary(verdict: str, after: Any) -> None:
    steps = [
        {"canary": {"weight": 20, "durationSeconds": 60}},
        {"evaluate": {"suite": "deep"}},
        {"canary": {"weight": 50, "durationSeconds": 60}},
    ]
    world = World(gated(steps))
    world.tick(), world.tick()
    judge(world, "Pass", "basics", "tone")
    world.tick()
    world.prompt = "v2"
    world.tick(), world.tick()
    judge(world, "Pass", "basics", "tone")
    world.tick(), world.tick(1)
    assert world.traffic[0] == 20 and "deep" not in runs(world)  # before traffic: only basics and tone
    world.tick(60), world.tick(1)  # the evaluate step begins; its run starts, at 20 % still
    deep = runs(world)["deep"]
    assert (deep.step, deep.verdict, world.traffic[0]) == (1, None, 20)
    assert started(world, "Job")[-1]["metadata"]["name"] == deep.run
    judge(world, verdict, "deep", reason="pass rate …")
    world.tick(1), world.tick(1)
    assert after(world)


def test_an_evaluate_step_must_name_a_suite() -> None:
    from agentops_operator.api.spec import cross_reference_problem

    spec_ = gated([{"evaluate": {"suite": "nope"}}])
    assert cross_reference_problem(spec_) == (
        "spec.rollout.steps[0].evaluate.suite",
        "'nope' is not a suite of spec.evaluation (suites: basics, tone, deep); name one, or add it",
    )
