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


def reconciles() -> float:
    """How many reconciles the in-process operator(s) finished so far (the operator's own counter)."""
    from agentops_operator.runtime.metrics import RECONCILES

    return sum(RECONCILES.labels(result=result)._value.get() for result in ("success", "error"))


def after_reconciles(count: int, timeout: float = 20.0) -> None:
    """Wait until the operator has finished `count` more reconciles than when called: what a test
    that checks that something does *not* happen waits for, instead of a fixed sleep."""
    start = reconciles()
    eventually(lambda: reconciles() >= start + count, timeout, f"fewer than {count} reconciles")
