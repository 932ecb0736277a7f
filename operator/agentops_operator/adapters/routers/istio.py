"""Istio router: route weights on a VirtualService HTTP route, `mirror` + `mirrorPercentage` for shadow.

The operator owns, in the chosen HTTP route (by `name`, else the first), the `route`
destinations (the agent's `-stable` and `-canary` Services) and the mirror settings. Session
affinity under Istio belongs to a DestinationRule's consistent hash, which the operator does not
manage (documented). Writes only when something differs.
"""

from __future__ import annotations

import copy
from typing import Any

from ...engine.decisions import SetTraffic
from ..kube.client import KubeClient, segment
from .entry import RoutingObject, update_entry

JsonDict = dict[str, Any]
GROUP_PATH = "/apis/networking.istio.io/v1"


def desired_route(route: JsonDict, traffic: SetTraffic) -> JsonDict:
    updated = copy.deepcopy(route)
    updated["route"] = [
        {
            "destination": {"host": traffic.stable_service, "port": {"number": traffic.port}},
            "weight": 100 - traffic.weight,
        },
        {"destination": {"host": traffic.canary_service, "port": {"number": traffic.port}}, "weight": traffic.weight},
    ]
    if traffic.mirror_percent > 0:
        updated["mirror"] = {"host": traffic.canary_service, "port": {"number": traffic.port}}
        updated["mirrorPercentage"] = {"value": float(traffic.mirror_percent)}
    else:
        updated.pop("mirror", None)
        updated.pop("mirrorPercentage", None)
    return updated


class IstioRouter:
    def __init__(self, client: KubeClient, field_manager: str) -> None:
        self.client = client
        self.field_manager = field_manager

    async def set_traffic(self, namespace: str, traffic: SetTraffic) -> None:
        target = RoutingObject(
            "VirtualService",
            f"{GROUP_PATH}/namespaces/{segment(namespace)}/virtualservices/{segment(traffic.route_name)}",
            "http",
            "HTTP route",
            "spec.rollout.trafficRouting.istio.virtualServiceName",
            "spec.rollout.trafficRouting.istio.routeName",
            "trafficRouting.istio",
        )
        await update_entry(
            self.client,
            self.field_manager,
            target,
            traffic.route_name,
            namespace,
            traffic.rule_name,
            lambda route: desired_route(route, traffic),
        )
