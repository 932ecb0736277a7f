"""The operator writes what the SDK reads: the controls document's keys and modes, and the paths
and environment variables on the agent's container, all come from agentops_sdk.contract."""

from __future__ import annotations

import json
from typing import get_args

import pytest

from agentops_operator.api.status import Controls
from agentops_operator.engine import revisions
from agentops_operator.engine.manifests import CONTROLS_KEY, Identity, controls_config_map, revision_deployment
from agentops_sdk import bundle, contract
from agentops_sdk.controls import ControlState

from .world import IDENTITY, spec


def test_the_controls_the_operator_writes_are_the_keys_the_sdk_reads() -> None:
    written = Controls(
        mode="shadow", sessions_per_minute=5, blocked_tools=["x"], tool_rate_limits={"y": 1}, dry_run_tools=["z"]
    ).model_dump(by_alias=True)
    assert set(written) == contract.CONTROL_KEYS
    assert get_args(Controls.model_fields["mode"].annotation) == contract.MODES


def test_the_agent_container_gets_the_contract_paths_and_environment() -> None:
    bundle = {"runtime": {"image": "agent:1", "metricsPort": 9100}}
    pod = revision_deployment(Identity("team", "bot", "uid-1"), "abc123", bundle, 1)["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env[contract.ENV_BUNDLE_PATH] == contract.BUNDLE_PATH and env[contract.ENV_METRICS_PORT] == "9100"
    assert (env[contract.ENV_AGENT_NAME], env[contract.ENV_AGENT_REVISION]) == ("bot", "abc123")
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts == {"bundle": contract.BUNDLE_PATH, "controls": contract.CONTROLS_PATH}


@pytest.mark.parametrize("mode", contract.MODES)
def test_the_sdk_accepts_every_controls_document_the_operator_writes(mode: contract.Mode) -> None:
    """The SDK refuses a controls file that breaks the contract (and then blocks): the operator's own
    documents, with every mode and every kind of limit, must pass its checks."""
    limits = Controls(
        mode=mode, sessions_per_minute=2.5, blocked_tools=["x"], tool_rate_limits={"y": 1, "z": 0.5}, dry_run_tools=[]
    )
    config_map = controls_config_map(IDENTITY, {"abc": limits.wire(), "def": Controls().wire()})
    document = json.loads(config_map["data"][CONTROLS_KEY])
    state = ControlState.parse(document, "abc")
    assert (state.mode, state.sessions_per_minute, state.tool_rate_limits) == (mode, 2.5, {"y": 1.0, "z": 0.5})
    assert ControlState.parse(document, "def").mode == contract.MODE_NORMAL


def test_the_sdk_accepts_the_bundle_the_operator_writes() -> None:
    written = revisions.bundle(spec([]), "You are the support assistant.")
    bundle.check(json.loads(json.dumps(written)), "bundle.json")
