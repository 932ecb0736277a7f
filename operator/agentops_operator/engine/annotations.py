"""Manual control of a rollout through annotations on the AgentDeployment (the kubectl plugin will
set the same ones). The operator acts on each once, removes it and records an Event."""

from __future__ import annotations

PREFIX = "agentops.dev/"
PROMOTE = "agentops.dev/promote"  # "step" (default) or "full"
ABORT = "agentops.dev/abort"
PAUSE = "agentops.dev/pause"
RESUME = "agentops.dev/resume"
RETRY = "agentops.dev/retry"
SKIP_ANALYSIS = "agentops.dev/skip-analysis"
RESOLVE = "agentops.dev/resolve"  # value: the incident type to resolve by hand
ROLLBACK_TO = "agentops.dev/rollback-to"  # value: a revision number or hash from status.history


def requested(annotations: dict[str, str]) -> dict[str, str]:
    """The manual actions present, in the order they are applied."""
    return {
        key: annotations[key] for key in (RETRY, ABORT, RESUME, PAUSE, SKIP_ANALYSIS, PROMOTE) if key in annotations
    }
