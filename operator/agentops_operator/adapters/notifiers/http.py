"""Posting JSON with timeouts and bounded retries, without ever echoing the secret URL.

Receiver URLs (and PagerDuty routing keys in bodies) are secrets: error messages name only the
failure kind, and every secret is redacted from all log records (runtime/redaction.py) from the
moment it is read. A URL that does not parse is an error of that receiver alone.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from ...ports.notify import NotifyError

ATTEMPTS = 3
BACKOFF_SECONDS = 0.5


def _checked(url: str) -> httpx.URL:
    """The receiver URL, parsed. A URL that is none is the Secret's fault: said so, never shown."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise NotifyError("the receiver URL in the Secret is not a valid URL; fix the Secret") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise NotifyError("the receiver URL in the Secret must be http:// or https:// with a host; fix the Secret")
    return parsed


async def post_json(url: str, payload: dict[str, Any], timeout: float = 5.0, attempts: int = ATTEMPTS) -> None:
    last = "no attempt made"
    target = _checked(url)
    async with httpx.AsyncClient(timeout=timeout) as client:
        for attempt in range(attempts):
            try:
                response = await client.post(target, json=payload)
            except httpx.TimeoutException:
                last = "timed out"
            except Exception as error:  # any transport failure, an ExceptionGroup too, is this receiver's
                last = type(error).__name__  # the exception text can contain the URL: name only
            else:
                if response.status_code < 300:
                    return
                last = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    break  # the receiver will not change its mind
            if attempt + 1 < attempts:
                await asyncio.sleep(BACKOFF_SECONDS * (2**attempt))
    raise NotifyError(f"delivery failed after {attempt + 1} attempt(s): {last}")
