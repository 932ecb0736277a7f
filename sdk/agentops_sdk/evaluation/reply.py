"""What the agent answered to one case, as the target read it from the HTTP response."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    text: str  # the answer (the target's answer path into the response)
    latency_s: float
    tool_calls: tuple[str, ...] | None = None  # tool names, when the target knows where to find them
    cost_usd: float | None = None  # when the response carries a cost or priced token usage
    body: Any = None  # the whole decoded response
