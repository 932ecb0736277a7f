"""Unit: delivering notices to an agent's receivers — one receiver's failure, of any kind, is recorded
for it alone (without its secret) and never keeps the next receiver from its notice."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import yaml

from agentops_operator.api.resource import AgentDeployment
from agentops_operator.ports.children import Forbidden, NopChildren
from agentops_operator.runtime.notify import deliver
from tests.unit.adapters.notices import OPENED

ROOT = Path(__file__).resolve().parents[2]


class Secrets(NopChildren):
    async def get_secret(self, namespace: str, name: str) -> dict[str, Any] | None:
        return {"data": {"url": base64.b64encode(f"https://hooks.example/{name}-token".encode()).decode()}}


class Exploding:
    """A notifier whose transport fails with something that is not a NotifyError, naming the URL."""

    async def send(self, secret: str, notice: object, agent: str, namespace: str) -> None:
        raise ExceptionGroup("unhandled", [ValueError(f"bad port in {secret}")])


class Recording:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, secret: str, notice: object, agent: str, namespace: str) -> None:
        self.sent.append(secret)


async def test_a_receiver_that_explodes_keeps_no_other_from_its_notice() -> None:
    body = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    body["metadata"]["namespace"] = "default"
    body["spec"]["notifications"] = [
        {"name": "first", "type": "Webhook", "secretRef": {"name": "first", "key": "url"}},
        {"name": "second", "type": "Slack", "secretRef": {"name": "second", "key": "url"}},
    ]
    slack = Recording()
    notifiers = {"Webhook": Exploding(), "Slack": slack}
    states = await deliver(Secrets(), notifiers, AgentDeployment.parse(body), [OPENED], lambda: "t")  # type: ignore[arg-type]
    assert states["first"]["lastError"] == "failed: ExceptionGroup"
    assert "token" not in str(states)
    assert slack.sent == ["https://hooks.example/second-token"] and states["second"]["lastDelivered"] == "t"


class Unreadable(NopChildren):
    """The operator's role does not reach Secrets in this namespace (a cluster-wide install whose
    Secret reads are bound per namespace)."""

    async def get_secret(self, namespace: str, name: str) -> dict[str, Any] | None:
        raise Forbidden("get", "Secret", namespace, name)


async def test_a_secret_the_operator_may_not_read_says_how_to_grant_it() -> None:
    body = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    body["metadata"]["namespace"] = "team-b"
    body["spec"]["notifications"] = [{"name": "hook", "type": "Webhook", "secretRef": {"name": "hook", "key": "url"}}]
    hook = Recording()
    states = await deliver(Unreadable(), {"Webhook": hook}, AgentDeployment.parse(body), [OPENED], lambda: "t")  # type: ignore[arg-type]
    error = states["hook"]["lastError"]
    assert error.startswith('the operator may not get Secret "hook" in namespace "team-b": grant it get on Secrets')
    assert "notifications.secretNamespaces" in error and hook.sent == []
