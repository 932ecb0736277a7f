"""The signal query the provider and measurement tests ask: support in prod, canary1 next to stable1,
over 60 s."""

from __future__ import annotations

from agentops_operator.engine.measurements import SignalQuery


def arms_query(
    signal: str = "session-success-rate", promql: str | None = None, backend: str | None = None
) -> SignalQuery:
    return SignalQuery(
        key=signal,
        signal=signal,
        promql=promql,
        namespace="prod",
        agent="support",
        revisions=("canary1", "stable1"),
        window_seconds=60,
        backend_url=backend,
    )
