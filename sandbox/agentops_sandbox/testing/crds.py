"""Waiting for a CustomResourceDefinition to be served: a real API server serves a new CRD's objects
only once its `Established` condition is True (the stand-in at once). The demo and the tests use it."""

from __future__ import annotations

import httpx

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def crd_established(api: httpx.Client, name: str) -> bool:
    conditions = (api.get(f"{CRDS}/{name}").json().get("status") or {}).get("conditions") or []  # null until set
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)
