"""Structured JSON logs: one line per event with the fields the design's log contract names.

Fields: timestamp, event_type, agent_id, revision, session_id, trace_id, span_id, user_id,
task_type, and per event model, tokens_in, tokens_out, latency_ms, success (plus extras). At INFO
(the default) one `session_end` line per session carries the session's totals; at DEBUG
(`AGENTOPS_LOG_LEVEL=debug`) every LLM call, tool call and guardrail trigger gets a line too.
Safety events (violations, prompt leaks, refusals) are logged at INFO.

Lines are encoded with orjson when it is installed (`agentops-sdk[fast]`; many agent images have it
already): the standard library's encoder is most of the cost of a session's line (about 7 µs of 10
here), which keeps the SDK with logs on just above twice bare prometheus-client
(benchmarks/sdk_overhead.py). The SDK itself depends on prometheus-client only, so the standard
library's encoder is the fallback; both write the same JSON, non-ASCII text escaped.
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


def timestamp() -> str:
    """Now in RFC 3339 with milliseconds (UTC)."""
    return _timestamp(time.time_ns() // 1_000_000)


def _timestamp(millis: int) -> str:
    """The seconds part is formatted once per second: this runs for every line (hot path)."""
    whole, fraction = divmod(millis, 1000)
    if _second[0] != whole:
        _second[0], _second[1] = whole, datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
    return f"{_second[1]}{fraction:03d}Z"


def _line(created: float, level: str, fields: dict[str, Any]) -> str:
    return _dumps({"timestamp": _timestamp(int(created * 1000)), "level": level, **fields})


_standard = json.JSONEncoder(separators=(",", ":"), default=str).encode


def _fast() -> Any:
    """orjson's encoder as a function of the line, or None when orjson is not installed."""
    try:
        import orjson
    except ImportError:
        return None
    dumps, standard = orjson.dumps, _standard

    def encode(fields: dict[str, Any]) -> str:
        try:
            return dumps(fields, default=str).decode("ascii")
        except (TypeError, UnicodeDecodeError):  # orjson.JSONEncodeError is a TypeError
            return standard(fields)  # beyond 64-bit integers, non-string keys, non-ASCII text

    return encode


_dumps = _fast() or _standard


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


def write(line: dict[str, Any]) -> None:
    """Write one event line, `timestamp` and `level` first. A direct write: the logging machinery
    would cost more than the metrics the SDK records for a whole session."""
    text = _dumps(line) + "\n"
    with _lock:
        _stream.write(text)
