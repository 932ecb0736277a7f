"""Keeps notification secrets out of every log line, whoever writes it and at whatever level.

Receiver URLs and routing keys are secrets, and they travel through code the operator does not
own: httpx logs each request's URL (with the host lowercased and the path percent-encoded),
httpcore logs the host it connects to at DEBUG, and an exception's text may quote either. Filters on
named loggers miss a child logger's records, so this hooks the one place every record passes: the
log record factory (`logging.setLogRecordFactory`, the standard library's documented hook). Every
secret the operator reads is remembered with the spellings it can take in a log line — as written,
as httpx rewrites it, percent-encoded, base64 as a Secret's data holds it, and for URLs each part
that could be a token (host name, user-info, path segment or query value: 8 characters or more
with a digit, or 20 or more) — and replaced, case-insensitively, by `<redacted>` in the message
and any traceback before a handler sees the record. Only records that are emitted pay for it, and
only once a secret is known. What it cannot catch: a token without digits shorter than 20
characters that appears alone, away from the rest of its URL.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import re
import threading
import traceback
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import httpx

REDACTED = "<redacted>"
SHORTEST = 8  # shorter spellings ("hook", "/", "http") identify nothing and are left alone
LONG = 20  # a part this long is redacted even without a digit
_lock = threading.Lock()
_spellings: set[str] = set()
_pattern: re.Pattern[str] | None = None
_previous_factory = logging.getLogRecordFactory()
_installed = False


def remember(secret: str) -> None:
    """From now on, `secret` and its spellings are redacted from every log record."""
    global _pattern
    new = {form for form in spellings(secret) if len(form) >= SHORTEST} - _spellings
    if not new:
        return
    with _lock:
        _spellings.update(new)
        longest_first = sorted(_spellings, key=len, reverse=True)
        _pattern = re.compile("|".join(map(re.escape, longest_first)), re.IGNORECASE)


def spellings(secret: str) -> set[str]:
    """The ways `secret` (a URL, a key) can be written in a log line."""
    forms = {secret, base64.b64encode(secret.encode()).decode()} | _url_parts(secret)
    for form in list(forms):
        forms |= {quote(form), quote(form, safe=""), unquote(form)}
    return forms


def distinctive(part: str) -> bool:
    """A part of a URL that could be a token: long with a digit, or very long. Words such as
    `services` or `hooks.slack.com`, and IP addresses, are left alone: redacting them everywhere
    would blank out the operator's own lines about Services and its API server."""
    if part == "localhost" or _is_ip(part):
        return False
    return (len(part) >= SHORTEST and any(c.isdigit() for c in part)) or len(part) >= LONG


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def _url_parts(secret: str) -> set[str]:
    try:
        parts = urlsplit(secret)
        rewritten = str(httpx.URL(secret))
    except (ValueError, httpx.InvalidURL):
        return set()
    if not parts.scheme or not parts.netloc:
        return set()
    pieces = {parts.hostname or "", parts.password or "", parts.username or ""}
    pieces |= set(parts.path.split("/")) | {value for _, value in parse_qsl(parts.query, keep_blank_values=True)}
    whole = {rewritten, parts.path + (f"?{parts.query}" if parts.query else "")}
    return {piece for piece in pieces if distinctive(piece)} | {form for form in whole if len(form) >= LONG}


def redact(text: str) -> str:
    pattern = _pattern
    return text if pattern is None else pattern.sub(REDACTED, text)


def install() -> None:
    """Route every log record through the redaction (once per process)."""
    global _installed, _previous_factory
    with _lock:
        if not _installed:
            _previous_factory = logging.getLogRecordFactory()
            logging.setLogRecordFactory(_redacting_factory)
            _installed = True


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _previous_factory(*args, **kwargs)
    pattern = _pattern
    if pattern is not None:
        _scrub(record, pattern)
    return record


def _scrub(record: logging.LogRecord, pattern: re.Pattern[str]) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call's record is left for logging itself to report
        return
    if pattern.search(message):
        record.msg, record.args = pattern.sub(REDACTED, message), None
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info))
        if pattern.search(text):  # fold the redacted traceback into the message: no formatter sees the original
            record.msg, record.args = f"{record.getMessage()}\n{pattern.sub(REDACTED, text)}", None
            record.exc_info, record.exc_text = None, None
    if record.stack_info and pattern.search(record.stack_info):
        record.stack_info = pattern.sub(REDACTED, record.stack_info)
