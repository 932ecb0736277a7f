"""What the incidents in force imply: live controls per revision, and revisions out of traffic. Pure.

Mitigations are derived from the open incidents every time, never stored separately, so they lift
by themselves when incidents resolve (unless the runbook keeps them): Throttle, RateLimitTool,
BlockTool, Block and Shadow become controls the revision's Pods enforce; Rollback and Block take
the revision out of live traffic entirely, Shadow into mirrored traffic only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from agentops_sdk import contract

from ..api.runbooks import Action
from ..api.spec import AgentDeploymentSpec
from ..api.status import Controls, Incident
from .runbook_set import effective_runbooks, incident_key


@dataclass(frozen=True, kw_only=True)
class TakeOut:
    """A revision an incident takes out of live traffic: entirely (Rollback, Block), or into shadow
    with `mirror_percent` of live traffic mirrored to it (Shadow)."""

    reason: str  # the incident key
    mirror_percent: int | None = None


@dataclass(frozen=True, kw_only=True)
class Mitigations:
    controls: dict[str, Controls]  # per revision: what its Pods must enforce (only revisions with any)
    take_out: dict[str, TakeOut]  # per revision: out of live traffic, and how


def mitigations(spec: AgentDeploymentSpec, incidents: list[Incident]) -> Mitigations:
    """Out entirely (Rollback, Block) wins over shadow."""
    runbooks = {incident_key(r): r for r in effective_runbooks(spec)}
    per_revision: dict[str, Controls] = {}
    take_out: dict[str, TakeOut] = {}
    for incident in incidents:
        runbook = runbooks.get(incident.type)
        if runbook is None or (incident.resolved_at is not None and not runbook.keep_mitigations):
            continue
        controls = per_revision.get(incident.revision, Controls())
        for action in runbook.actions or []:
            controls = _with_action(controls, action, incident, spec)
            out = _taken_out_by(action, incident)
            current = take_out.get(incident.revision)
            if out is not None and (
                current is None or (current.mirror_percent is not None and out.mirror_percent is None)
            ):
                take_out[incident.revision] = out
        per_revision[incident.revision] = controls
    return Mitigations(controls={rev: c for rev, c in per_revision.items() if c != Controls()}, take_out=take_out)


def _taken_out_by(action: Action, incident: Incident) -> TakeOut | None:
    if action.type in ("Block", "Rollback") and incident.resolved_at is None:
        return TakeOut(reason=incident.type)
    if action.type == "Shadow":
        return TakeOut(reason=incident.type, mirror_percent=action.percent)
    return None


def _with_action(controls: Controls, action: Action, incident: Incident, spec: AgentDeploymentSpec) -> Controls:
    tools = [action.tool] if action.tool else [t.name for t in spec.tools]
    if action.type == "Throttle":
        wanted = action.sessions_per_minute
        if action.factor and incident.session_rate:
            wanted = max(1.0, round(action.factor * incident.session_rate / max(spec.replicas, 1), 2))
        if not wanted:
            return controls
        current = controls.sessions_per_minute
        return controls.model_copy(update={"sessions_per_minute": min(current, wanted) if current else wanted})
    if action.type == "RateLimitTool":
        limits = dict(controls.tool_rate_limits)
        for tool in tools:
            limits[tool] = min(limits.get(tool, math.inf), action.per_minute or 30)
        return controls.model_copy(update={"tool_rate_limits": limits})
    if action.type == "BlockTool":
        return controls.model_copy(update={"blocked_tools": sorted(set(controls.blocked_tools) | set(tools))})
    if action.type == "Block":
        return controls.model_copy(update={"mode": contract.MODE_BLOCKED})
    if action.type == "Shadow" and controls.mode != contract.MODE_BLOCKED:
        return controls.model_copy(update={"mode": contract.MODE_SHADOW})
    return controls
