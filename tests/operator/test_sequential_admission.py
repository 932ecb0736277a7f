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
from tests.sequential_cases import SUCCESS, UNWORKABLE

ROOT = Path(__file__).resolve().parents[2]
AGENT = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
COLLECTION = "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments"


def _agent(check: dict[str, Any]) -> dict[str, Any]:
    agent = copy.deepcopy(AGENT)
    agent["metadata"] = {"name": "sequential"}
    agent["spec"]["rollout"] = {"steps": [{"canary": {"weight": 20}}], "analysis": {"checks": [check]}}
    return agent


@pytest.mark.parametrize(("check", "message"), UNWORKABLE)
def test_a_sequential_check_that_cannot_work_is_refused(
    kubectl: Kubectl, api: httpx.Client, check: dict[str, Any], message: str
) -> None:
    refused = api.post(COLLECTION, json=_agent(check))
    assert refused.status_code == 422 and message in refused.json()["message"], refused.text


def test_a_valid_sequential_check_is_stored_as_written(kubectl: Kubectl, api: httpx.Client) -> None:
    created = api.post(COLLECTION, json=_agent({**SUCCESS, "min": 0.9, "confidence": 0.99}), params={"dryRun": "All"})
    assert created.status_code == 201, created.text
    (check,) = created.json()["spec"]["rollout"]["analysis"]["checks"]
    assert check == {**SUCCESS, "min": 0.9, "confidence": 0.99}
