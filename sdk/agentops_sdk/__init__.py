"""agentops_sdk — the agent side of AgentOps, in two lines:

    import agentops_sdk
    agent = agentops_sdk.init()

`init()` reads AGENT_NAME, AGENT_NAMESPACE and AGENT_REVISION, the revision bundle mounted at
/etc/agentops/bundle (model, prompt, tools, guardrails), starts the Prometheus `/metrics`
exporter on the metrics port, sets up JSON logs and watches the operator's live controls.
Then `with agent.session() as s:` records each session. Depends on the standard library and
prometheus-client only (genai-prices, when installed, prices tokens; it is imported on first use).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

from . import contract, logs
from .controls import AgentBlocked, ControlRefusal, Controls, SessionThrottled, ToolBlocked, ToolRateLimited
from .costs import Price, Pricing
from .leaks import LeakDetector
from .metrics import AgentMetrics
from .session import CURRENT, DryRun, Session

__all__ = [
    "Agent",
    "AgentBlocked",
    "ControlRefusal",
    "DryRun",
    "Session",
    "SessionThrottled",
    "ToolBlocked",
    "ToolRateLimited",
    "current_session",
    "init",
]

DEFAULT_BUNDLE = Path(contract.BUNDLE_PATH)


class Agent:
    def __init__(
        self,
        name: str,
        namespace: str,
        revision: str,
        bundle: dict[str, Any],
        registry: CollectorRegistry,
        controls_dir: Path | None = None,
    ) -> None:
        self.name, self.namespace, self.revision, self.bundle = name, namespace, revision, bundle
        model = bundle.get("model") or {}
        self.provider = str(model.get("provider", ""))
        self.model = str(model.get("name", ""))
        pricing = model.get("pricing")
        override = (
            Price(float(pricing["inputPerMillionTokensUSD"]), float(pricing["outputPerMillionTokensUSD"]))
            if pricing
            else None
        )
        self.pricing = Pricing(override, self.provider, self.model)
        self.system_prompt = str((bundle.get("prompt") or {}).get("system", ""))
        self.leaks = LeakDetector(self.system_prompt)
        tools = {t["name"]: t for t in bundle.get("tools") or []}
        self._side_effects = {name: str(t.get("sideEffects", "External")) for name, t in tools.items()}
        limits = {name: float(t["rateLimitPerMinute"]) for name, t in tools.items() if t.get("rateLimitPerMinute")}
        self._guardrail_stages = {g["name"]: str(g.get("stage", "Output")) for g in bundle.get("guardrails") or []}
        self.controls = Controls(controls_dir, tool_limits=limits, revision=revision)
        self._llm: dict[tuple[str, str, str], tuple[Any, Any, Any, Any, Any, Price | None]] = {}
        self.metrics = AgentMetrics(registry, name, namespace, revision)
        self.metrics.info.labels(name, namespace, revision, self.provider, self.model).set(1)
        declared = {
            g["name"]: (str(g.get("stage", "Output")), str(g.get("action", "Flag")))
            for g in bundle.get("guardrails") or []
        }
        self.metrics.declare(tools=list(tools), guardrails=declared, model=self.model, provider=self.provider)

    def llm_children(self, provider: str, model: str, operation: str) -> tuple[Any, Any, Any, Any, Any, Price | None]:
        """Bound metric children and price for one (provider, model, operation), cached."""
        key = (provider, model, operation)
        found = self._llm.get(key)
        if found is None:
            m = self.metrics
            price = self.pricing.price(provider, model)
            found = self._llm[key] = (
                m.child(m.llm_calls, provider, model, "true" if price else "false"),
                m.child(m.tokens, operation, provider, model, "input"),
                m.child(m.tokens, operation, provider, model, "output"),
                m.child(m.llm_duration, operation, provider, model),
                m.child(m.cost, model),
                price,
            )
        return found

    def side_effects(self, tool: str) -> str:
        """A tool's declared side effects; unknown tools are treated as External (the safe side)."""
        return self._side_effects.get(tool, "External")

    def guardrail_stage(self, guardrail: str) -> str:
        return self._guardrail_stages.get(guardrail, "Output")

    def session(self, user_id: str | None = None, task_type: str | None = None) -> Session:
        return Session(self, user_id, task_type)

    def admit(self, session: Session) -> None:
        try:
            self.controls.admit_session()
        except ControlRefusal as refusal:
            outcome = "blocked" if isinstance(refusal, AgentBlocked) else "throttled"
            self.metrics.child(self.metrics.sessions, outcome).inc()
            raise


def _load_bundle(path: Path) -> dict[str, Any]:
    file = path / contract.BUNDLE_FILE if path.is_dir() else path
    try:
        loaded = json.loads(file.read_text())
    except FileNotFoundError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def init(
    *,
    name: str | None = None,
    namespace: str | None = None,
    revision: str | None = None,
    bundle_path: str | os.PathLike[str] | None = None,
    controls_path: str | os.PathLike[str] | None = None,
    metrics_port: int | None = None,
    metrics_address: str = "0.0.0.0",
    registry: CollectorRegistry | None = None,
    log_stream: IO[str] | None = None,
    start_exporter: bool = True,
) -> Agent:
    """Set up the agent from its environment; every argument overrides what the operator set."""
    bundle = _load_bundle(Path(bundle_path or os.environ.get(contract.ENV_BUNDLE_PATH) or DEFAULT_BUNDLE))
    agent = Agent(
        name=name or os.environ.get(contract.ENV_AGENT_NAME, "unknown-agent"),
        namespace=namespace or os.environ.get(contract.ENV_AGENT_NAMESPACE, "default"),
        revision=revision or os.environ.get(contract.ENV_AGENT_REVISION, "unknown"),
        bundle=bundle,
        registry=registry or REGISTRY,
        controls_dir=Path(controls_path or os.environ.get(contract.ENV_CONTROLS_PATH) or contract.CONTROLS_PATH),
    )
    logs.configure(log_stream)
    if start_exporter:
        default_port = os.environ.get(contract.ENV_METRICS_PORT, str(contract.DEFAULT_METRICS_PORT))
        port = metrics_port if metrics_port is not None else int(default_port)
        start_http_server(port, addr=metrics_address, registry=registry or REGISTRY)
    return agent


def current_session() -> Session | None:
    """The session the calling code runs in (used by automatic LLM-call capture)."""
    return CURRENT.get()
