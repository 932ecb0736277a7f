"""Where analysis numbers come from: one Protocol, a Nop version, and the query it answers.

Providers return numbers only (both arms' values and session counts, or an error string);
`engine/analysis.py` judges them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..api.rollout import Check
from ..engine.analysis import Measurement


@dataclass(frozen=True)
class MetricQuery:
    namespace: str
    agent: str
    canary_revision: str
    stable_revision: str
    check: Check
    window_seconds: int
    backend_url: str | None = None  # a per-agent override of the provider's address


class MetricProvider(Protocol):
    async def measure(self, query: MetricQuery) -> Measurement: ...


class NopMetricProvider:
    """No backend configured: every measurement is an error, so analysis can never pass."""

    async def measure(self, query: MetricQuery) -> Measurement:
        return Measurement(
            query.check.label, error="no metrics backend configured: run the operator with --prometheus-url"
        )
