"""Gateway API router: weights on an HTTPRoute rule's backendRefs, RequestMirror for shadow.

The operator owns, in the chosen rule (by `name`, else the first), the backendRefs of the
agent's `-stable` and `-canary` Services, a RequestMirror filter to the canary Service
(Gateway API ≥ 1.2 `percent`), and `sessionPersistence` when session affinity is set. Other
rules, matches and filters are left as they are. Writes only when something differs.
"""

from __future__ import annotations

import copy
from typing import Any

from ...engine.decisions import SetTraffic
from ..kube.client import KubeClient, segment
from .entry import RoutingObject, update_entry

JsonDict = dict[str, Any]
GROUP_PATH = "/apis/gateway.networking.k8s.io/v1"


def desired_rule(rule: JsonDict, traffic: SetTraffic) -> JsonDict:
    updated = copy.deepcopy(rule)
    updated["backendRefs"] = [
        {
            "group": "",
            "kind": "Service",
            "name": traffic.stable_service,
            "port": traffic.port,
            "weight": 100 - traffic.weight,
        },
        {
            "group": "",
            "kind": "Service",
            "name": traffic.canary_service,
            "port": traffic.port,
            "weight": traffic.weight,
        },
    ]
    filters = [f for f in rule.get("filters") or [] if not _our_mirror(f, traffic)]
    if traffic.mirror_percent > 0:
        filters.append(
            {
                "type": "RequestMirror",
                "requestMirror": {
                    "backendRef": {
                        "group": "",
                        "kind": "Service",
                        "name": traffic.canary_service,
                        "port": traffic.port,
                    },
                    "percent": traffic.mirror_percent,
                },
            }
        )
    if filters:
        updated["filters"] = filters
    else:
        updated.pop("filters", None)
    if traffic.affinity_header or traffic.affinity_cookie:
        kind = "Header" if traffic.affinity_header else "Cookie"
        updated["sessionPersistence"] = {
            "sessionName": traffic.affinity_header or traffic.affinity_cookie,
            "type": kind,
        }
    else:
        updated.pop("sessionPersistence", None)
    return updated


def _our_mirror(filter_: JsonDict, traffic: SetTraffic) -> bool:
    ref = (filter_.get("requestMirror") or {}).get("backendRef") or {}
    return filter_.get("type") == "RequestMirror" and ref.get("name") == traffic.canary_service


class GatewayApiRouter:
    def __init__(self, client: KubeClient, field_manager: str) -> None:
        self.client = client
        self.field_manager = field_manager

    async def set_traffic(self, namespace: str, traffic: SetTraffic) -> None:
        target = RoutingObject(
            "HTTPRoute",
            f"{GROUP_PATH}/namespaces/{segment(namespace)}/httproutes/{segment(traffic.route_name)}",
            "rules",
            "rule",
            "spec.rollout.trafficRouting.gatewayAPI.httpRouteName",
            "spec.rollout.trafficRouting.gatewayAPI.ruleName",
            "trafficRouting.gatewayAPI",
        )
        await update_entry(
            self.client,
            self.field_manager,
            target,
            traffic.route_name,
            namespace,
            traffic.rule_name,
            lambda rule: desired_rule(rule, traffic),
        )
