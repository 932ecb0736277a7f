"""Manual control of a rollout through annotations on the AgentDeployment (the kubectl plugin sets
the same ones). The operator acts on each once, removes it and records an Event.

Exactly once, across crashes and failed writes: the effect and a record of the annotation acted on
(`status.handledActions`) are written in one status write, and only then is the annotation taken
off. An annotation found with its record is one already carried out: it is only taken off again.
A record lives as long as its annotation does, so the same action asked for later acts again.
"""

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


def pending(annotations: dict[str, str], handled: dict[str, str]) -> dict[str, str]:
    """The annotations not yet carried out (those with a record of the same value were)."""
    return {key: value for key, value in annotations.items() if handled.get(key) != value}


def records(annotations: dict[str, str], handled: dict[str, str], acted_on: list[str]) -> dict[str, str]:
    """`status.handledActions` after this decision: earlier records whose annotation is still there,
    and the annotations acted on now."""
    kept = {key: value for key, value in handled.items() if annotations.get(key) == value}
    return kept | {key: annotations[key] for key in acted_on}
