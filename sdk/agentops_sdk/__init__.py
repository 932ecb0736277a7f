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

import os
from pathlib import Path
from typing import IO, Any

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

from . import bundle as bundles
from . import contract, logs, tracing
from . import otel_metrics as otel_metrics_module
from .bundle import BundleError
from .controls import ENV_FALLBACK as ENV_CONTROLS_FALLBACK
from .controls import AgentBlocked, ControlRefusal, Controls, SessionThrottled, ToolBlocked, ToolRateLimited
from .costs import Price, Pricing
from .leaks import LeakDetector
from .metrics import AgentMetrics
from .otel_metrics import OtelMetrics
from .session import CURRENT, DryRun, Session
from .tracing import Tracing

__all__ = [
    "Agent",
    "AgentBlocked",
    "BundleError",
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
        controls_fallback: contract.Mode = contract.MODE_BLOCKED,
        tracing: Tracing | None = None,
        otel_metrics: OtelMetrics | None = None,
    ) -> None:
        self.name, self.namespace, self.revision, self.bundle = name, namespace, revision, bundle
        self.tracing = tracing  # OpenTelemetry spans, when on (agentops_sdk/tracing.py)
        self.otel_metrics = otel_metrics  # OpenTelemetry metrics, when on (agentops_sdk/otel_metrics.py)
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
        self.controls = Controls(controls_dir, tool_limits=limits, revision=revision, fallback=controls_fallback)
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


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


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
    allow_missing_bundle: bool | None = None,
    controls_fallback: contract.Mode | None = None,
    otel: bool | None = None,
    tracer_provider: Any = None,
    otel_metrics: bool | None = None,
    meter_provider: Any = None,
) -> Agent:
    """Set up the agent from its environment; every argument overrides what the operator set.

    Raises BundleError when the revision bundle is missing (unless `allow_missing_bundle`, or
    AGENTOPS_ALLOW_MISSING_BUNDLE=1, for local development) or damaged. `controls_fallback` (or
    AGENTOPS_CONTROLS_FALLBACK) is the mode taken while the controls file cannot be read and no
    good version of it was ever read: `blocked` unless set. `otel=True` (or a `tracer_provider`, or
    the environment: agentops_sdk/tracing.py) traces each session with OpenTelemetry;
    `otel_metrics=True` (or a `meter_provider`) records OpenTelemetry metrics too."""
    if allow_missing_bundle is None:
        allow_missing_bundle = _flag(bundles.ENV_ALLOW_MISSING)
    path = Path(bundle_path or os.environ.get(contract.ENV_BUNDLE_PATH) or DEFAULT_BUNDLE)
    bundle = bundles.load(path, allow_missing_bundle)
    fallback = controls_fallback or os.environ.get(ENV_CONTROLS_FALLBACK) or contract.MODE_BLOCKED
    if fallback not in contract.MODES:
        raise ValueError(f"{ENV_CONTROLS_FALLBACK}={fallback!r} is not one of {', '.join(contract.MODES)}")
    name = name or os.environ.get(contract.ENV_AGENT_NAME, "unknown-agent")
    revision = revision or os.environ.get(contract.ENV_AGENT_REVISION, "unknown")
    spans = None
    if tracer_provider is not None or tracing.wanted(otel):
        provider = str((bundle.get("model") or {}).get("provider", ""))
        spans = tracing.Tracing(name, revision, provider, tracer_provider)
    meters = None
    if meter_provider is not None or otel_metrics_module.wanted(otel_metrics):
        meters = otel_metrics_module.OtelMetrics(name, revision, meter_provider)
    agent = Agent(
        name=name,
        namespace=namespace or os.environ.get(contract.ENV_AGENT_NAMESPACE, "default"),
        revision=revision,
        bundle=bundle,
        registry=registry or REGISTRY,
        controls_dir=Path(controls_path or os.environ.get(contract.ENV_CONTROLS_PATH) or contract.CONTROLS_PATH),
        controls_fallback=fallback,
        tracing=spans,
        otel_metrics=meters,
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
