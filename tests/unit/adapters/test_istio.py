"""Unit: the Istio router's VirtualService HTTP route for every kind of traffic the engine asks for:
destination weights that add up to 100, `mirror` and `mirrorPercentage` only while shadowing, the
user's match and timeout left alone, nothing to write when nothing changed. (The read-modify-write
against an API server runs in tests/operator, on both servers.)"""

from __future__ import annotations

import pytest

from agentops_operator.adapters.routers.istio import desired_route
from agentops_operator.api.vocabulary import RouterKind
from tests.unit.adapters.traffic import CASES, traffic


@pytest.mark.parametrize(("weight", "mirror"), CASES)
def test_istio_route(weight: int, mirror: int) -> None:
    user = {"name": "chat", "match": [{"uri": {"prefix": "/chat"}}], "timeout": "30s"}
    route = desired_route(user, traffic(weight, mirror, RouterKind.ISTIO))
    weights = {d["destination"]["host"]: d["weight"] for d in route["route"]}
    assert weights == {"support-agent-stable": 100 - weight, "support-agent-canary": weight}
    if mirror:
        assert route["mirror"]["host"] == "support-agent-canary"
        assert route["mirrorPercentage"] == {"value": float(mirror)}
    else:
        assert "mirror" not in route and "mirrorPercentage" not in route
    assert (route["match"], route["timeout"], route["name"]) == (user["match"], "30s", "chat")
    assert desired_route(route, traffic(weight, mirror, RouterKind.ISTIO)) == route
