"""A session: one conversation or task of the agent, with everything it does recorded.

`with agent.session(...) as s:` counts the session by outcome (success unless said otherwise;
an exception is `error`), its duration and turns; inside, `s.llm_call`, `s.tool`,
`s.guardrail`, `s.grounding`, `s.safety_violation` and `s.check_output` record the rest.
"""

from __future__ import annotations

import contextvars
import random  # ids for log correlation need uniqueness, not secrecy
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

from . import logs, tracing
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


class ToolCall:
    """One admitted tool call; as a context manager it records its outcome when it ends."""

    __slots__ = ("dry_run", "name", "outcome", "session", "span", "started")

    def __init__(self, session: Session, name: str, dry_run: bool, outcome: str) -> None:
        self.session, self.name, self.dry_run, self.outcome = session, name, dry_run, outcome
        self.started = 0.0
        self.span: Any = None

    def fail(self) -> None:
        self.outcome = "error"

    def __enter__(self) -> ToolCall:
        tracing = self.session.agent.tracing
        if tracing is not None:
            self.span = tracing.start_tool(self.name)
        self.started = time.perf_counter()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self.outcome = "error"
        metrics = self.session.agent.metrics
        metrics.child(metrics.tool_calls, self.name, self.outcome).inc()
        if self.session.agent.otel_metrics is not None:
            self.session.agent.otel_metrics.tool(self.name, time.perf_counter() - self.started, self.outcome)
        if self.span is not None:
            self.session.agent.tracing.end_tool(self.span, self.outcome, error)  # type: ignore[union-attr]
        if logs.events_enabled():
            self.session._log(
                "tool_call",
                tool=self.name,
                outcome=self.outcome,
                success=self.outcome in ("success", "dry_run"),
                latency_ms=round((time.perf_counter() - self.started) * 1000, 1),
            )


class Session:
    def __init__(self, agent: Agent, user_id: str | None, task_type: str | None) -> None:
        self.agent = agent
        self.user_id = user_id
        self.task_type = task_type
        self._ids: tuple[str, str] | None = None
        self.outcome: str | None = None
        self.tokens_in = 0
        self.tokens_out = 0
        self.llm_seconds = 0.0
        self.models: set[str] = set()
        self.turns = 0
        self.cost_usd = 0.0
        self.cost_known = True
        self._started = 0.0
        self._token: contextvars.Token[Session | None] | None = None
        self._span: Any = None  # the invoke_agent span and its context token, when tracing is on
        self._span_token: object = None

    @property
    def session_id(self) -> str:
        return self._identifiers()[0]

    @property
    def trace_id(self) -> str:
        return self._identifiers()[1]

    def _identifiers(self) -> tuple[str, str]:
        if self._ids is None:  # made on first use: most sessions only need them for one log line
            self._ids = (f"{random.getrandbits(64):016x}", f"{random.getrandbits(128):032x}")
        return self._ids

    # ----- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> Session:
        self.agent.admit(self)
        self._started = time.perf_counter()
        self._token = CURRENT.set(self)
        if self.agent.tracing is not None:
            self._span, self._span_token = self.agent.tracing.start_session(self.session_id, self.agent.model)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        outcome = "error" if kind is not None else (self.outcome or "success")
        elapsed = time.perf_counter() - self._started
        metrics = self.agent.metrics
        metrics.child(metrics.sessions, outcome).inc()
        metrics.child(metrics.session_duration).observe(elapsed)
        metrics.child(metrics.session_turns).observe(self.turns)
        if self.cost_usd:
            metrics.child(metrics.session_cost_squared).inc(self.cost_usd * self.cost_usd)
        if self.agent.otel_metrics is not None:
            self.agent.otel_metrics.session(elapsed, outcome)
        if logs.enabled():  # while the session's span is still current: the line carries its ids
            self._log(
                "session_end",
                success=outcome == "success",
                outcome=outcome,
                latency_ms=round(elapsed * 1000, 1),
                turns=self.turns,
                cost_usd=self.cost_usd if self.cost_known else None,
                model=",".join(sorted(self.models)) or None,
                tokens_in=self.tokens_in,
                tokens_out=self.tokens_out,
                llm_latency_ms=round(self.llm_seconds * 1000, 1),
            )
        if self._span is not None:
            totals = {
                "agentops.session.outcome": outcome,
                "agentops.session.turns": self.turns,
                "agentops.session.cost_usd": self.cost_usd if self.cost_known else None,
                "gen_ai.usage.input_tokens": self.tokens_in,
                "gen_ai.usage.output_tokens": self.tokens_out,
            }
            self.agent.tracing.end_session(self._span, self._span_token, error, totals)  # type: ignore[union-attr]
        if self._token is not None:
            CURRENT.reset(self._token)

    def success(self) -> None:
        self.outcome = "success"

    def fail(self) -> None:
        self.outcome = "failure"

    def abandon(self) -> None:
        self.outcome = "abandoned"

    def turn(self) -> None:
        self.turns += 1

    # ----- recorders ---------------------------------------------------------------------
    def llm_call(
        self,
        *,
        model: str | None = None,
        provider: str | None = None,
        tokens_in: int = 0,
        tokens_out: int = 0,
        latency_s: float | None = None,
        operation: str = "chat",
        output: str | None = None,
        span: Any = None,
    ) -> float | None:
        """Record one LLM call; returns its cost in USD, or None when the model has no known price.
        `span` is the live span httpx capture opened around the request (tracing on)."""
        agent = self.agent
        model = model or agent.model
        provider = provider or agent.provider
        calls, tokens_in_h, tokens_out_h, duration_h, cost_c, price = agent.llm_children(provider, model, operation)
        cost = price.cost(tokens_in, tokens_out) if price is not None else None
        calls.inc()
        tokens_in_h.observe(tokens_in)
        tokens_out_h.observe(tokens_out)
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        self.models.add(model)
        if latency_s is not None:
            duration_h.observe(latency_s)
            self.llm_seconds += latency_s
        if cost is not None:
            cost_c.inc(cost)
            self.cost_usd += cost
        else:
            self.cost_known = False
        if agent.otel_metrics is not None:
            agent.otel_metrics.llm_call(operation, provider, model, tokens_in, tokens_out, latency_s)
        if agent.tracing is not None:
            usage = {
                "gen_ai.operation.name": operation,
                "gen_ai.provider.name": provider,
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": tokens_in,
                "gen_ai.usage.output_tokens": tokens_out,
                "agentops.cost_usd": cost,
            }
            agent.tracing.end_llm(span, usage, latency_s)
        if output is not None:
            self.check_output(output)
        if logs.events_enabled():
            self._log(
                "llm_call",
                model=model,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                latency_ms=None if latency_s is None else round(latency_s * 1000, 1),
                cost_usd=cost,
                success=True,
            )
        return cost

    def tool(self, name: str) -> ToolCall:
        """Run a tool call under the live controls: `with s.tool("search") as call:`. `call.dry_run`
        says it must not act for real; an exception (or `call.fail()`) is an error outcome; a
        refusal raises before the body."""
        metrics = self.agent.metrics
        try:
            dry = self.agent.controls.admit_tool(name, self.agent.side_effects(name))
        except ControlRefusal as refusal:
            outcome = "rate_limited" if isinstance(refusal, ToolRateLimited) else "blocked"
            metrics.child(metrics.tool_calls, name, outcome).inc()
            if self.agent.tracing is not None:
                self.agent.tracing.event(
                    "agentops.tool_refused", {"gen_ai.tool.name": name, "agentops.outcome": outcome}
                )
            if logs.enabled():
                self._log("tool_refused", tool=name, outcome=outcome, success=False)
            raise
        return ToolCall(self, name, dry, "dry_run" if dry else "success")

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
        if self.agent.tracing is not None:
            self.agent.tracing.guardrail(name, stage, triggered, action)
        if triggered:
            metrics.child(metrics.guardrail_triggers, name, stage, action).inc()
            if logs.events_enabled():
                self._log("guardrail_triggered", guardrail=name, stage=stage, action=action)

    def grounding(self, score: float) -> None:
        metrics = self.agent.metrics
        metrics.child(metrics.grounding).observe(min(max(score, 0.0), 1.0))

    def safety_violation(self, category: str = "unspecified") -> None:
        metrics = self.agent.metrics
        metrics.child(metrics.safety_violations, category).inc()
        if self.agent.tracing is not None:
            self.agent.tracing.event("agentops.safety_violation", {"agentops.category": category})
        self._log("safety_violation", category=category)

    def check_output(self, output: str) -> bool:
        """Count a prompt leak if `output` repeats a long run of the system prompt (text never logged)."""
        if self.agent.leaks.leaked(output):
            metrics = self.agent.metrics
            metrics.child(metrics.prompt_leaks).inc()
            if self.agent.tracing is not None:
                self.agent.tracing.event("agentops.prompt_leak")
            self._log("prompt_leak")
            return True
        return False

    def _log(self, event_type: str, **fields: Any) -> None:
        if not logs.enabled():
            return
        session_id, trace_id = self._identifiers()
        active = tracing.current_ids()  # a real OpenTelemetry span (ours or a framework's) wins
        trace_id, span_id = active if active is not None else (trace_id, f"{random.getrandbits(64):016x}")
        logs.write(
            {
                "timestamp": logs.timestamp(),
                "level": "info",
                "event_type": event_type,
                "agent_id": self.agent.name,
                "revision": self.agent.revision,
                "session_id": session_id,
                "trace_id": trace_id,
                "span_id": span_id,
                "user_id": self.user_id,
                "task_type": self.task_type,
                **fields,
            }
        )
