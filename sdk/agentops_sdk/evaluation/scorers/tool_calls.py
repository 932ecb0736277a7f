"""`toolCalls`: the agent called every tool the case lists in `tools` (`exact: true`: and no other)."""

from __future__ import annotations

from dataclasses import dataclass

from ..cases import Case
from ..reply import Reply
from . import Score, ScoringError


@dataclass
class ToolCalls:
    exact: bool = False
    name: str = "toolCalls"

    def score(self, case: Case, reply: Reply) -> Score | None:
        if case.tools is None:
            return None
        if reply.tool_calls is None:
            raise ScoringError("the reply says nothing of tool calls: set target.toolCallsPath (or use target.openai)")
        called, wanted = set(reply.tool_calls), set(case.tools)
        missing, extra = sorted(wanted - called), sorted(called - wanted) if self.exact else []
        if not missing and not extra:
            return Score(True, f"called {sorted(called)}")
        parts = [f"did not call {missing}" if missing else "", f"also called {extra}" if extra else ""]
        return Score(False, "; ".join(p for p in parts if p))
