"""The Prometheus signal provider: PromQL over httpx, one query per signal for every revision.

Every built-in signal is one instant query `... by (revision)` over the planned window, so all
revisions come back together; the sample size (finished sessions per revision) is one more, and a
rate's denominator (tool calls, guardrail checks) one more for the rates that are not per session. A
query goes to its own backend (an agent's `prometheusURL`) or to the operator's `--prometheus-url`.
Series names follow docs/reference/metrics.md. Anything that goes wrong — no backend, HTTP errors, timeouts,
a body that is not Prometheus JSON, a failed query — becomes samples with `error` set
(Inconclusive upstream, never a crash, never a pass); a revision with no series is an unknown
value; NaN stays NaN (the judges treat it as unknown).
"""

from __future__ import annotations

from typing import Any

import httpx

from ...engine.measurements import Sample, SignalQuery
from ...ports.metrics import NO_BACKEND

FINISHED = 'outcome=~"success|failure|abandoned|error"'


def _ratio(numerator: str, denominator: str) -> str:
    # `or … * 0` turns "no such series" into 0 for arms that had traffic but no events.
    return f"(({numerator}) or (({denominator}) * 0)) / ({denominator})"


def increase(metric: str, selector: str, window: str, extra: str = "") -> str:
    """How much `metric` grew per revision over the window (its series narrowed by `extra`)."""
    labels = f"{selector},{extra}" if extra else selector
    return f"sum by (revision) (increase({metric}{{{labels}}}[{window}]))"


def promql(check: str, selector: str, window: str) -> str:
    def total(metric: str, extra: str = "") -> str:
        return increase(metric, selector, window, extra)

    queries = {
        "session-success-rate": _ratio(
            total("agent_sessions_total", 'outcome="success"'), total("agent_sessions_total", FINISHED)
        ),
        "cost-per-session": _ratio(total("agent_cost_usd_total"), total("agent_sessions_total", FINISHED)),
        "tool-failure-rate": _ratio(
            total("agent_tool_calls_total", 'outcome="error"'),
            total("agent_tool_calls_total", 'outcome=~"success|error"'),
        ),
        "guardrail-trigger-rate": _ratio(
            total("agent_guardrail_triggers_total"), total("agent_guardrail_checks_total")
        ),
        "p95-session-duration": f"histogram_quantile(0.95, sum by (le, revision) "
        f"(increase(agent_session_duration_seconds_bucket{{{selector}}}[{window}])))",
        "sessions": total("agent_sessions_total", FINISHED),
        "prompt-leaks": total("agent_prompt_leaks_total"),
        "safety-violations": total("agent_safety_violations_total"),
        "grounding-score": f"{total('agent_grounding_score_sum')} / {total('agent_grounding_score_count')}",
        "tool-calls-per-session": _ratio(total("agent_tool_calls_total"), total("agent_sessions_total", FINISHED)),
        "cost-per-hour": f"sum by (revision) (rate(agent_cost_usd_total{{{selector}}}[{window}])) * 3600",
        "sessions-per-minute": (
            f"sum by (revision) (rate(agent_sessions_total{{{selector},{FINISHED}}}[{window}])) * 60"
        ),
    }
    return queries[check]


# The denominator of each rate signal: how many trials its value is a share of.
TRIALS = {
    "session-success-rate": ("agent_sessions_total", FINISHED),
    "tool-failure-rate": ("agent_tool_calls_total", 'outcome=~"success|error"'),
    "guardrail-trigger-rate": ("agent_guardrail_checks_total", ""),
}


# A per-session mean's sum of squares: divided by the sessions, its mean of squares (its variance).
SQUARES = {"cost-per-session": "agent_session_cost_squared_usd_total"}


class PrometheusError(Exception):
    pass


class PrometheusProvider:
    def __init__(
        self,
        url: str | None,
        *,
        bearer_token: str | None = None,
        verify: bool | str = True,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {bearer_token}"} if bearer_token else {}
        self.url = url.rstrip("/") if url else None
        self._client = httpx.AsyncClient(headers=headers, verify=verify, timeout=timeout, transport=transport)

    async def close(self) -> None:
        await self._client.aclose()

    async def query(self, expression: str, base_url: str | None = None) -> dict[str, float]:
        """An instant query; returns value by `revision` label ("" when the series has none)."""
        base = base_url or self.url
        if base is None:
            raise PrometheusError(NO_BACKEND)
        try:
            response = await self._client.get(f"{base.rstrip('/')}/api/v1/query", params={"query": expression})
        except httpx.TimeoutException:
            raise PrometheusError(f"Prometheus at {base} timed out") from None
        except httpx.HTTPError as error:
            raise PrometheusError(f"Prometheus at {base} unreachable: {error}") from None
        try:
            body = response.json()
        except ValueError:
            raise PrometheusError(
                f"Prometheus answered HTTP {response.status_code} with a body that is not JSON"
            ) from None
        if not isinstance(body, dict) or body.get("status") != "success":
            detail = body.get("error", "unknown error") if isinstance(body, dict) else "unexpected body"
            raise PrometheusError(f"Prometheus query failed (HTTP {response.status_code}): {detail}")
        data = body.get("data") or {}
        result = data.get("result")
        if data.get("resultType") == "scalar" and isinstance(result, list) and len(result) == 2:
            return {"": _number(result[1])}
        if not isinstance(result, list):
            raise PrometheusError("Prometheus answered without a result vector")
        values = {}
        for sample in result:
            try:
                values[str((sample.get("metric") or {}).get("revision", ""))] = _number(sample["value"][1])
            except (KeyError, IndexError, TypeError, AttributeError, ValueError):
                raise PrometheusError("Prometheus answered with a malformed sample") from None
        return values

    @property
    def default_url(self) -> str | None:
        return self.url

    async def read(self, query: SignalQuery) -> dict[str, Sample]:
        """The signal and the finished sessions of every revision in the query, from the query's
        backend (the agent's own Prometheus when it names one)."""
        base = query.backend_url or self.url
        if base is None:
            return {revision: Sample(error=NO_BACKEND) for revision in query.revisions}
        window = f"{max(query.window_seconds, 1)}s"
        revisions = "|".join(query.revisions)
        selector = f'agent="{query.agent}",agent_namespace="{query.namespace}",revision=~"{revisions}"'
        try:
            sessions = await self.query(promql("sessions", selector, window), base)
            if query.signal == "custom":
                values = {revision: await self._custom(query, revision, base) for revision in query.revisions}
            else:
                found = (
                    sessions
                    if query.signal == "sessions"
                    else await self.query(promql(query.signal, selector, window), base)
                )
                values = {revision: found.get(revision) for revision in query.revisions}
            trials = sessions
            if query.signal in TRIALS and TRIALS[query.signal][0] != "agent_sessions_total":
                metric, extra = TRIALS[query.signal]
                trials = await self.query(increase(metric, selector, window, extra), base)
            squares = (
                await self.query(increase(SQUARES[query.signal], selector, window), base)
                if query.signal in SQUARES
                else {}
            )
        except PrometheusError as error:
            return {revision: Sample(error=str(error)) for revision in query.revisions}
        return {
            revision: self._sample(query.signal, revision, values, sessions, trials, squares)
            for revision in query.revisions
        }

    @staticmethod
    def _sample(
        signal: str,
        revision: str,
        values: dict[str, float | None],
        sessions: dict[str, float],
        trials: dict[str, float],
        squares: dict[str, float],
    ) -> Sample:
        count = sessions.get(revision, 0.0)
        squared = squares.get(revision)
        return Sample(
            value=values[revision],
            sessions=count,
            trials=trials.get(revision, 0.0) if signal in TRIALS else None,
            second_moment=squared / count if squared is not None and count > 0 else None,
        )

    async def _custom(self, query: SignalQuery, revision: str, base: str) -> float | None:
        expression = (
            (query.promql or "")
            .replace("{{revision}}", revision)
            .replace("{{agent}}", query.agent)
            .replace("{{namespace}}", query.namespace)
        )
        values = await self.query(expression, base)
        return next(iter(values.values()), None)


def _number(text: Any) -> float:
    return float(text)  # Prometheus sends "NaN", "+Inf" and "-Inf" as strings; float() reads them
