"""Time arithmetic on RFC 3339 strings: the engine never reads a clock, it is handed `now`."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_time(text: str) -> datetime:
    """RFC 3339 in UTC, with or without fractional seconds."""
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in text else "%Y-%m-%dT%H:%M:%SZ"
    return datetime.strptime(text, pattern).replace(tzinfo=UTC)


def format_time(moment: datetime) -> str:
    """RFC 3339 with milliseconds: step timers and analysis intervals need sub-second precision."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def seconds_between(earlier: str, later: str) -> float:
    return (parse_time(later) - parse_time(earlier)).total_seconds()
