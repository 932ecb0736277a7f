"""Helpers of the operator's incident tests: the support agent's manifest with fast runbooks, and
what a user reads back (status, controls, open incidents)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.conftest import Kubectl
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
AGENT = "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments/support-agent"
FAST = {
    "monitoring": {"intervalSeconds": 1, "cooldownSeconds": 0},
    "runbooks": [
        {"type": t, "resolveAfterSeconds": 2}
        for t in ("PromptLeak", "ToolAbuse", "SafetyViolation", "CostSpike", "HallucinationSurge")
    ],
}


def manifest(prompt_suffix: str = "", **extra: Any) -> str:
    agent = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    agent["spec"].update(FAST)
    agent["spec"].update(extra)
    agent["spec"]["prompt"]["system"] += prompt_suffix
    return yaml.safe_dump(agent)


def status(api: httpx.Client) -> dict[str, Any]:
    return api.get(AGENT).json().get("status", {})  # type: ignore[no-any-return]


def controls(api: httpx.Client) -> dict[str, Any]:
    """The live controls per revision (none until the agent's first control creates the ConfigMap)."""
    found = api.get("/api/v1/namespaces/default/configmaps/support-agent-controls")
    if found.status_code == 404:
        return {}
    return json.loads(found.json()["data"]["controls.json"])["revisions"]  # type: ignore[no-any-return]


def open_incidents(api: httpx.Client) -> dict[str, dict[str, Any]]:
    return {i["type"]: i for i in status(api).get("incidents", []) if not i.get("resolvedAt")}


def two_revisions(kubectl: Kubectl, api: httpx.Client, **extra: Any) -> tuple[str, str]:
    """v1 serves long enough to record its healthy baseline, then v2 takes over (direct rollout)."""
    kubectl("apply", "-f", "-", input=manifest(**extra))
    kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
    v1 = status(api)["stableRevision"]["hash"]
    eventually(lambda: "cost-per-session" in status(api).get("baselines", {}).get(v1, {}), message="no baseline for v1")
    kubectl("apply", "-f", "-", input=manifest(" Be brief.", **extra))
    v2 = eventually(lambda: (h := status(api)["stableRevision"]["hash"]) != v1 and h)
    return v1, v2
