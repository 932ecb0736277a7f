"""Posting JSON with timeouts and bounded retries, without ever echoing the secret URL.

Receiver URLs (and PagerDuty routing keys in bodies) are secrets: error messages name only the
failure kind, and a filter on httpx's own request log redacts every URL this module posted to.
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


async def post_json(url: str, payload: dict[str, Any], timeout: float = 5.0, attempts: int = ATTEMPTS) -> None:
    last = "no attempt made"
    _SECRET_URLS.add(url)
    async with httpx.AsyncClient(timeout=timeout) as client:
        for attempt in range(attempts):
            try:
                response = await client.post(url, json=payload)
            except httpx.TimeoutException:
                last = "timed out"
            except httpx.HTTPError as error:
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
