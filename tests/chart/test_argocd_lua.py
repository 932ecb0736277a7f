"""Argo CD integration: the health check and resource actions, run as Argo CD runs them (Lua 5.1 via
`lupa`, in a sandbox with the base library only) on statuses the real engine produces, and the
actions' annotations fed back to the engine. Plus: the argocd-cm patch is what the Lua files say."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
import yaml

lua51 = pytest.importorskip("lupa.lua51")

from tests.unit.world import World, gated, judge, spec  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "charts" / "agentops-operator" / "argocd"
CHECKS = [{"name": "session-success-rate", "min": 0.9}]


def generator() -> Any:
    loaded = importlib.util.spec_from_file_location("argocd_cm_patch", ROOT / "scripts" / "argocd_cm_patch.py")
    assert loaded is not None and loaded.loader is not None
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    return module


def customizations() -> tuple[str, dict[str, Any]]:
    """The health script and the actions, read back from the committed argocd-cm patch."""
    data = yaml.safe_load((FOLDER / "argocd-cm-patch.yaml").read_text())["data"]
    health = data["resource.customizations.health.agentops.dev_AgentDeployment"]
    actions = yaml.safe_load(data["resource.customizations.actions.agentops.dev_AgentDeployment"])
    return health, actions


def run_lua(script: str, obj: dict[str, Any]) -> Any:
    """Run like Argo CD: `obj` global, only the base library (no string, os or io)."""
    runtime = lua51.LuaRuntime(unpack_returned_tuples=True)
    sandboxed = runtime.eval("""
        function(source, obj)
          local chunk = assert(loadstring(source))
          setfenv(chunk, {obj = obj, ipairs = ipairs, pairs = pairs, tostring = tostring, tonumber = tonumber,
                          type = type, next = next, table = table})
          return chunk()
        end""")
    return to_python(sandboxed(script, runtime.table_from(obj, recursive=True)))


def to_python(value: Any) -> Any:
    if hasattr(value, "items") and not isinstance(value, dict):
        items = dict(value.items())
        if items and all(isinstance(k, int) for k in items):
            return [to_python(items[i]) for i in sorted(items)]
        return {k: to_python(v) for k, v in items.items()}
    return value


def agent(world: World, generation: int = 1) -> dict[str, Any]:
    annotations = dict(world.annotations)
    return {
        "metadata": {"name": "support-agent", "generation": generation, "annotations": annotations},
        "status": world.status.wire(),
    }


def healthy() -> World:
    world = World(spec([{"canary": {"weight": 20, "durationSeconds": 60}}, {"pause": {}}], {"checks": CHECKS}))
    world.tick()
    world.tick()
    return world


def progressing() -> World:
    world = healthy()
    world.prompt = "v2"
    world.tick()
    world.tick(1)
    return world


def suspended() -> World:
    world = progressing()
    world.tick(10, success=0.99)
    world.tick(60, success=0.99)  # step 1 done: the pause step starts
    world.tick(1)  # and waits for a promote
    assert world.status.rollout and world.status.rollout.pause_reason == "AwaitingPromotion"
    return world


def degraded() -> World:
    world = progressing()
    world.tick(10, success=0.2)
    world.tick(10, success=0.2)
    world.tick(10, success=0.2)
    return world


def evaluating() -> World:
    world = World(gated())
    world.tick(), world.tick()  # the first revision's suites run
    return world


def evaluation_failed() -> World:
    world = evaluating()
    judge(world, "Pass", "basics", "tone")
    world.tick()
    world.prompt = "v2"
    world.tick(), world.tick()
    judge(world, "Fail", "basics")
    world.tick()
    return world


@pytest.mark.parametrize(
    ("make", "generation", "expected"),
    [
        pytest.param(evaluating, 1, "Progressing", id="evaluating-before-traffic"),
        pytest.param(evaluation_failed, 1, "Degraded", id="evaluation-failed"),
        pytest.param(healthy, 1, "Healthy", id="serving"),
        pytest.param(progressing, 1, "Progressing", id="canary-step"),
        pytest.param(suspended, 1, "Suspended", id="awaiting-promotion"),
        pytest.param(degraded, 1, "Degraded", id="analysis-failed"),
        pytest.param(healthy, 2, "Progressing", id="new-spec-not-yet-observed"),
    ],
)
def test_health_follows_the_operators_conditions(make: Any, generation: int, expected: str) -> None:
    health, _ = customizations()
    result = run_lua(health, agent(make(), generation))
    assert result["status"] == expected and result["message"]


def test_health_of_an_agent_without_status_is_progressing() -> None:
    health, _ = customizations()
    assert run_lua(health, {"metadata": {"name": "a", "generation": 1}})["status"] == "Progressing"


@pytest.mark.parametrize(
    ("make", "enabled"),
    [
        pytest.param(healthy, {"retry": False, "promote": False, "abort": False}, id="nothing-to-do"),
        pytest.param(
            progressing,
            {"promote": True, "promote-full": True, "abort": True, "pause": True, "resume": False},
            id="in-progress",
        ),
        pytest.param(suspended, {"promote": True, "resume": True, "pause": False}, id="paused"),
        pytest.param(degraded, {"retry": True, "promote": False, "abort": False}, id="aborted"),
    ],
)
def test_discovery_offers_what_makes_sense(make: Any, enabled: dict[str, bool]) -> None:
    _, actions = customizations()
    offered = run_lua(actions["discovery.lua"], agent(make()))
    assert {name: not offered[name]["disabled"] for name in enabled} == enabled


@pytest.mark.parametrize(
    ("make", "action", "check"),
    [
        pytest.param(suspended, "promote", lambda w: w.stable_number() == 2, id="promote-from-pause"),
        pytest.param(progressing, "promote-full", lambda w: w.stable_number() == 2, id="promote-full"),
        pytest.param(
            progressing,
            "abort",
            lambda w: w.status.rollout and w.status.rollout.abort_reason == "ManualAbort",
            id="abort",
        ),
        pytest.param(degraded, "retry", lambda w: w.status.rollout and not w.status.rollout.aborted_at, id="retry"),
    ],
)
def test_each_action_is_obeyed_by_the_engine(make: Any, action: str, check: Any) -> None:
    _, actions = customizations()
    script = next(d["action.lua"] for d in actions["definitions"] if d["name"] == action)
    world = make()
    changed = run_lua(script, agent(world))
    world.annotations = dict(changed["metadata"]["annotations"])
    world.tick(1, success=0.99)
    world.tick(1, success=0.99)
    assert check(world) and not world.annotations  # acted on once, annotation removed


def test_the_argocd_cm_patch_is_generated_from_the_lua_files() -> None:
    committed = (FOLDER / "argocd-cm-patch.yaml").read_text()
    assert committed == generator().render(), "stale: run `python scripts/argocd_cm_patch.py --write`"
    _, actions = customizations()
    folders = sorted(p.name for p in (FOLDER / "actions").iterdir() if p.is_dir())
    assert [d["name"] for d in actions["definitions"]] == folders
