"""Unit: the status the reconciler writes is exactly the status decided. A merge patch that only
sets keys would leave a lifted control or a cleared hold behind (a nested map merges); this pins
that everything that went away is removed, at every depth."""

from __future__ import annotations

import asyncio
from typing import Any

import json_merge_patch  # type: ignore[import-untyped]

from agentops_operator.api.status import AgentDeploymentStatus, Controls, Hold
from agentops_operator.engine.decisions import Decision
from agentops_operator.ports.agents import NopAgents
from agentops_operator.ports.children import NopChildren
from agentops_operator.runtime.reconciler import Reconciler


class RecordingAgents(NopAgents):
    def __init__(self) -> None:
        self.patches: list[dict[str, Any]] = []

    async def write_status(self, namespace: str, name: str, patch: dict[str, Any]) -> None:
        self.patches.append(patch)


def test_lifted_controls_and_a_cleared_hold_are_removed_from_status() -> None:
    before = AgentDeploymentStatus(
        controls={"v2": Controls(mode="shadow", tool_rate_limits={"search": 30.0}), "v1": Controls(mode="blocked")},
        hold=Hold(revision="v2", reason="HallucinationSurge", message="m", since="t", mirror_percent=100),
        summary="Degraded",
    )
    after = AgentDeploymentStatus(controls={"v1": Controls(mode="blocked")}, summary="Healthy")
    body = {"metadata": {"namespace": "default", "name": "a"}, "status": before.wire()}
    agents = RecordingAgents()
    asyncio.run(Reconciler(agents, NopChildren())._finish(body, before, Decision(actions=(), status=after)))
    (patch,) = agents.patches
    assert patch["controls"]["v2"] is None and patch["hold"] is None
    assert json_merge_patch.merge(before.wire(), patch) == after.wire()
