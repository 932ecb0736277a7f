"""Where the operator's replicas agree on one leader: a coordination.k8s.io/v1 Lease, behind a port.

`NopLeases` is for a single replica run without election: every claim succeeds.
"""

from __future__ import annotations

from typing import Any, Protocol

JsonDict = dict[str, Any]


class LeaseConflict(Exception):
    """Another replica wrote the Lease first (409: it exists, or its resourceVersion moved on)."""


class Leases(Protocol):
    async def get(self, namespace: str, name: str) -> JsonDict | None: ...

    async def create(self, lease: JsonDict) -> JsonDict: ...

    async def replace(self, lease: JsonDict) -> JsonDict:
        """Write the whole Lease, only if its metadata.resourceVersion is still current."""
        ...


class NopLeases:
    async def get(self, namespace: str, name: str) -> JsonDict | None:
        return None

    async def create(self, lease: JsonDict) -> JsonDict:
        return lease

    async def replace(self, lease: JsonDict) -> JsonDict:
        return lease
