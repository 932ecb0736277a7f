"""Live controls written by the operator (the `<name>-controls` ConfigMap, mounted at
/etc/agentops/controls), read and enforced by the SDK.

The file `controls.json` holds: `mode` (normal | shadow | blocked), `sessionsPerMinute`,
`blockedTools`, `toolRateLimits` ({tool: calls per minute}), `dryRunTools` — at the top level for
every revision, and under `revisions.<hash>` for one (the operator writes the latter). It is re-read when its
modification time changes, checked at most once a second, so an update reaches the agent within
about a second of kubelet syncing the mount. Each refusal raises a specific exception.

The SDK fails safe: a controls file it cannot read or check (truncated, not UTF-8, a mode it does
not know such as `Blocked`, a list where a number belongs) is refused as a whole, logged once per
version as an error, and the last good controls stay in force; when there never were good ones the
agent takes the fallback mode (`blocked` by default: a kill switch that cannot be read must not
read as "serve"). A file that vanishes after it was read also keeps the last good controls. Only
an agent that never saw a controls file (the operator has not written one yet, or no operator)
runs with none. Keys the SDK does not know are ignored, so a newer operator can add some.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import contract

DEFAULT_PATH = Path(contract.CONTROLS_PATH)
ENV_FALLBACK = "AGENTOPS_CONTROLS_FALLBACK"
LOGGER = logging.getLogger("agentops.controls")


class InvalidControls(ValueError):
    """The controls document breaks the contract; the message names the key."""


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
    def parse(cls, document: Any, revision: str = "") -> ControlState:
        """Top-level settings apply to every revision; `revisions[<hash>]` overrides them for one.
        Raises InvalidControls naming the first key that breaks the contract."""
        top = _object(document, "the controls document")
        revisions = _object(_or_empty(top.get(contract.REVISIONS)), contract.REVISIONS)
        data = _checked(top, "")
        for name, part in revisions.items():
            checked = _checked(_object(part, f"{contract.REVISIONS}.{name}"), f"{contract.REVISIONS}.{name}.")
            if name == revision:
                data.update(checked)
        return cls(**data)


def _checked(data: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The control keys present in `data`, as ControlState fields, each checked."""
    fields: dict[str, Any] = {}
    if contract.MODE in data:
        mode = data[contract.MODE]
        if mode not in contract.MODES:
            raise InvalidControls(f"{prefix}{contract.MODE}: {mode!r} is not one of {', '.join(contract.MODES)}")
        fields["mode"] = mode
    if contract.SESSIONS_PER_MINUTE in data:
        limit = data[contract.SESSIONS_PER_MINUTE]
        fields["sessions_per_minute"] = None if limit is None else _rate(limit, prefix + contract.SESSIONS_PER_MINUTE)
    for key, name in ((contract.BLOCKED_TOOLS, "blocked_tools"), (contract.DRY_RUN_TOOLS, "dry_run_tools")):
        if key in data:
            fields[name] = _names(data[key], prefix + key)
    if contract.TOOL_RATE_LIMITS in data:
        limits = _object(_or_empty(data[contract.TOOL_RATE_LIMITS]), prefix + contract.TOOL_RATE_LIMITS)
        where = prefix + contract.TOOL_RATE_LIMITS
        fields["tool_rate_limits"] = {tool: _rate(limit, f"{where}.{tool}") for tool, limit in limits.items()}
    return fields


def _or_empty(value: Any) -> Any:
    return {} if value is None else value


def _read(path: Path) -> Any:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"not utf-8 text ({error.reason} at byte {error.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error})") from None


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidControls(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _rate(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise InvalidControls(f"{where}: expected a number ≥ 0, got {value!r}")
    return float(value)


def _names(value: Any, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidControls(f"{where}: expected a list of tool names, got {value!r}")
    return frozenset(value)


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
        fallback: contract.Mode = contract.MODE_BLOCKED,
    ) -> None:
        if fallback not in contract.MODES:
            raise ValueError(f"controls fallback {fallback!r} is not one of {', '.join(contract.MODES)}")
        self.path = (directory or DEFAULT_PATH) / contract.CONTROLS_FILE
        self.revision = revision
        self.state = ControlState()
        self.fallback = ControlState(mode=fallback)
        self.static_tool_limits = dict(tool_limits or {})
        self._check_every = check_every
        self._next_check = 0.0
        self._mtime: float | None = None  # the version last read, good or not
        self._good = False  # whether `state` came from a file that passed the checks
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
                self._mtime = None
                self._refuse(f"the controls file {self.path} vanished")
            return self.state
        if mtime != self._mtime:
            self._mtime = mtime
            try:
                self.state = ControlState.parse(_read(self.path), self.revision)
            except (OSError, ValueError) as error:  # InvalidControls, JSON and UTF-8 errors are ValueErrors
                self._refuse(f"cannot use the controls file {self.path}: {error}")
            else:
                self._good = True
        return self.state

    def _refuse(self, reason: str) -> None:
        """Keep the last good controls, or take the fallback when there were none; say so once."""
        if not self._good:
            self.state = self.fallback
        kept = (
            "keeping the last good controls" if self._good else f"using mode {self.fallback.mode!r} until it is fixed"
        )
        LOGGER.error("%s; %s (mode %s)", reason, kept, self.state.mode)

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
