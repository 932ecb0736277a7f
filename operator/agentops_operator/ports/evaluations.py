"""AgentEvaluations, behind one Protocol: the operator writes their verdict into their status (the
runner writes the raw results; neither touches the other's fields).

`adapters/kube/evaluations.py` implements it over HTTP; `NopEvaluations` writes nothing.
"""

from __future__ import annotations

from typing import Any, Protocol

JsonDict = dict[str, Any]


class Evaluations(Protocol):
    async def write_status(self, namespace: str, name: str, patch: JsonDict) -> JsonDict | None:
        """Merge-patch the status subresource; returns the object."""
        ...


class NopEvaluations:
    async def write_status(self, namespace: str, name: str, patch: JsonDict) -> JsonDict | None:
        return None
