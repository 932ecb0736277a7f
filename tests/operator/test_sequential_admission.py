"""`method: Sequential` checks that cannot work are refused at admission by the API server (CEL
rules generated beside the pydantic ones), on the real server and the stand-in, with the rule's
words; a valid one is stored as written."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import Kubectl

ROOT = Path(__file__).resolve().parents[2]
AGENT = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
COLLECTION = "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments"
SEQUENTIAL = {"name": "session-success-rate", "method": "Sequential", "maxDropVsStable": 0.02}


def _agent(check: dict[str, Any]) -> dict[str, Any]:
    agent = copy.deepcopy(AGENT)
    agent["metadata"] = {"name": "sequential"}
    agent["spec"]["rollout"] = {"steps": [{"canary": {"weight": 20}}], "analysis": {"checks": [check]}}
    return agent


@pytest.mark.parametrize(
    ("check", "message"),
    [
        pytest.param(
            {"name": "p95-session-duration", "method": "Sequential", "max": 30},
            "method Sequential judges",
            id="not-sequential",
        ),
        pytest.param(
            {"name": "cost-per-session", "method": "Sequential", "max": 0.1},
            "put absolute bounds in a second check",
            id="absolute-cost",
        ),
        pytest.param(
            {"name": "session-success-rate", "maxDropVsStable": 0.02},
            "need method: Sequential",
            id="margin-needs-method",
        ),
        pytest.param(
            {**SEQUENTIAL, "minRatioToStable": 0.9}, "compare a rate to stable with maxDropVsStable", id="ratio"
        ),
        pytest.param(
            {"name": "tool-failure-rate", "method": "Sequential", "maxDropVsStable": 0.02},
            "better when higher",
            id="direction",
        ),
    ],
)
def test_a_sequential_check_that_cannot_work_is_refused(
    kubectl: Kubectl, api: httpx.Client, check: dict[str, Any], message: str
) -> None:
    refused = api.post(COLLECTION, json=_agent(check))
    assert refused.status_code == 422 and message in refused.json()["message"], refused.text


def test_a_valid_sequential_check_is_stored_as_written(kubectl: Kubectl, api: httpx.Client) -> None:
    created = api.post(
        COLLECTION, json=_agent({**SEQUENTIAL, "min": 0.9, "confidence": 0.99}), params={"dryRun": "All"}
    )
    assert created.status_code == 201, created.text
    (check,) = created.json()["spec"]["rollout"]["analysis"]["checks"]
    assert check == {**SEQUENTIAL, "min": 0.9, "confidence": 0.99}
