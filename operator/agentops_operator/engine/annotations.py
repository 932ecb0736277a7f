"""Manual control of a rollout through annotations on the AgentDeployment (the kubectl plugin will
set the same ones). The operator acts on each once, removes it and records an Event."""

from __future__ import annotations

PREFIX = "agentops.dev/"
PROMOTE = PREFIX + "promote"  # "step" (default) or "full"
ABORT = PREFIX + "abort"
PAUSE = PREFIX + "pause"
RESUME = PREFIX + "resume"
RETRY = PREFIX + "retry"
SKIP_ANALYSIS = PREFIX + "skip-analysis"
RESOLVE = PREFIX + "resolve"  # value: the incident type to resolve by hand
ROLLBACK_TO = PREFIX + "rollback-to"  # value: a revision number or hash from status.history


def requested(annotations: dict[str, str]) -> dict[str, str]:
    """The manual actions present, in the order they are applied."""
    return {
        key: annotations[key] for key in (RETRY, ABORT, RESUME, PAUSE, SKIP_ANALYSIS, PROMOTE) if key in annotations
    }
