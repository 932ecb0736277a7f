"""Unit: the progressive rollout engine, driven through `decide` with a fake clock and a fake
cluster that applies each Decision; tables of cases plus hypothesis properties."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentops_operator.api.spec import AgentDeploymentSpec
from agentops_operator.engine.clock import format_time
from agentops_operator.engine.decide import decide
from agentops_operator.engine.decisions import Observation, RemoveAnnotations, SetTraffic, Workload
from agentops_operator.engine.steps import expand
from tests.unit.world import BASE, CHECKS, GATEWAY, IDENTITY, World, condition, readings, spec


def test_first_revision_goes_live_directly_even_with_steps() -> None:
    world = World(spec([{"canary": {"weight": 10, "durationSeconds": 60}}]))
    world.tick()
    world.tick()
    assert world.stable_number() == 1 and world.status.rollout is None


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        pytest.param([{"canary": {"weight": 10, "durationSeconds": 5}}], [10, 0], id="single-canary"),
        pytest.param(
            [{"canary": {"weight": 10, "durationSeconds": 5}}, {"canary": {"weight": 50, "durationSeconds": 5}}],
            [10, 50, 0],
            id="two-canaries",
        ),
        pytest.param(
            [{"ramp": {"fromWeight": 20, "toWeight": 60, "stepWeight": 20, "intervalSeconds": 5}}],
            [20, 40, 60, 0],
            id="ramp",
        ),
        pytest.param(
            [{"canary": {"weight": 10, "durationSeconds": 5}}, {"pause": {"durationSeconds": 5}}],
            [10, 0],
            id="timed-pause-keeps-weight",
        ),
    ],
)
def test_steps_without_analysis_follow_their_durations(steps: list[dict[str, Any]], expected: list[int]) -> None:
    world = World(spec(steps))
    world.release_v2()
    for _ in range(40):
        world.tick(1)
        if world.stable_number() == 2:
            break
    distinct = [w for i, w in enumerate(world.weights_seen) if i == 0 or world.weights_seen[i - 1] != w]
    assert distinct[-len(expected) :] == expected and world.stable_number() == 2
    assert world.status.rollout is None and condition(world, "Progressing") == ("False", "RolloutComplete")


def test_canary_waits_for_availability_then_deadline_aborts() -> None:
    world = World(spec([{"canary": {"weight": 10, "durationSeconds": 5}}]))
    world.release_v2()
    world.tick()
    canary = world.status.rollout.revision if world.status.rollout else ""
    world.workloads[canary] = Workload(
        canary, world.spec.replicas, 0, 1, 1, world.workloads[canary].desired_hash
    )  # stuck
    world.tick(300)
    assert world.status.rollout and world.status.rollout.step_started_at is None and not world.status.rollout.aborted_at
    world.tick(301)
    assert world.status.rollout and world.status.rollout.abort_reason == "ProgressDeadlineExceeded"
    assert condition(world, "Degraded") == ("True", "ProgressDeadlineExceeded") and world.traffic == (0, 0)


def run_with_analysis(successes: list[float | None], analysis: dict[str, Any] | None = None, **kwargs: Any) -> World:
    world = World(
        spec(
            [{"canary": {"weight": 20, "durationSeconds": 10}}],
            {"failureLimit": 2, "errorLimit": 2, "inconclusiveLimit": 3, "checks": CHECKS, **(analysis or {})},
        )
    )
    world.release_v2()
    world.tick()
    world.tick()  # canary available: step starts
    for value in successes:
        world.tick(10, success=value, **kwargs)
    return world


@pytest.mark.parametrize(
    ("successes", "kwargs", "stable", "aborted", "paused"),
    [
        pytest.param([0.95, 0.95], {}, 2, None, None, id="passing-promotes"),
        pytest.param([0.5, 0.5], {}, 1, "AnalysisFailed", None, id="two-failures-abort"),
        pytest.param([0.5, 0.95], {}, 2, None, None, id="failures-must-be-consecutive"),
        pytest.param([0.95, 0.95], {"sessions": 3}, 1, None, None, id="too-few-sessions-never-promote"),
        pytest.param(
            [0.95, 0.95, 0.95], {"sessions": 3}, 1, None, "AnalysisInconclusive", id="inconclusive-limit-pauses"
        ),
        pytest.param([None, None], {"error": "timeout"}, 1, None, "MetricsUnavailable", id="errors-pause"),
    ],
)
def test_analysis_outcomes(
    successes: list[float | None], kwargs: dict[str, Any], stable: int, aborted: str | None, paused: str | None
) -> None:
    world = run_with_analysis(successes, **kwargs)
    assert world.stable_number() == stable
    rollout = world.status.rollout
    if aborted:
        assert rollout and rollout.abort_reason == aborted and world.traffic == (0, 0)
        assert condition(world, "Degraded")[0] == "True"
    if paused:
        assert rollout and rollout.paused and rollout.pause_reason == paused
        assert condition(world, "Paused") == ("True", paused)


def test_abort_scales_the_canary_down_after_a_delay_and_keeps_stable() -> None:
    world = run_with_analysis([0.5, 0.5])
    canary = world.status.rollout.revision if world.status.rollout else ""
    assert world.workloads[canary].replicas == world.spec.replicas
    world.tick(31)
    assert world.workloads[canary].replicas == 0 and world.stable_number() == 1
    assert [h.outcome for h in world.status.history] == ["Stable", "Failed"]


def abort_by_analysis(world: World) -> None:
    world.tick(10, success=0.5)
    world.tick(10, success=0.5)


def abort_by_hand(world: World) -> None:
    world.annotations = {"agentops.dev/abort": "true"}
    world.tick(1)


@pytest.mark.parametrize(
    ("abort", "routing", "kept"),
    [
        pytest.param(abort_by_analysis, GATEWAY, True, id="analysis-behind-a-router-keeps-it-30s"),
        pytest.param(abort_by_hand, GATEWAY, True, id="manual-behind-a-router-keeps-it-30s"),
        pytest.param(abort_by_analysis, None, False, id="analysis-replica-ratio-at-once"),
        pytest.param(abort_by_hand, None, False, id="manual-replica-ratio-at-once"),
    ],
)
def test_an_aborted_canary_is_scaled_down_as_documented(abort: Any, routing: dict[str, Any] | None, kept: bool) -> None:
    """Behind a router an aborted canary keeps running, without traffic, for 30 s (a look at its
    logs) and then goes to zero; with replica ratio its Pods are its traffic, so it goes at once."""
    world = World(
        spec([{"canary": {"weight": 50, "durationSeconds": 100}}], {"failureLimit": 2, "checks": CHECKS}, routing)
    )
    world.release_v2()
    world.tick()
    world.tick()
    canary = world.status.rollout.revision if world.status.rollout else ""
    size = world.workloads[canary].replicas
    assert size > 0
    abort(world)
    assert world.status.rollout and world.status.rollout.aborted_at and world.traffic[0] == 0
    assert world.workloads[canary].replicas == (size if kept else 0)
    world.tick(20)
    assert world.workloads[canary].replicas == (size if kept else 0)
    world.tick(11)
    assert world.workloads[canary].replicas == 0 and world.stable_number() == 1


@pytest.mark.parametrize(
    ("annotations", "check"),
    [
        pytest.param({"agentops.dev/abort": ""}, lambda w: w.status.rollout.abort_reason == "ManualAbort", id="abort"),
        pytest.param({"agentops.dev/pause": ""}, lambda w: w.status.rollout.pause_reason == "ManualPause", id="pause"),
        pytest.param({"agentops.dev/promote": "full"}, lambda w: w.stable_number() == 2, id="promote-full"),
        pytest.param({"agentops.dev/skip-analysis": ""}, lambda w: w.status.rollout.skip_analysis, id="skip-analysis"),
    ],
)
def test_manual_annotations_act_once_and_are_removed(annotations: dict[str, str], check: Any) -> None:
    world = World(spec([{"canary": {"weight": 20, "durationSeconds": 100}}], {"checks": CHECKS}))
    world.release_v2()
    world.tick()
    world.tick()
    world.annotations = dict(annotations)
    world.tick(1)
    assert check(world) and world.annotations == {}


def test_pause_without_duration_waits_for_promote_and_retry_restarts_an_abort() -> None:
    world = World(
        spec(
            [
                {"canary": {"weight": 20, "durationSeconds": 1}},
                {"pause": {}},
                {"canary": {"weight": 60, "durationSeconds": 1}},
            ]
        )
    )
    world.release_v2()
    for _ in range(5):
        world.tick(1)
    assert condition(world, "Paused") == ("True", "AwaitingPromotion") and world.traffic == (20, 0)
    world.tick(600)
    assert world.stable_number() == 1
    world.annotations = {"agentops.dev/promote": "step"}
    world.tick(1)
    assert world.traffic == (60, 0)
    world.annotations = {"agentops.dev/abort": ""}
    world.tick(1)
    assert world.traffic == (0, 0)
    world.annotations = {"agentops.dev/retry": ""}
    world.tick(1)
    assert world.status.rollout and not world.status.rollout.aborted_at and world.status.rollout.step_index == 0
    assert world.traffic == (20, 0)


def test_shadow_mirrors_with_a_router_and_pauses_without_one() -> None:
    routed = World(spec([{"shadow": {"percent": 40, "durationSeconds": 5}}]))
    routed.release_v2()
    routed.tick()
    routed.tick(1)
    assert routed.traffic == (0, 40)
    plain = World(spec([{"shadow": {"percent": 40, "durationSeconds": 5}}], routing=None))
    plain.release_v2()
    plain.tick()
    plain.tick(1)
    assert condition(plain, "Paused") == ("True", "ShadowNeedsTrafficRouter")


def test_replica_ratio_splits_pods() -> None:
    world = World(
        AgentDeploymentSpec.model_validate(
            {**BASE, "replicas": 10, "rollout": {"steps": [{"canary": {"weight": 30, "durationSeconds": 5}}]}}
        )
    )
    world.release_v2()
    world.tick()
    world.tick()
    stable, canary = world.status.stable_revision, world.status.rollout
    assert stable and canary
    assert world.workloads[canary.revision].replicas == 3 and world.workloads[stable.hash].replicas == 7


def test_ramp_expands_to_canary_steps() -> None:
    from agentops_operator.api.rollout import Step

    plan = expand(
        [Step.model_validate({"ramp": {"fromWeight": 10, "toWeight": 35, "stepWeight": 10, "intervalSeconds": 3}})]
    )
    assert [(p.kind, p.weight, p.duration) for p in plan] == [
        ("canary", 10, 3),
        ("canary", 20, 3),
        ("canary", 30, 3),
        ("canary", 35, 3),
    ]


step_strategy = st.one_of(
    st.builds(lambda w, d: {"canary": {"weight": w, "durationSeconds": d}}, st.integers(0, 100), st.integers(0, 20)),
    st.builds(lambda p, d: {"shadow": {"percent": p, "durationSeconds": d}}, st.integers(1, 100), st.integers(0, 20)),
    st.builds(lambda d: {"pause": {"durationSeconds": d}}, st.integers(0, 20)),
)
signal = st.one_of(st.none(), st.floats(0, 1), st.just(float("nan")))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(step_strategy, min_size=1, max_size=4),
    st.lists(st.tuples(st.integers(0, 15), signal, st.integers(0, 200)), max_size=25),
)
def test_properties_weights_bounded_no_promotion_without_a_pass(
    steps: list[dict[str, Any]], ticks: list[tuple[int, float | None, int]]
) -> None:
    world = World(spec(steps, {"failureLimit": 2, "checks": CHECKS}))
    world.release_v2()
    aborted_at_weight: int | None = None
    for seconds, success, sessions in ticks:
        decision = world.tick(seconds, success=success, sessions=sessions)
        rollout = decision.status.rollout
        assert all(0 <= w <= 100 for w in world.weights_seen)
        assert rollout is None or 0 <= rollout.weight <= 100
        if rollout and rollout.aborted_at:
            aborted_at_weight = 0 if aborted_at_weight is None else aborted_at_weight
            assert world.traffic[0] == 0
        if world.stable_number() == 2:
            assert world.passing_measurements > 0, "promoted without any passing analysis"
            break


@settings(max_examples=30, deadline=None)
@given(st.lists(step_strategy, min_size=1, max_size=3), st.integers(0, 30))
def test_decide_is_deterministic(steps: list[dict[str, Any]], seconds: int) -> None:
    world = World(spec(steps))
    world.release_v2()
    world.tick(seconds)
    now = format_time(world.clock)
    observation = Observation(
        IDENTITY, 1, world.prompt, dict(world.workloads), dict(world.bundles), dict(world.services)
    )
    assert decide(world.spec, world.status, observation, now) == decide(world.spec, world.status, observation, now)


def test_an_incident_on_the_canary_aborts_the_rollout() -> None:
    world = World(spec([{"canary": {"weight": 30, "durationSeconds": 600}}]))
    world.release_v2()
    world.tick()
    world.tick(1)
    canary = world.status.rollout.revision if world.status.rollout else ""
    assert world.traffic == (30, 0)
    stable = world.status.stable_revision.hash if world.status.stable_revision else ""
    observation = Observation(
        IDENTITY,
        1,
        world.prompt,
        dict(world.workloads),
        dict(world.bundles),
        dict(world.services),
        signals=readings({canary: {"prompt-leaks": 2}, stable: {"prompt-leaks": 0}}, sessions=50),
        controls_hash=world.controls_hash,
    )
    decision = decide(world.spec, world.status, observation, format_time(world.clock))
    assert decision.status.rollout and decision.status.rollout.abort_reason == "PromptLeak"
    assert decision.status.stable_revision and decision.status.stable_revision.hash == stable
    assert any(isinstance(a, SetTraffic) and a.weight == 0 for a in decision.actions)


def test_a_handled_action_whose_annotation_stayed_is_not_carried_out_again() -> None:
    """The operator died after writing the promote's effect but before taking the annotation off:
    the record in status says it was carried out, so the annotation only goes; asked again later, it
    acts again."""
    world = World(spec([{"pause": {}}, {"pause": {}}, {"pause": {}}, {"canary": {"weight": 50, "durationSeconds": 1}}]))
    world.release_v2()
    world.tick(1)
    world.tick(1)
    assert world.status.rollout and world.status.rollout.step_index == 0
    world.annotations = {"agentops.dev/promote": "step"}
    world.tick(1)
    assert world.status.rollout.step_index == 1
    assert world.status.handled_actions == {"agentops.dev/promote": "step"}
    world.annotations = {"agentops.dev/promote": "step"}  # its removal never landed
    decision = world.tick(1)
    assert world.status.rollout.step_index == 1  # not promoted twice
    assert any(isinstance(a, RemoveAnnotations) and a.keys == ("agentops.dev/promote",) for a in decision.actions)
    world.tick(1)  # the annotation is off now: its record goes too
    assert world.status.handled_actions == {}
    world.annotations = {"agentops.dev/promote": "step"}  # the same action, asked for again
    world.tick(1)
    assert world.status.rollout.step_index == 2


SEQUENTIAL = [{"name": "session-success-rate", "method": "Sequential", "maxDropVsStable": 0.02}]


@pytest.mark.parametrize(
    ("successes", "sessions", "stable", "aborted", "paused"),
    [
        pytest.param([0.95, 0.95], 20_000, 2, None, None, id="sure-enough-promotes"),
        pytest.param([0.85, 0.85], 2000, 1, "AnalysisFailed", None, id="surely-worse-aborts"),
        pytest.param([0.95, 0.95, 0.95], 300, 1, None, "AnalysisInconclusive", id="unsure-pauses-not-promotes"),
    ],
)
def test_sequential_analysis_outcomes(
    successes: list[float], sessions: int, stable: int, aborted: str | None, paused: str | None
) -> None:
    """The stable arm reads 0.95 with as many sessions; the margin is 2 points."""
    world = run_with_analysis(successes, {"checks": SEQUENTIAL}, sessions=sessions)
    assert world.stable_number() == stable
    rollout = world.status.rollout
    if aborted:
        assert rollout and rollout.abort_reason == aborted
        last = rollout.last_analysis
        assert last and "vs stable 0.95, margin 0.02 → Fail" in last.checks[0].reason
    if paused:
        assert rollout and rollout.paused and rollout.pause_reason == paused
