"""The traffic each agent's route was last set to, so that a steady agent does not read its HTTPRoute or
VirtualService at every reconcile.

The engine asks for the route's weights at every reconcile (it is the desired state), and a router
reads the routing object before it patches it (another owner's entries must be kept). Routing objects
belong to the user and are not watched (their kinds exist only where a router is installed, and the
chart grants them only when asked), so this memo stands in for a cache: the same weights for the same
route are not set again for `RECHECK_SECONDS`; after that, or after a failure, the router reads the
object again, which also puts back weights someone else changed. Memory: one entry per routed agent.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..engine.decisions import SetTraffic

RECHECK_SECONDS = 300.0

RouteKey = tuple[str, str, str, str | None]  # (namespace, router, route name, rule name)


def _route(namespace: str, traffic: SetTraffic) -> RouteKey:
    return namespace, traffic.router, traffic.route_name, traffic.rule_name


class RouteMemo:
    def __init__(self, clock: Callable[[], float] = time.monotonic, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self._clock = clock
        self._recheck = recheck_seconds
        self._set: dict[RouteKey, tuple[SetTraffic, float]] = {}

    def already_set(self, namespace: str, traffic: SetTraffic) -> bool:
        """True when this route was set to exactly this traffic less than `recheck_seconds` ago."""
        known = self._set.get(_route(namespace, traffic))
        return known is not None and known[0] == traffic and self._clock() < known[1]

    def was_set(self, namespace: str, traffic: SetTraffic) -> None:
        self._set[_route(namespace, traffic)] = (traffic, self._clock() + self._recheck)

    def forget(self, namespace: str, traffic: SetTraffic) -> None:
        """A failed write: read the object again next time."""
        self._set.pop(_route(namespace, traffic), None)
