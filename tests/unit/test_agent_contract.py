"""The operator writes what the SDK reads: the controls document's keys and modes, and the paths
and environment variables on the agent's container, all come from agentops_sdk.contract."""

from __future__ import annotations

from typing import get_args

from agentops_operator.api.status import Controls
from agentops_operator.engine.manifests import Identity, revision_deployment
from agentops_sdk import contract


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
