"""The contract between the operator and an agent, in one place both import (the operator depends on
agentops-sdk, never the other way): where the operator mounts the revision bundle and the live
controls, the file names inside, the environment variables it sets on the agent's container, and the
keys and values of the controls document. Changing a name here changes both sides at once."""

from __future__ import annotations

from typing import Final, Literal

# Mounted files.
BUNDLE_PATH: Final = "/etc/agentops/bundle"  # the revision bundle ConfigMap (model, prompt, tools, guardrails)
BUNDLE_FILE: Final = "bundle.json"
CONTROLS_PATH: Final = "/etc/agentops/controls"  # the `<agent>-controls` ConfigMap
CONTROLS_FILE: Final = "controls.json"

# Environment variables the operator sets on the agent's container.
ENV_AGENT_NAME: Final = "AGENT_NAME"
ENV_AGENT_NAMESPACE: Final = "AGENT_NAMESPACE"
ENV_AGENT_REVISION: Final = "AGENT_REVISION"
ENV_BUNDLE_PATH: Final = "AGENTOPS_BUNDLE_PATH"
ENV_CONTROLS_PATH: Final = "AGENTOPS_CONTROLS_PATH"
ENV_METRICS_PORT: Final = "AGENTOPS_METRICS_PORT"
DEFAULT_METRICS_PORT: Final = 9090

# AgentEvaluation status lists at most this many cases (the runner writes them, the CRD documents it).
EVALUATION_CASES_IN_STATUS: Final = 50

# The controls document: these keys at the top level (every revision) or under REVISIONS.<hash>.
REVISIONS: Final = "revisions"
MODE: Final = "mode"
SESSIONS_PER_MINUTE: Final = "sessionsPerMinute"
BLOCKED_TOOLS: Final = "blockedTools"
DRY_RUN_TOOLS: Final = "dryRunTools"
TOOL_RATE_LIMITS: Final = "toolRateLimits"
CONTROL_KEYS: Final = frozenset({MODE, SESSIONS_PER_MINUTE, BLOCKED_TOOLS, DRY_RUN_TOOLS, TOOL_RATE_LIMITS})
Mode = Literal["normal", "shadow", "blocked"]
MODE_NORMAL: Final[Mode] = "normal"  # serve as usual
MODE_SHADOW: Final[Mode] = "shadow"  # answers are discarded: tools with side effects run dry
MODE_BLOCKED: Final[Mode] = "blocked"  # refuse every session (the kill switch)
MODES: Final[tuple[Mode, ...]] = (MODE_NORMAL, MODE_SHADOW, MODE_BLOCKED)
