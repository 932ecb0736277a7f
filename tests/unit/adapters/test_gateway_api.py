"""Unit: the Gateway API router's HTTPRoute rule for every kind of traffic the engine asks for:
backendRef weights that add up to 100, a RequestMirror only while shadowing, session persistence
when affinity is set, the user's matches and filters left alone, and nothing to write when nothing
changed. (The read-modify-write against an API server runs in tests/operator, on both servers.)"""

from __future__ import annotations

from typing import Any

import pytest

from agentops_operator.adapters.routers.gateway_api import desired_rule
from tests.unit.adapters.traffic import CASES, traffic

USER_RULE: dict[str, Any] = {
    "matches": [{"path": {"type": "PathPrefix", "value": "/chat"}}],
    "filters": [{"type": "RequestHeaderModifier", "requestHeaderModifier": {"add": [{"name": "x", "value": "1"}]}}],
}


@pytest.mark.parametrize(("weight", "mirror"), CASES)
def test_gateway_api_rule(weight: int, mirror: int) -> None:
    rule = desired_rule(USER_RULE, traffic(weight, mirror))
    weights = {ref["name"]: ref["weight"] for ref in rule["backendRefs"]}
    assert weights == {"support-agent-stable": 100 - weight, "support-agent-canary": weight}
    mirrors = [f for f in rule["filters"] if f["type"] == "RequestMirror"]
    assert [m["requestMirror"]["percent"] for m in mirrors] == ([mirror] if mirror else [])
    assert rule["matches"] == USER_RULE["matches"] and USER_RULE["filters"][0] in rule["filters"]
    assert desired_rule(rule, traffic(weight, mirror)) == rule  # applied again: nothing to write


def test_gateway_api_mirror_is_removed_when_shadowing_ends_and_affinity_is_set() -> None:
    shadowing = desired_rule({}, traffic(0, 50))
    ended = desired_rule(shadowing, traffic(0, 0))
    assert "filters" not in ended
    sticky = desired_rule({}, traffic(10, 0, affinity_header="x-session-id"))
    assert sticky["sessionPersistence"]["type"] == "Header"
    assert sticky["sessionPersistence"]["sessionName"] == "x-session-id"
