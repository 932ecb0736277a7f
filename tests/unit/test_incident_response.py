"""Unit: what incidents do to traffic (`engine/incident_response.py`), through `decide` on the fake
cluster of test_progressive with a fake clock: Shadow of the stable revision (mirror with a router,
scaled to zero without), Shadow of a canary (paused at weight 0 with a mirror, then resumed),
rollback to a revision whose Deployment was deleted (re-created from its bundle)."""

from __future__ import annotations

import json
from typing import Any

from agentops_operator.api.spec import AgentDeploymentSpec
from agentops_operator.engine import manifests
from agentops_operator.engine.decisions import Apply, Decision
from agentops_operator.engine.measurements import Readings
from tests.unit.world import BASE, GATEWAY, IDENTITY, World, condition, readings

FAST = {
    "monitoring": {"intervalSeconds": 10, "cooldownSeconds": 0},
    "runbooks": [{"type": "HallucinationSurge", "resolveAfterSeconds": 20}],
}
HEALTHY = {"prompt-leaks": 0.0, "safety-violations": 0.0, "grounding-score": 0.9}


def spec(routing: dict[str, Any] | None, steps: list[dict[str, Any]] | None = None) -> AgentDeploymentSpec:
    rollout: dict[str, Any] = {"steps": steps or []}
    if routing is not None:
        rollout["trafficRouting"] = routing
    return AgentDeploymentSpec.model_validate({**BASE, **FAST, "rollout": rollout})


def signals(**per_revision: dict[str, float]) -> Readings:
    return readings({revision: {**HEALTHY, **values} for revision, values in per_revision.items()})


def two_serving_revisions(world: World) -> tuple[str, str]:
    """v1 stable, then v2 replaces it directly; returns both hashes."""
    world.release_v2()
    v1 = world.status.stable_revision.hash if world.status.stable_revision else ""
    world.tick()
    world.tick()
    v2 = world.status.stable_revision.hash if world.status.stable_revision else ""
    assert v1 != v2 and world.workloads[v2].replicas == 2 and world.workloads[v1].replicas == 0
    return v1, v2


def stable(world: World) -> str:
    return world.status.stable_revision.hash if world.status.stable_revision else ""


def reasons(decision: Decision) -> list[str]:
    return [e.reason for e in decision.events]


def canary_service_selects(world: World, revision: str) -> bool:
    wanted = manifests.service(IDENTITY, revision, json.loads(world.bundle_texts[revision]), "support-agent-canary")
    return world.services.get("support-agent-canary") == manifests.desired_hash(wanted)


def test_shadow_with_a_router_mirrors_to_the_revision_then_lets_it_back() -> None:
    world = World(spec(GATEWAY))
    v1, v2 = two_serving_revisions(world)
    decision = world.tick(1, signals=signals(**{v2: {"grounding-score": 0.2}}))
    assert stable(world) == v1 and world.traffic == (0, 100)
    assert world.workloads[v2].replicas == 2 and world.workloads[v1].replicas == 2  # v2 keeps running, mirrored
    assert canary_service_selects(world, v2)
    assert world.status.hold and world.status.hold.mirror_percent == 100
    assert world.status.controls[v2].mode == "shadow"
    assert condition(world, "Degraded") == ("True", "HallucinationSurge")
    assert "RolledBack" in reasons(decision)
    held_since = {c.type: c.last_transition_time for c in world.status.conditions}
    world.tick(10, signals=signals(**{v1: {}, v2: {"grounding-score": 0.2}}))
    assert world.status.hold is not None, "still bad in shadow: stays in shadow"
    assert {c.type: c.last_transition_time for c in world.status.conditions} == held_since
    world.tick(10, signals=signals(**{v1: {}, v2: {}}))  # healthy from here
    decision = world.tick(20, signals=signals(**{v1: {}, v2: {}}))
    assert "ShadowLifted" in reasons(decision) and world.status.hold is None
    assert v2 not in world.status.controls
    world.tick()
    assert stable(world) == v2 and world.traffic == (0, 0)
    assert condition(world, "Degraded")[0] == "False"


def test_with_rollout_steps_a_shadowed_revision_comes_back_through_them_only_after_resolving() -> None:
    world = World(
        spec(
            GATEWAY,
            steps=[{"canary": {"weight": 20, "durationSeconds": 6}}, {"canary": {"weight": 50, "durationSeconds": 6}}],
        )
    )
    world.release_v2()
    v1 = stable(world)
    for _ in range(20):
        world.tick(1)
    v2 = stable(world)
    assert v2 != v1 and world.status.rollout is None
    world.tick(1, signals=signals(**{v2: {"grounding-score": 0.2}}))
    for _ in range(5):  # still bad: held in shadow, no rollout of it meanwhile
        world.tick(2, signals=signals(**{v1: {}, v2: {"grounding-score": 0.2}}))
        assert world.traffic == (0, 100) and world.status.rollout is None and stable(world) == v1
    weights = []
    for _ in range(20):  # healthy again: resolves after 20 s, then walks the steps from the first
        world.tick(2, signals=signals(**{v1: {}, v2: {}}))
        weights.append(world.traffic[0])
    assert stable(world) == v2 and world.traffic == (0, 0)
    assert [w for i, w in enumerate(weights) if w and (i == 0 or weights[i - 1] != w)] == [20, 50]


def test_shadow_without_a_router_scales_the_revision_to_zero_and_holds_it() -> None:
    world = World(spec(None))
    v1, v2 = two_serving_revisions(world)
    decision = world.tick(1, signals=signals(**{v2: {"grounding-score": 0.2}}))
    assert stable(world) == v1 and world.workloads[v2].replicas == 0 and world.workloads[v1].replicas == 2
    assert world.status.hold and world.status.hold.mirror_percent is None
    rolled_back = next(e.message for e in decision.events if e.reason == "RolledBack")
    assert "trafficRouting" in rolled_back and "scaled to zero" in rolled_back
    for _ in range(6):  # it cannot be measured any more, so it never comes back by itself
        world.tick(10, signals=signals(**{v1: {}, v2: {}}))
    assert stable(world) == v1 and world.status.hold is not None


def test_an_incident_that_takes_a_shadowed_revision_out_entirely_ends_the_mirror() -> None:
    world = World(spec(GATEWAY))
    v1, v2 = two_serving_revisions(world)
    world.tick(1, signals=signals(**{v2: {"grounding-score": 0.2}}))
    decision = world.tick(10, signals=signals(**{v1: {}, v2: {"grounding-score": 0.2, "safety-violations": 1}}))
    assert "ShadowEnded" in reasons(decision)
    assert world.traffic == (0, 0) and world.workloads[v2].replicas == 0
    assert world.status.hold and world.status.hold.reason == "SafetyViolation"
    assert world.status.controls[v2].mode == "blocked"


def test_rollback_re_creates_a_deleted_deployment_from_its_bundle() -> None:
    world = World(spec(None))
    v1, v2 = two_serving_revisions(world)
    del world.workloads[v1]  # deleted by hand (or by a cleanup job); its bundle ConfigMap is still there
    decision = world.tick(1, signals=signals(**{v2: {"prompt-leaks": 2}}))
    created = [a for a in decision.actions if isinstance(a, Apply) and a.kind == "Deployment" and v1 in a.name]
    assert len(created) == 1 and created[0].manifest["spec"]["replicas"] == 2
    assert stable(world) == v1 and world.workloads[v1].replicas == 2 and world.workloads[v2].replicas == 0
    assert condition(world, "Degraded") == ("True", "PromptLeak")


def test_no_rollback_without_deployment_or_bundle() -> None:
    world = World(spec(None))
    v1, v2 = two_serving_revisions(world)
    del world.workloads[v1]
    del world.bundle_texts[v1]
    decision = world.tick(1, signals=signals(**{v2: {"prompt-leaks": 2}}))
    assert "NoRollbackTarget" in reasons(decision) and stable(world) == v2


def test_shadow_on_a_canary_pauses_it_at_weight_zero_with_a_mirror_then_resumes() -> None:
    world = World(spec(GATEWAY, steps=[{"canary": {"weight": 30, "durationSeconds": 600}}]))
    world.release_v2()
    v1 = stable(world)
    world.tick()
    world.tick(1)
    canary = world.status.rollout.revision if world.status.rollout else ""
    assert world.traffic == (30, 0)
    decision = world.tick(1, signals=signals(**{v1: {}, canary: {"grounding-score": 0.2}}))
    assert world.traffic == (0, 100) and world.workloads[canary].replicas == 2
    rollout = world.status.rollout
    assert rollout and rollout.paused and rollout.pause_reason == "ShadowedByIncident" and not rollout.aborted_at
    assert "HallucinationSurge" in reasons(decision)
    assert condition(world, "Paused") == ("True", "ShadowedByIncident")
    world.tick(10, signals=signals(**{v1: {}, canary: {}}))
    assert world.traffic == (0, 100)
    decision = world.tick(20, signals=signals(**{v1: {}, canary: {}}))
    assert "Resumed" in reasons(decision) and world.traffic == (30, 0)
    assert world.status.rollout and not world.status.rollout.paused and stable(world) == v1


def test_a_manual_rollback_serves_the_named_revision_and_holds_the_latest_until_retry() -> None:
    world = World(spec(None))
    v1, v2 = two_serving_revisions(world)
    world.annotations["agentops.dev/rollback-to"] = "9"
    assert "RollbackIgnored" in reasons(world.tick(1)) and stable(world) == v2 and not world.annotations
    del world.workloads[v1]  # long scaled away and deleted: re-created from its bundle
    world.annotations["agentops.dev/rollback-to"] = "1"
    decision = world.tick(1)
    assert "RolledBack" in reasons(decision) and not world.annotations
    assert stable(world) == v1 and world.workloads[v1].replicas == 2 and world.workloads[v2].replicas == 0
    assert world.status.hold and world.status.hold.reason == "ManualRollback"
    assert condition(world, "Degraded") == ("True", "ManualRollback")
    world.tick(30)
    assert stable(world) == v1, "the hold lasts until a new spec or a retry"
    world.annotations["agentops.dev/retry"] = "true"
    world.tick(1)
    world.tick(1)
    assert stable(world) == v2 and world.status.hold is None and condition(world, "Degraded")[0] == "False"
