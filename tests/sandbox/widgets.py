"""A test CRD (`widgets.example.com`) exercising the schema features the stand-in must honour."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from tests.waiting import install_crd

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"

WIDGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {
            "plural": "widgets",
            "singular": "widget",
            "kind": "Widget",
            "shortNames": ["wd"],
            "categories": ["gadgets"],
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                    {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                ],
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "description": "A Widget is a test object.",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "description": "What the widget should be.",
                                "required": ["size"],
                                "x-kubernetes-validations": [
                                    {
                                        "rule": "!has(self.minSize) || self.size >= self.minSize",
                                        "message": "size must be at least minSize",
                                    },
                                    {
                                        "rule": "self.size == oldSelf.size || self.size > oldSelf.size",
                                        "message": "size may only grow",
                                    },
                                ],
                                "properties": {
                                    "size": {
                                        "type": "integer",
                                        "minimum": 0,
                                        "maximum": 100,
                                        "description": "How big.",
                                    },
                                    "minSize": {"type": "integer"},
                                    "color": {"type": "string", "enum": ["red", "green"], "default": "red"},
                                    "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 10},
                                    "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                                    "parts": {
                                        "type": "array",
                                        "x-kubernetes-list-type": "map",
                                        "x-kubernetes-list-map-keys": ["name"],
                                        "items": {
                                            "type": "object",
                                            "required": ["name"],
                                            "properties": {
                                                "name": {"type": "string"},
                                                "count": {"type": "integer", "default": 1},
                                            },
                                        },
                                    },
                                    "tags": {"type": "array", "items": {"type": "string"}},
                                    "labels": {
                                        "type": "object",
                                        "additionalProperties": {"type": "string", "pattern": "^[a-z]+$"},
                                    },
                                },
                            },
                            "status": {
                                "type": "object",
                                "properties": {
                                    "phase": {"type": "string"},
                                    "conditions": {
                                        "type": "array",
                                        "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                                    },
                                },
                            },
                        },
                    }
                },
            }
        ],
    },
}


def widget(object_name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": object_name},
        "spec": {"size": 1, **spec},
    }


def install_widgets(api: httpx.Client) -> dict[str, Any]:
    """Create the Widget CRD and wait until it is Established (served)."""
    return install_crd(api, copy.deepcopy(WIDGET_CRD))
