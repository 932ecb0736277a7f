"""The operator's own Prometheus metrics (served on --metrics-port)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

RECONCILES = Counter("agentops_operator_reconciles_total", "Reconciles of AgentDeployments by result.", ["result"])
RECONCILE_SECONDS = Histogram(
    "agentops_operator_reconcile_duration_seconds",
    "Time from reading an AgentDeployment to its status being written.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
