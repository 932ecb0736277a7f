"""Gateway API HTTPRoute and Istio VirtualService objects for the tests (their CRDs come from the
demo package), and readers of their weights."""

from __future__ import annotations

import copy

import httpx

from agentops_sandbox.testing.route_crds import HTTPROUTE_CRD, VIRTUALSERVICE_CRD
from tests.waiting import install_crd

HTTPROUTE = {
    "apiVersion": "gateway.networking.k8s.io/v1",
    "kind": "HTTPRoute",
    "metadata": {"name": "support"},
    "spec": {
        "parentRefs": [{"name": "public-gateway"}],
        "rules": [
            {
                "name": "health",
                "matches": [{"path": {"type": "Exact", "value": "/healthz"}}],
                "backendRefs": [{"name": "other", "port": 80}],
            },
            {
                "name": "chat",
                "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                "backendRefs": [{"name": "support-agent", "port": 8080}],
            },
        ],
    },
}
VIRTUALSERVICE = {
    "apiVersion": "networking.istio.io/v1",
    "kind": "VirtualService",
    "metadata": {"name": "support"},
    "spec": {
        "hosts": ["support.example.com"],
        "http": [{"name": "chat", "route": [{"destination": {"host": "support-agent"}}]}],
    },
}

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
HTTPROUTES = "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes"
VIRTUALSERVICES = "/apis/networking.istio.io/v1/namespaces/default/virtualservices"


def install(api: httpx.Client, route_name: str = "support", backend: str = "support-agent") -> None:
    """The two CRDs, an HTTPRoute and a VirtualService named `route_name` sending to `backend`."""
    for crd in (HTTPROUTE_CRD, VIRTUALSERVICE_CRD):
        install_crd(api, crd, existing_ok=True)
    route = copy.deepcopy(HTTPROUTE)
    route["metadata"]["name"] = route_name
    route["spec"]["rules"][1]["backendRefs"][0]["name"] = backend
    service = copy.deepcopy(VIRTUALSERVICE)
    service["metadata"]["name"] = route_name
    service["spec"]["http"][0]["route"][0]["destination"]["host"] = backend
    for path, obj in ((HTTPROUTES, route), (VIRTUALSERVICES, service)):
        response = api.post(path, json=obj)
        assert response.status_code == 201, response.text


def gateway_traffic(
    api: httpx.Client, agent: str = "support-agent", route: str = "support"
) -> tuple[int, int, int, str | None]:
    """(stable weight, canary weight, mirror percent, session persistence type) of the 'chat' rule."""
    rule = api.get(f"{HTTPROUTES}/{route}").json()["spec"]["rules"][1]
    weights = {ref["name"]: ref.get("weight", 1) for ref in rule["backendRefs"]}
    mirror = next(
        (f["requestMirror"].get("percent", 100) for f in rule.get("filters", []) if f["type"] == "RequestMirror"), 0
    )
    return (
        weights.get(f"{agent}-stable", -1),
        weights.get(f"{agent}-canary", -1),
        mirror,
        (rule.get("sessionPersistence") or {}).get("type"),
    )


def istio_traffic(api: httpx.Client) -> tuple[int, int, float]:
    route = api.get(f"{VIRTUALSERVICES}/support").json()["spec"]["http"][0]
    weights = {r["destination"]["host"]: r.get("weight", 0) for r in route["route"]}
    return (
        weights.get("support-agent-stable", -1),
        weights.get("support-agent-canary", -1),
        (route.get("mirrorPercentage") or {}).get("value", 0.0),
    )
