"""The traffic a router should carry: canary weight, mirror percent and session affinity. Pure.

Without `spec.rollout.trafficRouting` there is nothing to set (replica ratio does the splitting);
with it, every decision states the full traffic (weight 0 and no mirror when nothing rolls out),
so a router that drifted is put back.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..api.spec import AgentDeploymentSpec
from ..api.vocabulary import RouterKind
from .decisions import SetTraffic
from .manifests import Identity
from .serving import ServingPhase


@dataclass(frozen=True, kw_only=True)
class Route:
    """The route the operator manages."""

    router: RouterKind
    name: str  # the HTTPRoute or VirtualService
    rule: str | None  # the rule or route within it (None: the first)


def route_of(spec: AgentDeploymentSpec) -> Route | None:
    routing = spec.rollout.traffic_routing if spec.rollout else None
    if routing is None:
        return None
    if routing.gateway_api is not None:
        gateway = routing.gateway_api
        return Route(router=RouterKind.GATEWAY_API, name=gateway.http_route_name, rule=gateway.rule_name)
    if routing.istio is not None:
        return Route(router=RouterKind.ISTIO, name=routing.istio.virtual_service_name, rule=routing.istio.route_name)
    return None


def stable_service_name(identity: Identity) -> str:
    return f"{identity.name}-stable"


def canary_service_name(identity: Identity) -> str:
    return f"{identity.name}-canary"


def traffic(
    spec: AgentDeploymentSpec, identity: Identity, route: Route | None, serving: ServingPhase
) -> SetTraffic | None:
    if route is None or serving.stable is None:
        return None
    rollout = serving.rollout if serving.in_rollout else None
    weight = rollout.weight if rollout else 0
    mirror = rollout.mirror_percent if rollout else 0
    if serving.shadow_percent is not None:
        mirror = serving.shadow_percent
    affinity = spec.rollout.session_affinity if spec.rollout else None
    return SetTraffic(
        router=route.router,
        route_name=route.name,
        rule_name=route.rule,
        stable_service=stable_service_name(identity),
        canary_service=canary_service_name(identity),
        port=spec.runtime.port,
        weight=weight,
        mirror_percent=mirror,
        affinity_header=affinity.header if affinity else None,
        affinity_cookie=affinity.cookie if affinity else None,
    )
