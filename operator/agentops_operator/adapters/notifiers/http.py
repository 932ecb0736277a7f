"""Posting JSON with timeouts and bounded retries, without ever echoing the secret URL.

Receiver URLs (and PagerDuty routing keys in bodies) are secrets: error messages name only the
failure kind, and a filter on httpx's own request log redacts every URL this module posted to, as
given and as httpx rewrites it. A URL that does not parse is an error of that receiver alone.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from ...ports.notify import NotifyError

ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
_SECRET_URLS: set[str] = set()


class RedactSecretUrls(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRET_URLS:
            text = record.getMessage()
            if any(url in text for url in _SECRET_URLS):
                for url in _SECRET_URLS:
                    text = text.replace(url, "<redacted receiver URL>")
                record.msg, record.args = text, None
        return True


logging.getLogger("httpx").addFilter(RedactSecretUrls())


def _checked(url: str) -> httpx.URL:
    """The receiver URL as httpx will write it (it lowercases the host, percent-encodes the path);
    both spellings are redacted from logs. A URL that is none is the Secret's fault: said so, never shown."""
    _SECRET_URLS.add(url)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise NotifyError("the receiver URL in the Secret is not a valid URL; fix the Secret") from None
    _SECRET_URLS.add(str(parsed))
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
