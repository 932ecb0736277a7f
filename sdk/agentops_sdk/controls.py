"""Live controls written by the operator (the `<name>-controls` ConfigMap, mounted at
/etc/agentops/controls), read and enforced by the SDK.

The file `controls.json` holds: `mode` (normal | shadow | blocked), `sessionsPerMinute`,
`blockedTools`, `toolRateLimits` ({tool: calls per minute}), `dryRunTools` — at the top level for
every revision, and under `revisions.<hash>` for one (the operator writes the latter). It is re-read when its
modification time changes, checked at most once a second, so an update reaches the agent within
about a second of kubelet syncing the mount. Each refusal raises a specific exception.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import contract

DEFAULT_PATH = Path(contract.CONTROLS_PATH)


class ControlRefusal(Exception):
    """Base of the refusals an agent may catch."""


class AgentBlocked(ControlRefusal):
    """The operator set mode `blocked`: this revision must not serve sessions."""


class SessionThrottled(ControlRefusal):
    """More sessions this minute than `sessionsPerMinute` allows."""


class ToolBlocked(ControlRefusal):
    """The tool is in `blockedTools`."""


class ToolRateLimited(ControlRefusal):
    """The tool exceeded its calls per minute."""


@dataclass(frozen=True)
class ControlState:
    mode: str = "normal"
    sessions_per_minute: float | None = None
    blocked_tools: frozenset[str] = frozenset()
    tool_rate_limits: dict[str, float] = field(default_factory=dict)
    dry_run_tools: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, document: dict[str, Any], revision: str = "") -> ControlState:
        """Top-level settings apply to every revision; `revisions[<hash>]` overrides them for one."""
        data = {k: v for k, v in document.items() if k != contract.REVISIONS}
        data.update((document.get(contract.REVISIONS) or {}).get(revision) or {})
        return cls(
            mode=str(data.get(contract.MODE, "normal")),
            sessions_per_minute=data.get(contract.SESSIONS_PER_MINUTE),
            blocked_tools=frozenset(data.get(contract.BLOCKED_TOOLS) or ()),
            tool_rate_limits={str(k): float(v) for k, v in (data.get(contract.TOOL_RATE_LIMITS) or {}).items()},
            dry_run_tools=frozenset(data.get(contract.DRY_RUN_TOOLS) or ()),
        )


class SlidingWindow:
    """At most `limit` events in any 60-second window."""

    def __init__(self) -> None:
        self._times: deque[float] = deque()

    def allow(self, limit: float, now: float) -> bool:
        while self._times and now - self._times[0] >= 60:
            self._times.popleft()
        if len(self._times) >= limit:
            return False
        self._times.append(now)
        return True


class Controls:
    def __init__(
        self,
        directory: Path | None = None,
        tool_limits: dict[str, float] | None = None,
        check_every: float = 1.0,
        revision: str = "",
    ) -> None:
        self.path = (directory or DEFAULT_PATH) / contract.CONTROLS_FILE
        self.revision = revision
        self.state = ControlState()
        self.static_tool_limits = dict(tool_limits or {})
        self._check_every = check_every
        self._next_check = 0.0
        self._mtime: float | None = None
        self._sessions = SlidingWindow()
        self._tools: dict[str, SlidingWindow] = {}
        self._lock = threading.Lock()

    def refresh(self, now: float | None = None) -> ControlState:
        now = time.monotonic() if now is None else now
        if now < self._next_check:
            return self.state
        self._next_check = now + self._check_every
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            if self._mtime is not None:
                self._mtime, self.state = None, ControlState()
            return self.state
        if mtime != self._mtime:
            try:
                self.state = ControlState.parse(json.loads(self.path.read_text()), self.revision)
                self._mtime = mtime
            except (OSError, ValueError, TypeError):
                pass  # a half-written file: keep the last good state, look again next time
        return self.state

    def admit_session(self) -> None:
        state = self.refresh()
        if state.mode == "blocked":
            raise AgentBlocked("this agent revision is blocked by the operator (mode: blocked)")
        if state.sessions_per_minute is not None:
            with self._lock:
                if not self._sessions.allow(state.sessions_per_minute, time.monotonic()):
                    raise SessionThrottled(f"session limit of {state.sessions_per_minute:g} per minute reached")

    def admit_tool(self, tool: str, side_effects: str) -> bool:
        """Raise if the tool may not run; return True when it must run dry."""
        state = self.refresh()
        if tool in state.blocked_tools:
            raise ToolBlocked(f"tool {tool!r} is blocked by the operator")
        limit = state.tool_rate_limits.get(tool, self.static_tool_limits.get(tool))
        if limit is not None:
            with self._lock:
                window = self._tools.setdefault(tool, SlidingWindow())
                if not window.allow(limit, time.monotonic()):
                    raise ToolRateLimited(f"tool {tool!r} exceeded {limit:g} calls per minute")
        return tool in state.dry_run_tools or (state.mode == "shadow" and side_effects != "None")
