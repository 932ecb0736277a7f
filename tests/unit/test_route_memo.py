"""Unit: a steady routed agent does not read its route at every reconcile (runtime/routes.py), but a
change of weights, another route, a failed write or the recheck period make the router read it again."""

from __future__ import annotations

import dataclasses

import pytest

from agentops_operator.api.vocabulary import RouterKind
from agentops_operator.engine.decisions import SetTraffic
from agentops_operator.runtime.routes import RECHECK_SECONDS, RouteMemo

TRAFFIC = SetTraffic(
    router=RouterKind.GATEWAY_API,
    route_name="support",
    rule_name=None,
    stable_service="a-stable",
    canary_service="a-canary",
    port=8080,
    weight=20,
    mirror_percent=0,
    affinity_header=None,
    affinity_cookie=None,
)


@pytest.mark.parametrize(
    ("asked", "elapsed", "namespace", "forgotten", "skipped"),
    [
        pytest.param(TRAFFIC, 1.0, "ns", False, True, id="same-weights-soon-after-not-read-again"),
        pytest.param(dataclasses.replace(TRAFFIC, weight=50), 1.0, "ns", False, False, id="new-weight-is-set"),
        pytest.param(dataclasses.replace(TRAFFIC, route_name="other"), 1.0, "ns", False, False, id="other-route"),
        pytest.param(TRAFFIC, 1.0, "team-b", False, False, id="same-route-name-other-namespace"),
        pytest.param(TRAFFIC, RECHECK_SECONDS + 1, "ns", False, False, id="recheck-puts-back-others-edits"),
        pytest.param(TRAFFIC, 1.0, "ns", True, False, id="after-a-failed-write"),
    ],
)
def test_a_route_is_set_again_only_when_something_may_differ(
    asked: SetTraffic, elapsed: float, namespace: str, forgotten: bool, skipped: bool
) -> None:
    clock = [1000.0]
    memo = RouteMemo(clock=lambda: clock[0])
    memo.was_set("ns", TRAFFIC)
    if forgotten:
        memo.forget("ns", TRAFFIC)
    clock[0] += elapsed
    assert memo.already_set(namespace, asked) is skipped
