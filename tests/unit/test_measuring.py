"""Unit: measurements run off the reconcile path (`runtime/measuring.py`): asking never waits, the
readings are handed out once and wake the agent, a hanging backend runs into the deadline (errors
for an analysis, unknown for monitoring) and never holds up another backend's measurements."""

from __future__ import annotations

import asyncio

import pytest

from agentops_operator.engine.measurements import Sample, SignalQuery
from agentops_operator.runtime.measuring import Measurer
from tests.signal_queries import arms_query

KEY = ("default", "support")


def query(key: str = "session-success-rate", backend: str = "http://prometheus-a") -> SignalQuery:
    return arms_query(key, backend=backend)


class Backend:
    """Answers at once, except for backends listed in `hanging` (they never answer) or `broken`."""

    def __init__(self, hanging: set[str] = frozenset(), broken: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.hanging, self.broken, self.reads = hanging, broken, 0
        self.default_url = "http://prometheus-a"

    async def read(self, q: SignalQuery) -> dict[str, Sample]:
        self.reads += 1
        if q.backend_url in self.hanging:
            await asyncio.Event().wait()
        if q.key in self.broken:
            raise RuntimeError("bad query")
        return {revision: Sample(value=0.9, sessions=100) for revision in q.revisions}


class Wakes:
    """The agents the measurer woke, in order; `until(n)` waits for the n-th wake (no polling)."""

    def __init__(self) -> None:
        self.keys: list[tuple[str, str]] = []
        self._woken = asyncio.Event()

    def __call__(self, key: tuple[str, str]) -> None:
        self.keys.append(key)
        self._woken.set()

    async def until(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.keys) < count:
                self._woken.clear()
                await self._woken.wait()


async def test_readings_are_measured_in_the_background_and_handed_out_once() -> None:
    backend, wakes = Backend(), Wakes()
    measurer = Measurer(backend, wakes)
    queries = (query(),)
    assert measurer.result(KEY, queries, analysis=True) is None  # asked: measuring starts, nothing waits
    assert measurer.result(KEY, queries, analysis=True) is None  # asked again while under way: no second read
    await wakes.until(1)
    assert wakes.keys == [KEY] and backend.reads == 1 and not measurer.pending(KEY)
    readings = measurer.result(KEY, queries, analysis=True)
    assert readings is not None and readings["session-success-rate"]["canary1"].value == 0.9
    assert measurer.result(KEY, queries, analysis=True) is None  # handed out once: the next ask measures anew
    await measurer.close()


@pytest.mark.parametrize(
    ("analysis", "expected"),
    [
        pytest.param(True, "error", id="analysis-reads-errors"),
        pytest.param(False, "unknown", id="monitoring-knows-nothing"),
    ],
)
async def test_a_hanging_backend_runs_into_the_deadline(analysis: bool, expected: str) -> None:
    wakes = Wakes()
    measurer = Measurer(Backend(hanging={"http://prometheus-a"}), wakes, deadline=0.05)
    queries = (query(),)
    measurer.result(KEY, queries, analysis=analysis)
    await wakes.until(1)
    readings = measurer.result(KEY, queries, analysis=analysis)
    assert readings is not None
    if expected == "error":
        sample = readings["session-success-rate"]["canary1"]
        assert sample.error is not None and "did not answer within" in sample.error
    else:
        assert readings == {}
    await measurer.close()


async def test_a_hanging_backend_does_not_hold_up_another() -> None:
    wakes = Wakes()
    measurer = Measurer(Backend(hanging={"http://prometheus-a"}), wakes, deadline=60, workers_per_backend=2)
    for index in range(5):  # more than its workers: every worker of backend a hangs
        measurer.result(("default", f"a-{index}"), (query(backend="http://prometheus-a"),), analysis=True)
    measurer.result(("default", "b"), (query(backend="http://prometheus-b"),), analysis=True)
    await wakes.until(1)
    assert wakes.keys == [("default", "b")]
    assert measurer.pending(("default", "a-0"))
    await measurer.close()


async def test_a_query_that_raises_is_an_error_for_analysis_and_left_out_of_monitoring() -> None:
    wakes = Wakes()
    measurer = Measurer(Backend(broken={"bad"}), wakes)
    queries = (query(), query("bad"))
    measurer.result(KEY, queries, analysis=True)
    measurer.result(("default", "other"), queries, analysis=False)
    await wakes.until(2)
    analysed = measurer.result(KEY, queries, analysis=True)
    monitored = measurer.result(("default", "other"), queries, analysis=False)
    assert analysed is not None and "RuntimeError" in str(analysed["bad"]["canary1"].error)
    assert monitored is not None and set(monitored) == {"session-success-rate"}
    await measurer.close()


async def test_forgetting_an_agent_stops_its_measurement() -> None:
    wakes = Wakes()
    measurer = Measurer(Backend(hanging={"http://prometheus-a"}), wakes)
    measurer.result(KEY, (query(),), analysis=True)
    measurer.forget(KEY)
    assert not measurer.pending(KEY)
    await measurer.close()


async def test_readings_for_a_plan_the_agent_no_longer_has_are_dropped() -> None:
    wakes = Wakes()
    measurer = Measurer(Backend(), wakes)
    old, new = (query(),), (query("cost-per-session"),)
    measurer.result(KEY, old, analysis=True)
    await wakes.until(1)
    measurer.keep_only(KEY, {new})  # a new revision: the old readings are of no use
    assert measurer.result(KEY, old, analysis=True) is None
    await measurer.close()
