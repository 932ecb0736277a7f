"""The traffic the engine asks routers for, as the router tests build it."""

from __future__ import annotations

from typing import Any

import pytest

from agentops_operator.api.vocabulary import RouterKind
from agentops_operator.engine.decisions import SetTraffic


def traffic(weight: int, mirror: int, router: RouterKind = RouterKind.GATEWAY_API, **extra: Any) -> SetTraffic:
    return SetTraffic(
        router=router,
        route_name="support",
        rule_name=None,
        stable_service="support-agent-stable",
        canary_service="support-agent-canary",
        port=8080,
        weight=weight,
        mirror_percent=mirror,
        **extra,
    )


# (canary weight, mirror percent) a rollout goes through
CASES = [
    pytest.param(0, 0, id="stable-only"),
    pytest.param(30, 0, id="canary-30"),
    pytest.param(0, 25, id="shadow-25"),
    pytest.param(100, 0, id="all-canary"),
]
