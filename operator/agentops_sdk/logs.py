"""Structured JSON logs: one line per event with the fields the design's log contract names.

Fields: timestamp, event_type, agent_id, revision, session_id, trace_id, span_id, user_id,
task_type, and per event model, tokens_in, tokens_out, latency_ms, success (plus extras).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

LOGGER = logging.getLogger("agentops")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "agentops", None) or {"message": record.getMessage()}
        entry = {"timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                 "level": record.levelname.lower(), **fields}  # fmt: skip
        return json.dumps(entry, separators=(",", ":"), default=str)


def configure(stream: IO[str] | None = None, level: int = logging.INFO) -> logging.Logger:
    """Send the SDK's events as JSON lines to `stream` (stdout by default)."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    LOGGER.handlers = [handler]
    LOGGER.setLevel(level)
    LOGGER.propagate = False
    return LOGGER


def enabled() -> bool:
    return LOGGER.isEnabledFor(logging.INFO)


def emit(event_type: str, fields: dict[str, Any]) -> None:
    if LOGGER.isEnabledFor(logging.INFO):
        LOGGER.info(event_type, extra={"agentops": {"event_type": event_type, **fields}})
