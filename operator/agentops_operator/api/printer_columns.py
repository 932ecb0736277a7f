"""What `kubectl get agentdeployments` shows: the CRD's printer columns, in one place (the CRD
generator adds them; the docs reference lists them). Revision numbers by default, as every message
speaks of "revision 2"; hashes (the Pods' agentops.dev/revision label) with -o wide."""

from __future__ import annotations

from typing import Any

from .vocabulary import ConditionType, Outcome

JsonDict = dict[str, Any]

_READY = f'.status.conditions[?(@.type=="{ConditionType.READY}")]'
# What `kubectl get agentdeployments` shows (priority 1: only with -o wide).
PRINTER_COLUMNS: list[JsonDict] = [
    {
        "name": str(ConditionType.READY),
        "type": "string",
        "jsonPath": f"{_READY}.status",
        "description": "Whether a revision is serving.",
    },
    {
        "name": str(Outcome.STABLE),  # the revision whose outcome is Stable
        "type": "integer",
        "jsonPath": ".status.stableRevision.number",
        "description": "Serving revision (its number, as in every message; the hash with -o wide).",
    },
    {
        "name": "Canary",
        "type": "integer",
        "jsonPath": ".status.canaryRevision.number",
        "description": "Revision being rolled out (its number).",
    },
    {
        "name": "Weight",
        "type": "integer",
        "jsonPath": ".status.rollout.weight",
        "description": "Percent of traffic on the canary.",
    },
    {
        "name": "Step",
        "type": "string",
        "jsonPath": ".status.rollout.stepKind",
        "description": "Current rollout step.",
    },
    {
        "name": "Status",
        "type": "string",
        "jsonPath": ".status.summary",
        "description": "Healthy, Progressing, Paused, Degraded or Invalid.",
    },
    {
        "name": "Latest",
        "type": "integer",
        "jsonPath": ".status.latestRevision.number",
        "priority": 1,
        "description": "Revision of the current spec (its number).",
    },
    {
        "name": "Stable-Hash",
        "type": "string",
        "jsonPath": ".status.stableRevision.hash",
        "priority": 1,
        "description": "Serving revision's hash (the agentops.dev/revision label of its Pods).",
    },
    {
        "name": "Canary-Hash",
        "type": "string",
        "jsonPath": ".status.canaryRevision.hash",
        "priority": 1,
        "description": "Hash of the revision being rolled out.",
    },
    {
        "name": "Replicas",
        "type": "integer",
        "jsonPath": ".spec.replicas",
        "priority": 1,
        "description": "Desired Pods.",
    },
    {
        "name": "Reason",
        "type": "string",
        "jsonPath": f"{_READY}.reason",
        "priority": 1,
        "description": "Why Ready is what it is.",
    },
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]
