"""Measurements off the reconcile path: a slow or hanging metrics backend delays only the analyses and
monitoring passes that need it, never a manual action or another agent.

A reconcile asks for the readings its plan wants (`result`). If they were measured since it last
asked, it gets them (once); otherwise a measurement starts in the background, the reconcile goes on
without readings (nothing is judged this time), and when the readings are in, the agent is woken to
reconcile again with them. Each backend gets its own bounded set of workers, so one hanging backend
cannot starve the others, and every measurement has a deadline (waiting for a worker included): past
it, the analysis's readings are errors (they count toward `errorLimit`, so MetricsUnavailable
appears in errorLimit × interval plus one deadline) and the runbooks' signals are unknown this time.

Why hand-written: it is a small keyed cache of asyncio tasks; kopf's daemons and timers run per
object and would make every reconcile wait for them, which is what this module exists to avoid.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..engine.measurements import Readings, Sample, SignalQuery
from ..ports.metrics import SignalProvider

log = logging.getLogger(__name__)
Key = tuple[str, str]  # (namespace, agent)
Queries = tuple[SignalQuery, ...]


class Measurer:
    def __init__(
        self,
        provider: SignalProvider,
        wake: Callable[[Key], None],
        *,
        deadline: float = 15.0,
        workers_per_backend: int = 8,
    ) -> None:
        self.provider = provider
        self.deadline = deadline  # seconds a measurement may take, waiting for a worker included
        self._wake = wake  # reconcile this agent again (its readings are in)
        self._workers_per_backend = workers_per_backend
        self._workers: dict[str | None, asyncio.Semaphore] = {}
        self._in_flight: dict[tuple[Key, Queries], asyncio.Task[None]] = {}
        self._finished: dict[tuple[Key, Queries], Readings] = {}

    def result(self, key: Key, queries: Queries, *, analysis: bool) -> Readings | None:
        """The readings of `queries` if they are in (handed out once); else None, and they are being
        measured. An analysis's failed queries read as errors; a monitoring pass drops them."""
        found = self._finished.pop((key, queries), None)
        if found is not None:
            return found
        if (key, queries) not in self._in_flight:
            task = asyncio.get_running_loop().create_task(self._measure(key, queries, analysis))
            self._in_flight[(key, queries)] = task
        return None

    def keep_only(self, key: Key, wanted: set[Queries]) -> None:
        """Drop readings measured for a plan this agent no longer has (a new revision, a step ended)."""
        for entry in [e for e in self._finished if e[0] == key and e[1] not in wanted]:
            del self._finished[entry]

    def pending(self, key: Key) -> bool:
        """A measurement for this agent is under way (its end wakes the agent)."""
        return any(k == key for k, _ in self._in_flight)

    def forget(self, key: Key) -> None:
        """The agent is gone: drop what was measured for it and stop what is being measured."""
        for entry in [e for e in self._in_flight if e[0] == key]:
            self._in_flight.pop(entry).cancel()
        for entry in [e for e in self._finished if e[0] == key]:
            del self._finished[entry]

    async def close(self) -> None:
        tasks = list(self._in_flight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _measure(self, key: Key, queries: Queries, analysis: bool) -> None:
        backend = queries[0].backend_url if queries else None
        workers = self._workers.setdefault(backend, asyncio.Semaphore(self._workers_per_backend))
        try:
            async with asyncio.timeout(self.deadline), workers:
                readings = await read_all(self.provider, queries, analysis)
        except TimeoutError:
            log.warning("metrics for %s/%s: no answer within %.0f s from %s", *key, self.deadline, backend)
            readings = unanswered(queries, self.deadline) if analysis else {}
        finally:
            self._in_flight.pop((key, queries), None)
        self._finished[(key, queries)] = readings
        self._wake(key)


async def read_all(provider: SignalProvider, queries: Queries, analysis: bool) -> Readings:
    """Every query's readings. A query that raised is an error per revision for an analysis (a bug
    must not look like a pass) and unknown for monitoring (no detection, no resolution)."""
    results = await asyncio.gather(*(provider.read(q) for q in queries), return_exceptions=True)
    readings: Readings = {}
    for query, result in zip(queries, results, strict=True):
        if not isinstance(result, BaseException):
            readings[query.key] = result
        elif analysis:
            error = f"{type(result).__name__}: {result}"
            readings[query.key] = {revision: Sample(error=error) for revision in query.revisions}
    return readings


def unanswered(queries: Queries, deadline: float) -> Readings:
    error = f"the metrics backend did not answer within {deadline:.0f} s"
    return {q.key: {revision: Sample(error=error) for revision in q.revisions} for q in queries}
