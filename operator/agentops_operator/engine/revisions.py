"""Revision identity: the content hash of everything that changes how the agent behaves.

A revision is the short sha256 of the canonical JSON (sorted keys, no spaces) of {runtime,
model, resolved prompt text, tools, guardrails}. `replicas` and `revisionHistoryLimit` are not
part of it: scaling is not a new version of the agent. The prompt is hashed as resolved text,
so editing a referenced ConfigMap makes a new revision while renaming the ConfigMap alone
(same text) does not.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..api.spec import AgentDeploymentSpec

HASH_LENGTH = 10


def bundle(spec: AgentDeploymentSpec, prompt_text: str) -> dict[str, Any]:
    """The revision's content: what the agent's Pods read from /etc/agentops/bundle."""
    return {
        "runtime": spec.runtime.wire(),
        "model": spec.model.wire(),
        "prompt": {"system": prompt_text},
        "tools": [tool.wire() for tool in spec.tools],
        "guardrails": [guardrail.wire() for guardrail in spec.guardrails],
    }


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def revision_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()[:HASH_LENGTH]
