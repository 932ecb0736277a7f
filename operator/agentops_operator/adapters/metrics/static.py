"""An in-process signal provider whose numbers are set by code: for tests and the demo's dry runs.

Values are set per signal key and revision (`set_value`; revision "*" is the default for every
revision), session counts likewise (`set_sessions`), and `fail_with` makes every reading an
error, as a broken backend would. Every query it answered is kept in `queries`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...engine.measurements import Sample, SignalQuery


class StaticMetrics:
    default_url: str | None = "static:"  # a backend is there: runbooks are monitored

    def __init__(self, values: Mapping[str, float] | None = None, sessions: float | None = None) -> None:
        """`values` and `sessions`: what every revision reads unless set otherwise."""
        self.values: dict[tuple[str, str], float] = {(key, "*"): value for key, value in (values or {}).items()}
        self.sessions: dict[str, float] = {"*": sessions} if sessions is not None else {}
        self.error: str | None = None
        self.queries: list[SignalQuery] = []

    def set_value(self, key: str, revision: str, value: float) -> None:
        self.values[(key, revision)] = value

    def set_sessions(self, revision: str, sessions: float) -> None:
        self.sessions[revision] = sessions

    def fail_with(self, error: str | None) -> None:
        self.error = error

    async def read(self, query: SignalQuery) -> dict[str, Sample]:
        self.queries.append(query)
        if self.error:
            return {revision: Sample(error=self.error) for revision in query.revisions}
        return {
            revision: Sample(
                value=self.values.get((query.key, revision), self.values.get((query.key, "*"))),
                sessions=self.sessions.get(revision, self.sessions.get("*", 0)),
                trials=self.sessions.get(revision, self.sessions.get("*", 0)),  # one trial per session
            )
            for revision in query.revisions
        }
