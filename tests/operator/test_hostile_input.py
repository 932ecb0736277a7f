"""Bad input, as a property: hostile AgentDeployments (tests/operator/hostile.py) applied with kubectl
while the operator runs and a healthy agent beside them is changed again and again. Each one is
refused at admission naming the field, or accepted and shown not Ready naming the field, or served
exactly as written; the healthy agent keeps following its spec; the operator never stops.

Bounded for CI (one corpus of every class three times, derandomised, so CI sees the same corpus
for the same code); `AGENTOPS_HOSTILE_EXAMPLES` and `AGENTOPS_HOSTILE_PER_CLASS` run more. The counts
per class and the healthy agent's latency are printed in the terminal summary."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from agentops_operator.engine.manifests import LABEL_AGENT
from agentops_operator.handlers.app import allow_decoding_what_the_server_accepts
from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.conftest import Kubectl
from tests.operator.hostile import EXAMPLE, Hostile, corpus
from tests.reporting import SUMMARY
from tests.waiting import eventually

EXAMPLES = int(os.environ.get("AGENTOPS_HOSTILE_EXAMPLES", "1"))
PER_CLASS = int(os.environ.get("AGENTOPS_HOSTILE_PER_CLASS", "3"))
AGENTS = "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def ready(api: httpx.Client, name: str) -> dict[str, Any]:
    body = api.get(f"{AGENTS}/{name}").json()
    return next((c for c in body.get("status", {}).get("conditions", []) if c["type"] == "Ready"), {})


def change_healthy(kubectl: Kubectl, api: httpx.Client, replicas: int) -> float:
    """Seconds from a spec change of the healthy agent to its Deployment following it."""
    started = time.monotonic()
    kubectl("patch", "agd", "support-agent", "--type=merge", "-p", json.dumps({"spec": {"replicas": replicas}}))

    def followed() -> bool:
        listed = api.get(DEPLOYMENTS, params={"labelSelector": f"{LABEL_AGENT}=support-agent"}).json()["items"]
        return any(d["spec"]["replicas"] == replicas for d in listed)

    eventually(followed, timeout=30, message=f"the healthy agent's Deployment did not follow replicas={replicas}")
    return time.monotonic() - started


def outcome_of(case: Hostile, kubectl: Kubectl, api: httpx.Client) -> str:
    """What the user sees, checked against what they must see; returns it for the tally."""
    side = ["--server-side"] if case.server_side else []
    applied = kubectl("apply", *side, "-f", "-", input=case.manifest(), check=False)
    if case.outcome == "refused":
        assert applied.returncode != 0, f"{case.kind} accepted: {case.name}"
        assert case.field in applied.stderr, (case.kind, case.field, applied.stderr[:600])
        return "refused naming the field"
    assert applied.returncode == 0, (case.kind, applied.stderr[:600])
    if case.outcome == "not-ready":
        shown = eventually(
            lambda: (c := ready(api, case.name)).get("status") == "False" and c.get("reason") == case.reason and c,
            timeout=30,
            message=f"{case.kind}: {case.name} accepted but never shown not Ready ({case.reason})",
        )
        assert shown["message"].startswith(case.field), (case.kind, shown["message"][:300])
        return "not Ready naming the field"
    eventually(lambda: ready(api, case.name).get("status") == "True", timeout=30, message=f"{case.kind} not served")
    revision = api.get(f"{AGENTS}/{case.name}").json()["status"]["stableRevision"]["hash"]
    bundle = json.loads(api.get(f"{CONFIGMAPS}/{case.name}-{revision}").json()["data"]["bundle.json"])
    assert bundle["prompt"]["system"] == case.agent["spec"]["prompt"]["system"], case.kind
    return "served exactly as written"


@pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")
def test_hostile_agents_are_refused_or_shown_and_never_stop_the_operator(
    operator: RunningOperator, kubectl: Kubectl, api: httpx.Client
) -> None:
    kubectl("apply", "-f", "-", input=json.dumps(EXAMPLE))
    kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
    tally: Counter[tuple[str, str]] = Counter()
    latencies: list[float] = []
    runs = iter(range(10**6))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],  # no shrinking: each run leaves its agents, and a rerun names its own
        suppress_health_check=list(HealthCheck),
    )
    @given(corpus(PER_CLASS))
    def applied_while_the_healthy_agent_changes(cases: list[Hostile]) -> None:
        # Hypothesis sets the process's recursion limit to its own while an example runs; the
        # operator under test shares this process, and its own process keeps the limit it set.
        allow_decoding_what_the_server_accepts()
        run = next(runs)
        for i, case in enumerate(cases):
            latencies.append(change_healthy(kubectl, api, 2 + (len(latencies) % 2)))
            case.agent["metadata"]["name"] = f"hostile-{run}-{i}"
            tally[(case.kind, outcome_of(case, kubectl, api))] += 1
            assert operator.thread.is_alive(), f"the operator stopped after {case.kind}"
        latencies.append(change_healthy(kubectl, api, 2 + (len(latencies) % 2)))

    applied_while_the_healthy_agent_changes()
    server = "kube" if "kube" in os.environ.get("PYTEST_CURRENT_TEST", "") else "standin"
    counts = ", ".join(f"{kind}: {count} {seen}" for (kind, seen), count in sorted(tally.items()))
    SUMMARY.append(f"hostile input ({server}): {sum(tally.values())} agents — {counts}")
    SUMMARY.append(
        f"hostile input ({server}): healthy agent spec → Deployment p50 {statistics.median(latencies):.2f} s, "
        f"max {max(latencies):.2f} s over {len(latencies)} changes"
    )
