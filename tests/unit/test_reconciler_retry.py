"""Unit: a failed reconcile retries itself with exponential backoff and jitter, no sooner than the
server's Retry-After, and a warning names the exception (issue: slow recovery from API faults)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentops_operator.ports.agents import NopAgents
from agentops_operator.ports.children import ChildRejected, NopChildren
from agentops_operator.runtime import reconciler as module
from agentops_operator.runtime.reconciler import Reconciler, describe, retry_delay

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("failures", "retry_after", "jitter", "expected"),
    [
        pytest.param(1, None, 1.0, 0.5, id="first-retry-soon"),
        pytest.param(2, None, 1.0, 1.0, id="doubles"),
        pytest.param(4, None, 1.0, 4.0, id="keeps-doubling"),
        pytest.param(20, None, 1.0, 30.0, id="capped"),
        pytest.param(2, None, 0.75, 0.75, id="jitter-spreads-retries"),
        pytest.param(1, 7.0, 1.0, 7.0, id="retry-after-wins-when-longer"),
        pytest.param(6, 1.0, 1.0, 16.0, id="backoff-wins-when-longer"),
    ],
)
def test_retry_delay(failures: int, retry_after: float | None, jitter: float, expected: float) -> None:
    assert retry_delay(failures, retry_after, jitter) == pytest.approx(expected)


class Throttled(Exception):
    def __init__(self) -> None:
        super().__init__("429 TooManyRequests: slow down")
        self.retry_after = 0.05


class FlakyStatus(NopAgents):
    """Serves one agent; its status write fails `failures` times, then succeeds."""

    def __init__(self, body: dict[str, Any], failures: int) -> None:
        self.body, self.failures, self.attempts = body, failures, 0
        self.written = asyncio.Event()  # set by the first write that succeeds

    async def get_agent(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self.body

    async def write_status(self, namespace: str, name: str, patch: dict[str, Any]) -> dict[str, Any] | None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise Throttled()
        self.written.set()
        return self.body


async def test_a_failed_reconcile_retries_by_itself_until_it_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "RETRY_FIRST_SECONDS", 0.01)
    body = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    body["metadata"].update(namespace="default", generation=1, uid="u1")
    agents = FlakyStatus(body, failures=2)
    reconciler = Reconciler(agents, NopChildren())
    with pytest.raises(Throttled):
        await reconciler.reconcile(body)
    async with asyncio.timeout(10):
        await agents.written.wait()  # no event, no resync: the retries alone get it written
    assert agents.attempts == 3
    assert reconciler._failures == {}


def test_a_warning_names_the_exception() -> None:
    assert describe(TimeoutError()) == "TimeoutError"
    assert describe(Throttled()) == "Throttled: 429 TooManyRequests: slow down"


class Recording(NopAgents):
    """Serves one agent and keeps what the operator wrote to it (status patches, Events)."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body, self.patches, self.events = body, [], []  # type: ignore[var-annotated]

    async def get_agent(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self.body

    async def write_status(self, namespace: str, name: str, patch: dict[str, Any]) -> dict[str, Any] | None:
        self.patches.append(patch)
        self.body["status"] = {**self.body.get("status", {}), **patch}
        return self.body

    async def post_event(self, namespace: str, body: dict[str, Any]) -> None:
        self.events.append(body)


class Refusing(NopChildren):
    """A cluster whose API server refuses the revision's Deployment as invalid."""

    async def apply(self, manifest: dict[str, Any]) -> dict[str, Any] | None:
        if manifest["kind"] == "Deployment":
            raise ChildRejected("Deployment", manifest["metadata"]["name"], "spec.template: Invalid value: x")
        return manifest


async def test_a_child_the_server_refuses_shows_on_the_agent_once_and_is_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Retried on every reconcile before, with nothing in status: now Ready=False names the field and
    the server's words, one status write and one Event however often it is retried."""
    monkeypatch.setattr(module, "RETRY_FIRST_SECONDS", 0.01)
    body = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    body["metadata"].update(namespace="default", generation=1, uid="u1")
    agents = Recording(body)
    reconciler = Reconciler(agents, Refusing())
    for _ in range(3):
        with pytest.raises(ChildRejected):
            await reconciler.reconcile(agents.body)
    ready = next(c for c in agents.body["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "RejectedByAPIServer")
    assert ready["message"].startswith("spec.runtime: the API server refused Deployment support-agent-")
    assert "spec.template: Invalid value: x; fix spec.runtime and apply the manifest again" in ready["message"]
    assert len(agents.patches) == 1 and len(agents.events) == 1
    await reconciler.close()
