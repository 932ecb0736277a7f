"""Structured JSON logs: one line per event with the fields the design's log contract names.

Fields: timestamp, event_type, agent_id, revision, session_id, trace_id, span_id, user_id,
task_type, and per event model, tokens_in, tokens_out, latency_ms, success (plus extras). At INFO
(the default) one `session_end` line per session carries the session's totals; at DEBUG
(`AGENTOPS_LOG_LEVEL=debug`) every LLM call, tool call and guardrail trigger gets a line too.
Safety events (violations, prompt leaks, refusals) are logged at INFO.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from datetime import UTC, datetime
from typing import IO, Any

LOGGER = logging.getLogger("agentops")


class JsonFormatter(logging.Formatter):
    """For records logged through the `agentops` logger by other code."""

    def format(self, record: logging.LogRecord) -> str:
        return _line(record.created, record.levelname.lower(), {"event_type": "log", "message": record.getMessage()})


_second: list[Any] = [None, ""]


def _timestamp(created: float) -> str:
    """RFC 3339 with milliseconds; the seconds part is formatted once per second (hot path)."""
    whole = int(created)
    if _second[0] != whole:
        _second[0], _second[1] = whole, datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{_second[1]}.{int((created - whole) * 1000):03d}Z"


def _line(created: float, level: str, fields: dict[str, Any]) -> str:
    return _dumps({"timestamp": _timestamp(created), "level": level, **fields})


_dumps = json.JSONEncoder(separators=(",", ":"), default=str).encode
_stream: IO[str] = sys.stdout
_lock = threading.Lock()


def configure(stream: IO[str] | None = None, level: int | None = None) -> logging.Logger:
    """Send the SDK's events as JSON lines to `stream` (stdout by default); the level comes from
    AGENTOPS_LOG_LEVEL (INFO by default; DEBUG adds one line per LLM call, tool call and trigger)."""
    global _stream
    _stream = stream or sys.stdout
    handler = logging.StreamHandler(_stream)
    handler.setFormatter(JsonFormatter())
    LOGGER.handlers = [handler]
    if level is None:
        named = logging.getLevelName(os.environ.get("AGENTOPS_LOG_LEVEL", "INFO").upper())
        level = named if isinstance(named, int) else logging.INFO
    LOGGER.setLevel(level)
    LOGGER.propagate = False
    return LOGGER


def enabled() -> bool:
    """Whether session summaries and safety events are logged (INFO)."""
    return LOGGER.isEnabledFor(logging.INFO)


def events_enabled() -> bool:
    """Whether every LLM call, tool call and guardrail trigger gets its own line (DEBUG)."""
    return LOGGER.isEnabledFor(logging.DEBUG)


def write(fields: dict[str, Any]) -> None:
    """Write one event line (`fields` gains timestamp and level). A direct write: the logging
    machinery would cost more than the metrics the SDK records for a whole session."""
    fields["timestamp"] = _timestamp(time.time())
    fields["level"] = "info"
    line = _dumps(fields)
    with _lock:
        _stream.write(line + "\n")
