"""Where signal numbers come from: one Protocol, a Nop version.

The engine plans `SignalQuery`s (engine/measurements.py); a provider answers each with a `Sample`
per revision (a value and the sessions behind it, or an error) and judges nothing:
`engine/analysis.py` and `engine/incidents.py` do.
"""

from __future__ import annotations

from typing import Protocol

from ..engine.measurements import Sample, SignalQuery

NO_BACKEND = (
    "no metrics backend configured: run the operator with --prometheus-url, or set spec.rollout.analysis.prometheusURL"
)


class SignalProvider(Protocol):
    @property
    def default_url(self) -> str | None:
        """The backend a query goes to when the agent names none (None: there is none)."""
        ...

    async def read(self, query: SignalQuery) -> dict[str, Sample]:
        """A sample for every revision of the query; errors are samples too, never exceptions."""
        ...


class NopSignalProvider:
    """No backend configured: every reading is an error, so analysis can never pass."""

    default_url: str | None = None

    async def read(self, query: SignalQuery) -> dict[str, Sample]:
        return {revision: Sample(error=NO_BACKEND) for revision in query.revisions}
