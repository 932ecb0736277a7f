"""Schemas for the Gateway API HTTPRoute and Istio VirtualService CRDs (the fields the operator
manages, written here: the real CRDs are large and not on this machine), so the API stand-in
serves them in the demo and the tests."""

from __future__ import annotations

from typing import Any

OBJ: dict[str, Any] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
BACKEND_REF = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "group": {"type": "string"},
        "kind": {"type": "string"},
        "name": {"type": "string"},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "weight": {"type": "integer", "minimum": 0, "maximum": 1000000},
    },
}


def _approval(group: str) -> dict[str, str]:
    """Kubernetes-owned groups (*.k8s.io) need an API approval annotation; this subset is not the
    approved Gateway API schema, so it says so, as the API server allows."""
    if group.endswith(".k8s.io"):
        return {"api-approved.kubernetes.io": "unapproved, a subset of the Gateway API schema for the agentops demo"}
    return {}


def _crd(group: str, plural: str, kind: str, version: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}", "annotations": _approval(group)},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind},
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": spec, "status": OBJ}}},
                }
            ],
        },
    }


HTTPROUTE_CRD = _crd(
    "gateway.networking.k8s.io",
    "httproutes",
    "HTTPRoute",
    "v1",
    {
        "type": "object",
        "properties": {
            "parentRefs": {"type": "array", "items": OBJ},
            "hostnames": {"type": "array", "items": {"type": "string"}},
            "rules": {
                "type": "array",
                "maxItems": 16,
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "matches": {"type": "array", "items": OBJ},
                        "backendRefs": {"type": "array", "items": BACKEND_REF},
                        "filters": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["type"],
                                "properties": {
                                    "type": {
                                        "type": "string",
                                        "enum": [
                                            "RequestHeaderModifier",
                                            "ResponseHeaderModifier",
                                            "RequestMirror",
                                            "RequestRedirect",
                                            "URLRewrite",
                                            "ExtensionRef",
                                        ],
                                    },
                                    "requestMirror": {
                                        "type": "object",
                                        "properties": {
                                            "backendRef": BACKEND_REF,
                                            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
                                        },
                                    },
                                    "requestHeaderModifier": OBJ,
                                },
                            },
                        },
                        "sessionPersistence": {
                            "type": "object",
                            "properties": {
                                "sessionName": {"type": "string"},
                                "type": {"type": "string", "enum": ["Cookie", "Header"]},
                            },
                        },
                    },
                },
            },
        },
    },
)

VIRTUALSERVICE_CRD = _crd(
    "networking.istio.io",
    "virtualservices",
    "VirtualService",
    "v1",
    {
        "type": "object",
        "properties": {
            "hosts": {"type": "array", "items": {"type": "string"}},
            "http": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "match": {"type": "array", "items": OBJ},
                        "route": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "destination": {
                                        "type": "object",
                                        "properties": {
                                            "host": {"type": "string"},
                                            "port": {"type": "object", "properties": {"number": {"type": "integer"}}},
                                        },
                                    },
                                    "weight": {"type": "integer", "minimum": 0, "maximum": 100},
                                },
                            },
                        },
                        "mirror": {
                            "type": "object",
                            "properties": {
                                "host": {"type": "string"},
                                "port": {"type": "object", "properties": {"number": {"type": "integer"}}},
                            },
                        },
                        "mirrorPercentage": {"type": "object", "properties": {"value": {"type": "number"}}},
                    },
                },
            },
        },
    },
)
