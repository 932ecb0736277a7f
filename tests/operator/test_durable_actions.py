"""Fault tests: a manual action (`kubectl agents promote|abort|pause|resume|retry|skip-analysis`: an annotation)
takes effect exactly once, whichever of the operator's writes after it fails, and wherever the
operator dies between the annotation and its effect.

The operator runs behind the fault proxy (agentops_sandbox.testing.fault_proxy). For each action and
each k = 1, 2, … until the operator makes fewer than k writes: either the k-th write after the
annotation fails once (500; the operator retries on its own), or the operator dies before its k-th
write lands (every write from the k-th on is dropped, the operator is stopped and a new one started).
Each round starts a new revision's rollout, so every round begins from the same step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from agentops_operator.adapters.metrics.static import StaticMetrics
from agentops_sandbox.testing.fault_proxy import Fault, FaultProxy, WriteFaults
from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.conftest import Kubectl
from tests.operator import routing
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
AGENT = "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments/support-agent"
ROLLOUT = {
    "trafficRouting": {"gatewayAPI": {"httpRouteName": "support", "ruleName": "chat"}},
    "steps": [
        {"canary": {"weight": 20, "durationSeconds": 3600}},
        {"pause": {}},
        {"pause": {}},
        {"canary": {"weight": 50, "durationSeconds": 1}},
    ],
}


@dataclass(frozen=True)
class Action:
    annotation: str
    value: str
    done: Callable[[dict[str, Any], str], bool]  # (status, the revision rolled out) → its effect, exactly once
    before: Action | None = None  # what sets the stage first, without faults (a pause before a resume)


def _rollout(status: dict[str, Any]) -> dict[str, Any]:
    return status.get("rollout") or {}


ACTIONS = {
    # Promoting twice would reach the second pause (stepIndex 2): exactly one step is index 1.
    "promote-step": Action(
        "agentops.dev/promote", "step", lambda s, rev: _rollout(s).get("stepIndex") == 1 and _awaiting(s)
    ),
    "promote-full": Action(
        "agentops.dev/promote", "full", lambda s, rev: (s.get("stableRevision") or {}).get("hash") == rev
    ),
    "abort": Action("agentops.dev/abort", "true", lambda s, rev: _rollout(s).get("abortReason") == "ManualAbort"),
    "pause": Action("agentops.dev/pause", "true", lambda s, rev: _rollout(s).get("pauseReason") == "ManualPause"),
    "skip-analysis": Action("agentops.dev/skip-analysis", "true", lambda s, rev: bool(_rollout(s).get("skipAnalysis"))),
}
ACTIONS["resume"] = Action(
    "agentops.dev/resume", "true", lambda s, rev: _started(s, rev) and not _rollout(s).get("paused"), ACTIONS["pause"]
)
ACTIONS["retry"] = Action(
    "agentops.dev/retry", "true", lambda s, rev: _started(s, rev) and not _rollout(s).get("abortedAt"), ACTIONS["abort"]
)


def _started(status: dict[str, Any], revision: str) -> bool:
    return _rollout(status).get("revision") == revision and _rollout(status).get("stepIndex") == 0


def _awaiting(status: dict[str, Any]) -> bool:
    return any(c["type"] == "Paused" and c["reason"] == "AwaitingPromotion" for c in status.get("conditions", []))


class Rounds:
    """The operator behind the proxy, restarted on demand, and one new revision per round."""

    def __init__(self, proxy: FaultProxy, kubeconfig: Path, kubectl: Kubectl, api: httpx.Client) -> None:
        self.proxy, self.kubeconfig, self.kubectl, self.api = proxy, kubeconfig, kubectl, api
        self.metrics = StaticMetrics({"session-success-rate": 0.95}, sessions=200)
        self.operator = RunningOperator(kubeconfig, metrics=self.metrics).start()
        self.round = 0

    def start(self) -> None:
        self.operator = RunningOperator(self.kubeconfig, metrics=self.metrics).start()

    def agent(self) -> dict[str, Any]:
        return self.api.get(AGENT).json()  # type: ignore[no-any-return]

    def next_rollout(self) -> str:
        """Apply a new revision and wait until its rollout sits at step 1 (canary 20 %, an hour long)."""
        self.round += 1
        agent = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
        agent["spec"]["rollout"] = ROLLOUT
        agent["spec"]["prompt"]["system"] += f" Round {self.round}."
        self.kubectl("apply", "-f", "-", input=yaml.safe_dump(agent))

        def started() -> str | None:
            agent = self.agent()
            status = agent.get("status", {})
            if status.get("observedGeneration") != agent["metadata"]["generation"]:
                return None  # the status still tells of the previous round's revision
            latest = (status.get("latestRevision") or {}).get("hash")
            ro = _rollout(status)
            first = self.round == 1 and (status.get("stableRevision") or {}).get("hash") == latest
            return latest if first or (ro.get("revision") == latest and ro.get("stepStartedAt")) else None

        return eventually(started, 30, "the new revision's rollout did not start")

    def act(self, action: Action, revision: str) -> None:
        """Carry out `action` without faults, and wait until it has settled."""
        self.kubectl("annotate", "agd", "support-agent", f"{action.annotation}={action.value}")
        eventually(lambda: self.settled(action, revision), 30, f"{action.annotation} did not settle")

    def settled(self, action: Action, revision: str) -> bool:
        agent = self.agent()
        status = agent.get("status", {})
        annotations = agent["metadata"].get("annotations") or {}
        return (
            action.done(status, revision) and action.annotation not in annotations and not status.get("handledActions")
        )


@pytest.fixture
def rounds(kubectl: Kubectl, kubeconfig: Path, api: httpx.Client, tmp_path: Path) -> Iterator[Rounds]:
    routing.install(api)
    with FaultProxy(kubeconfig) as proxy:
        rounds = Rounds(proxy, proxy.write_kubeconfig(tmp_path / "proxied"), kubectl, api)
        try:
            rounds.next_rollout()  # the first revision goes live directly
            yield rounds
        finally:
            rounds.operator.stop()


@pytest.mark.parametrize("name", list(ACTIONS))
def test_a_manual_action_takes_effect_exactly_once_through_failed_writes_and_kills(
    rounds: Rounds, kubectl: Kubectl, name: str
) -> None:
    action = ACTIONS[name]
    plan = WriteFaults()
    rounds.proxy.plan = plan
    outcomes: list[str] = []
    for killed in (False, True):
        at = 1
        while True:
            revision = rounds.next_rollout()
            if action.before is not None:
                rounds.act(action.before, revision)
            plan.arm(at, Fault("drop") if killed else Fault("error", 500), onwards=killed)
            kubectl("annotate", "agd", "support-agent", f"{action.annotation}={action.value}")
            handled = lambda r=revision: bool(plan.injected) or rounds.settled(action, r)  # noqa: E731
            eventually(handled, 30, "the action was not handled")
            hit = bool(plan.injected)
            if hit and killed:
                rounds.operator.stop()  # it died before write #at landed...
            plan.disarm()
            if hit and killed:
                rounds.start()  # ...and a new operator takes over
            done = lambda r=revision: rounds.settled(action, r)  # noqa: E731
            eventually(done, 30, f"{name}: not exactly once at write #{at}")
            if not hit:
                break  # the operator made fewer than `at` writes for this action
            outcomes.append(f"{'kill' if killed else 'fail'}@{at}")
            at += 1
    # Each mode met at least the status write, the annotation's removal and the records' removal.
    assert sum(o.startswith("kill") for o in outcomes) >= 3 and sum(o.startswith("fail") for o in outcomes) >= 3
