"""A session: one conversation or task of the agent, with everything it does recorded.

`with agent.session(...) as s:` counts the session by outcome (success unless said otherwise;
an exception is `error`), its duration and turns; inside, `s.llm_call`, `s.tool`,
`s.guardrail`, `s.grounding`, `s.safety_violation` and `s.check_output` record the rest.
"""

from __future__ import annotations

import contextvars
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from . import logs
from .controls import ControlRefusal, ToolRateLimited

if TYPE_CHECKING:
    from . import Agent

CURRENT: contextvars.ContextVar[Session | None] = contextvars.ContextVar("agentops_session", default=None)


class DryRun:
    """Returned instead of running a tool that must run dry (shadow mode, `dryRunTools`)."""

    def __init__(self, tool: str) -> None:
        self.tool = tool

    def __repr__(self) -> str:
        return f"DryRun({self.tool!r})"

    def __bool__(self) -> bool:
        return False


@dataclass
class ToolCall:
    name: str
    dry_run: bool
    outcome: str = "success"

    def fail(self) -> None:
        self.outcome = "error"


class Session:
    def __init__(self, agent: Agent, user_id: str | None, task_type: str | None) -> None:
        self.agent = agent
        self.user_id = user_id
        self.task_type = task_type
        self.session_id = secrets.token_hex(8)
        self.trace_id = secrets.token_hex(16)
        self.outcome: str | None = None
        self.turns = 0
        self.cost_usd = 0.0
        self.cost_known = True
        self._started = 0.0
        self._token: contextvars.Token[Session | None] | None = None

    # ----- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> Session:
        self.agent.admit(self)
        self._started = time.perf_counter()
        self._token = CURRENT.set(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._token is not None:
            CURRENT.reset(self._token)
        outcome = "error" if kind is not None else (self.outcome or "success")
        elapsed = time.perf_counter() - self._started
        metrics = self.agent.metrics
        metrics.child(metrics.sessions, outcome).inc()
        metrics.child(metrics.session_duration).observe(elapsed)
        metrics.child(metrics.session_turns).observe(self.turns)
        self._log("session_end", success=outcome == "success", outcome=outcome, latency_ms=round(elapsed * 1000, 1),
                  turns=self.turns, cost_usd=self.cost_usd if self.cost_known else None)  # fmt: skip

    def success(self) -> None:
        self.outcome = "success"

    def fail(self) -> None:
        self.outcome = "failure"

    def abandon(self) -> None:
        self.outcome = "abandoned"

    def turn(self) -> None:
        self.turns += 1

    # ----- recorders ---------------------------------------------------------------------
    def llm_call(self, *, model: str | None = None, provider: str | None = None, tokens_in: int = 0, tokens_out: int = 0,
                 latency_s: float | None = None, operation: str = "chat", output: str | None = None) -> float | None:  # fmt: skip
        """Record one LLM call; returns its cost in USD, or None when the model has no known price."""
        agent = self.agent
        model = model or agent.model
        provider = provider or agent.provider
        metrics = agent.metrics
        price = agent.pricing.price(provider, model)
        cost = price.cost(tokens_in, tokens_out) if price is not None else None
        metrics.child(metrics.llm_calls, provider, model, "true" if price else "false").inc()
        metrics.child(metrics.tokens, operation, provider, model, "input").observe(tokens_in)
        metrics.child(metrics.tokens, operation, provider, model, "output").observe(tokens_out)
        if latency_s is not None:
            metrics.child(metrics.llm_duration, operation, provider, model).observe(latency_s)
        if cost is not None:
            metrics.child(metrics.cost, model).inc(cost)
            self.cost_usd += cost
        else:
            self.cost_known = False
        if output is not None:
            self.check_output(output)
        self._log("llm_call", model=model, tokens_in=tokens_in, tokens_out=tokens_out,
                  latency_ms=None if latency_s is None else round(latency_s * 1000, 1), cost_usd=cost, success=True)  # fmt: skip
        return cost

    @contextmanager
    def tool(self, name: str) -> Iterator[ToolCall]:
        """Run a tool call under the live controls. `call.dry_run` says it must not act for real;
        an exception (or `call.fail()`) is an error outcome; a refusal raises before the body."""
        metrics = self.agent.metrics
        try:
            dry = self.agent.controls.admit_tool(name, self.agent.side_effects(name))
        except ControlRefusal as refusal:
            outcome = "rate_limited" if isinstance(refusal, ToolRateLimited) else "blocked"
            metrics.child(metrics.tool_calls, name, outcome).inc()
            self._log("tool_call", tool=name, outcome=outcome, success=False)
            raise
        call = ToolCall(name, dry, "dry_run" if dry else "success")
        started = time.perf_counter()
        try:
            yield call
        except BaseException:
            call.outcome = "error"
            raise
        finally:
            metrics.child(metrics.tool_calls, name, call.outcome).inc()
            self._log("tool_call", tool=name, outcome=call.outcome, success=call.outcome in ("success", "dry_run"),
                      latency_ms=round((time.perf_counter() - started) * 1000, 1))  # fmt: skip

    def call_tool(self, name: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Call `function` as tool `name`, or return a DryRun marker when it must run dry."""
        with self.tool(name) as call:
            if call.dry_run:
                return DryRun(name)
            return function(*args, **kwargs)

    def guardrail(self, name: str, triggered: bool, action: str = "Flag", stage: str | None = None) -> None:
        metrics = self.agent.metrics
        stage = stage or self.agent.guardrail_stage(name)
        metrics.child(metrics.guardrail_checks, name, stage).inc()
        if triggered:
            metrics.child(metrics.guardrail_triggers, name, stage, action).inc()
            self._log("guardrail_triggered", guardrail=name, stage=stage, action=action)

    def grounding(self, score: float) -> None:
        metrics = self.agent.metrics
        metrics.child(metrics.grounding).observe(min(max(score, 0.0), 1.0))

    def safety_violation(self, category: str = "unspecified") -> None:
        metrics = self.agent.metrics
        metrics.child(metrics.safety_violations, category).inc()
        self._log("safety_violation", category=category)

    def check_output(self, output: str) -> bool:
        """Count a prompt leak if `output` repeats a long run of the system prompt (text never logged)."""
        if self.agent.leaks.leaked(output):
            metrics = self.agent.metrics
            metrics.child(metrics.prompt_leaks).inc()
            self._log("prompt_leak")
            return True
        return False

    def _log(self, event_type: str, **fields: Any) -> None:
        if logs.enabled():
            logs.emit(event_type, {
                "agent_id": self.agent.name, "revision": self.agent.revision, "session_id": self.session_id,
                "trace_id": self.trace_id, "span_id": secrets.token_hex(8), "user_id": self.user_id,
                "task_type": self.task_type, **fields,
            })  # fmt: skip
