"""Polling helpers for tests that wait on asynchronous controllers (the operator, garbage collection,
a real API server establishing a new CRD)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from agentops_sandbox.testing.crds import CRDS, crd_established

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


def install_crd(api: httpx.Client, crd: dict[str, Any], existing_ok: bool = False) -> dict[str, Any]:
    """Create a CRD and wait until it is Established: a real server serves a new CRD's objects only
    after a moment (the stand-in at once). `existing_ok`: an earlier test on the real server left it."""
    response = api.post(CRDS, json=crd)
    assert response.status_code in ((201, 409) if existing_ok else (201,)), response.text
    name = crd["metadata"]["name"]
    eventually(lambda: crd_established(api, name), message=f"{name} not Established")
    return dict(response.json())
