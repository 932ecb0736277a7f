"""An in-process metric provider whose numbers are set by code: for tests.

Values are set per signal and revision (`set_value`; revision "*" is the default for every
revision), session counts likewise (`set_sessions`), and `fail_with` makes every measurement an
error, as a broken backend would.
"""

from __future__ import annotations

from ...engine.analysis import Measurement
from ...ports.metrics import MetricQuery


class StaticMetrics:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], float] = {}
        self.sessions: dict[str, float] = {}
        self.error: str | None = None
        self.queries: list[MetricQuery] = []

    def set_value(self, check: str, revision: str, value: float) -> None:
        self.values[(check, revision)] = value

    def set_sessions(self, revision: str, sessions: float) -> None:
        self.sessions[revision] = sessions

    def fail_with(self, error: str | None) -> None:
        self.error = error

    async def measure(self, query: MetricQuery) -> Measurement:
        self.queries.append(query)
        name = query.check.label
        if self.error:
            return Measurement(name, error=self.error)

        def value(revision: str) -> float | None:
            return self.values.get((name, revision), self.values.get((name, "*")))

        def sessions(revision: str) -> float:
            return self.sessions.get(revision, self.sessions.get("*", 0))

        return Measurement(
            name,
            canary=value(query.canary_revision),
            stable=value(query.stable_revision),
            canary_sessions=sessions(query.canary_revision),
            stable_sessions=sessions(query.stable_revision),
        )
