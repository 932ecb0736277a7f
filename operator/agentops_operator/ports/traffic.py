"""How traffic is split between the stable and canary arms: one Protocol, one file per router.

A router makes the live routing object match a `SetTraffic` decision and writes only when it
differs. Replica-ratio rollouts need no router (the engine sets replica counts); `NopRouter`
stands for that case.
"""

from __future__ import annotations

from typing import Protocol

from ..engine.decisions import SetTraffic


class RoutingError(Exception):
    """The routing object is missing or does not fit; the message says how to fix it."""


class TrafficRouter(Protocol):
    async def set_traffic(self, namespace: str, traffic: SetTraffic) -> None: ...


class NopRouter:
    async def set_traffic(self, namespace: str, traffic: SetTraffic) -> None:
        return None
