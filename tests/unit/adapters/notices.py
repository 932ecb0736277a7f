"""The notices the notifier tests send: an incident opened, the same resolved, a rollout event."""

from __future__ import annotations

from agentops_operator.api.vocabulary import NoticeKind
from agentops_operator.engine.decisions import Notice

OPENED = Notice("CostSpike", "abc123", "error", "cost-per-session = 0.5 (baseline 0.02)")
RESOLVED = Notice("CostSpike", "abc123", "error", "healthy for 300 s", resolved=True)
PROMOTED = Notice("Promoted", "abc123", "info", "revision 2 is stable", kind=NoticeKind.ROLLOUTS)
