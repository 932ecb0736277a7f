"""The fake cluster the engine's unit tests drive `decide` through: Deployments become available at
once, traffic is what was last set, and a fake clock moves only when a test says so."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from agentops_operator.api.spec import AgentDeploymentSpec
from agentops_operator.api.status import AgentDeploymentStatus
from agentops_operator.engine import manifests
from agentops_operator.engine.clock import format_time
from agentops_operator.engine.decide import decide
from agentops_operator.engine.decisions import (
    Apply,
    Decision,
    Delete,
    Observation,
    RemoveAnnotations,
    RunSeen,
    Scale,
    SetTraffic,
    Workload,
)
from agentops_operator.engine.measurements import Readings, Sample, analysis_due


def readings(by_revision: dict[str, dict[str, float]], sessions: float = 100) -> Readings:
    """Signal readings from {revision: {signal: value}}, every value with `sessions` sessions."""
    result: Readings = {}
    for revision, values in by_revision.items():
        for signal, value in values.items():
            result.setdefault(signal, {})[revision] = Sample(value=value, sessions=sessions)
    return result


ROOT = Path(__file__).resolve().parents[2]
BASE = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())["spec"]
IDENTITY = manifests.Identity("default", "support-agent", "uid-1")
START = datetime(2026, 1, 1, tzinfo=UTC)
GATEWAY = {"gatewayAPI": {"httpRouteName": "support"}}
CHECKS = [{"name": "session-success-rate", "min": 0.9}]


def spec(
    steps: list[dict[str, Any]], analysis: dict[str, Any] | None = None, routing: dict[str, Any] | None = GATEWAY
) -> AgentDeploymentSpec:
    rollout: dict[str, Any] = {"steps": steps}
    if analysis is not None:
        rollout["analysis"] = {"intervalSeconds": 10, "minSessions": 10, **analysis}
    if routing is not None:
        rollout["trafficRouting"] = routing
    return AgentDeploymentSpec.model_validate({**BASE, "rollout": rollout})


@dataclass
class World:
    """A fake cluster: Deployments become available at once; traffic is what was last set."""

    spec: AgentDeploymentSpec
    prompt: str = "v1"
    status: AgentDeploymentStatus = field(default_factory=AgentDeploymentStatus)
    workloads: dict[str, Workload] = field(default_factory=dict)
    bundles: dict[str, str | None] = field(default_factory=dict)
    bundle_texts: dict[str, str] = field(default_factory=dict)
    services: dict[str, str | None] = field(default_factory=dict)
    traffic: tuple[int, int] = (0, 0)
    annotations: dict[str, str] = field(default_factory=dict)
    clock: datetime = START
    weights_seen: list[int] = field(default_factory=list)
    last: Decision | None = None
    controls_hash: str | None = None
    passing_measurements: int = 0  # measured values that satisfy CHECKS (judged independently of the engine)
    evaluations: dict[str, RunSeen] = field(default_factory=dict)  # AgentEvaluation name -> its verdict
    others: list[dict[str, Any]] = field(default_factory=list)  # other objects applied (Jobs, Roles, …)

    def tick(
        self,
        seconds: float = 0.0,
        success: float | None = None,
        sessions: float = 100,
        error: str | None = None,
        signals: Readings | None = None,
    ) -> Decision:
        self.clock += timedelta(seconds=seconds)
        now = format_time(self.clock)
        measurements = None
        if (
            analysis_due(self.spec.rollout, self.status.rollout, now)
            and self.spec.rollout
            and self.spec.rollout.analysis
        ):
            canary = self.status.rollout.revision if self.status.rollout else ""
            stable = self.status.stable_revision.hash if self.status.stable_revision else ""
            measurements = {
                c.label: {
                    canary: Sample(value=success, sessions=sessions, error=error),
                    stable: Sample(value=0.95, sessions=sessions, error=error),
                }
                for c in self.spec.rollout.analysis.checks
            }
            min_sessions = self.spec.rollout.analysis.min_sessions
            if (
                error is None
                and success is not None
                and success == success
                and success >= 0.9
                and sessions >= min_sessions
            ):
                self.passing_measurements += 1
        observation = Observation(
            IDENTITY,
            1,
            self.prompt,
            dict(self.workloads),
            dict(self.bundles),
            dict(self.services),
            annotations=dict(self.annotations),
            analysis=measurements,
            controls_hash=self.controls_hash,
            signals=signals,
            bundle_texts=dict(self.bundle_texts),
            evaluations=dict(self.evaluations),
        )
        decision = decide(self.spec, self.status, observation, now)
        for action in decision.actions:
            if isinstance(action, Apply):
                meta = action.manifest["metadata"]
                revision = meta.get("labels", {}).get(manifests.LABEL_REVISION, "")
                if action.kind == "Deployment":
                    replicas = action.manifest["spec"]["replicas"]
                    self.workloads[revision] = Workload(
                        revision, replicas, replicas, 1, 1, manifests.desired_hash(action.manifest)
                    )
                elif action.kind == "ConfigMap" and meta["name"] == manifests.controls_name(IDENTITY):
                    self.controls_hash = manifests.desired_hash(action.manifest)
                elif action.kind == "ConfigMap":
                    self.bundles[revision] = manifests.desired_hash(action.manifest)
                    self.bundle_texts[revision] = action.manifest["data"][manifests.BUNDLE_KEY]
                elif action.kind == "Service":
                    self.services[meta["name"]] = manifests.desired_hash(action.manifest)
                else:
                    self.others.append(action.manifest)
            elif isinstance(action, Scale):
                revision = action.name.rsplit("-", 1)[1]
                old = self.workloads[revision]
                self.workloads[revision] = Workload(revision, action.replicas, action.replicas, 1, 1, old.desired_hash)
            elif isinstance(action, SetTraffic):
                self.traffic = (action.weight, action.mirror_percent)
            elif isinstance(action, Delete):
                revision = action.name.rsplit("-", 1)[1]
                if action.kind == "Deployment":
                    self.workloads.pop(revision, None)
                else:
                    self.bundles.pop(revision, None)
                    self.bundle_texts.pop(revision, None)
            elif isinstance(action, RemoveAnnotations):
                for key in action.keys:
                    self.annotations.pop(key, None)
        self.status = decision.status
        self.weights_seen.append(self.traffic[0])
        self.last = decision
        return decision

    def stable_number(self) -> int:
        return self.status.stable_revision.number if self.status.stable_revision else 0

    def release_v2(self) -> None:
        self.tick()  # v1 created
        self.tick()  # v1 available -> stable
        assert self.stable_number() == 1
        self.prompt = "v2"


def condition(world: World, kind: str) -> tuple[str, str]:
    found = next(c for c in world.status.conditions if c.type == kind)
    return found.status, found.reason


# An evaluation gate of two suites before traffic (one dataset in a ConfigMap, one judged by an LLM) and
# one for evaluate steps, two attempts.
GATE: dict[str, Any] = {
    "suites": [
        {"name": "basics", "dataset": {"configMapKeyRef": {"name": "cases", "key": "basics.jsonl"}},
         "scorers": [{"type": "contains"}]},
        {"name": "tone", "dataset": {"inline": [{"input": "hi", "criteria": "polite"}]},
         "scorers": [{"type": "llmJudge", "url": "http://judge/v1", "model": "j", "apiKeyEnv": "JUDGE"}]},
        {"name": "deep", "beforeTraffic": False, "dataset": {"inline": [{"input": "hi", "contains": ["x"]}]},
         "scorers": [{"type": "contains"}]},
    ],
    "target": {"openai": {"model": "gpt-4o-mini"}},
    "runner": {"secrets": [{"env": "JUDGE", "secretKeyRef": {"name": "judge", "key": "key"}}], "deadlineSeconds": 300},
    "maxAttempts": 2,
}  # fmt: skip


def gated(steps: list[dict[str, Any]] | None = None) -> AgentDeploymentSpec:
    base = spec(steps) if steps is not None else AgentDeploymentSpec.model_validate(BASE)
    return base.model_copy(
        update={"evaluation": AgentDeploymentSpec.model_validate({**BASE, "evaluation": GATE}).evaluation}
    )


def judge(world: World, verdict: str, *suites: str, reason: str = "pass rate …") -> None:
    for run in world.status.evaluation:
        if run.suite in suites:
            world.evaluations[run.run] = RunSeen(verdict, reason, 0.5)  # type: ignore[arg-type]
