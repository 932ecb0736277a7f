"""Condition types and CamelCase reasons, in one place so messages and tests agree."""

from __future__ import annotations

READY = "Ready"
PROGRESSING = "Progressing"
DEGRADED = "Degraded"

# Reasons
REVISION_AVAILABLE = "RevisionAvailable"
REVISION_PROGRESSING = "RevisionProgressing"
ROLLOUT_COMPLETE = "RolloutComplete"
AWAITING_FIRST_REVISION = "AwaitingFirstRevision"
INVALID_SPEC = "InvalidSpec"
PROMPT_NOT_FOUND = "PromptNotFound"
AS_EXPECTED = "AsExpected"
PAUSED = "Paused"
ROLLOUT_PAUSED = "RolloutPaused"
ROLLOUT_IN_PROGRESS = "RolloutInProgress"
