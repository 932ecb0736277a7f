"""Polling helper for tests that wait on asynchronous controllers (the operator, the stand-in's GC)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


def eventually(predicate: Callable[[], T | None], timeout: float = 20.0, message: str = "condition not met") -> T:
    """Poll until `predicate` returns something truthy, and return it; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except (AssertionError, httpx.TransportError) as error:  # not there yet
            last = error
        else:
            if last:
                return last
        time.sleep(0.02)
    raise AssertionError(f"{message} (last: {last})")
