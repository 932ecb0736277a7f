"""Small helpers for raw REST contract tests against the stand-in."""

from __future__ import annotations

import json
from typing import Any

import httpx

CM = "/api/v1/namespaces/default/configmaps"
DEPLOY = "/apis/apps/v1/namespaces/default/deployments"
MERGE = {"Content-Type": "application/merge-patch+json"}
JSONPATCH = {"Content-Type": "application/json-patch+json"}
STRATEGIC = {"Content-Type": "application/strategic-merge-patch+json"}
APPLY = {"Content-Type": "application/apply-patch+yaml"}


def configmap(name: str, data: dict[str, str] | None = None, **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **metadata}, "data": data or {"k": "v"}}


def deployment(name: str, image: str = "nginx:1.25", replicas: int = 1) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "image": image,
                            "ports": [{"containerPort": 8080}],
                            "env": [{"name": "A", "value": "1"}],
                        }
                    ]
                },
            },
        },
    }


def ok(response: httpx.Response, status: int | tuple[int, ...] = (200, 201)) -> dict[str, Any]:
    expected = (status,) if isinstance(status, int) else status
    assert response.status_code in expected, f"{response.status_code}: {response.text}"
    return response.json()  # type: ignore[no-any-return]


def status_of(response: httpx.Response, code: int, reason: str) -> dict[str, Any]:
    """Assert a Status error body with the given code and reason, as the real server sends."""
    assert response.status_code == code, f"{response.status_code}: {response.text}"
    body = response.json()
    assert body["kind"] == "Status" and body["status"] == "Failure"
    assert body["code"] == code and body["reason"] == reason, body
    return body  # type: ignore[no-any-return]


def watch_events(
    client: httpx.Client, path: str, count: int, timeout: float = 10, **params: str
) -> list[dict[str, Any]]:
    """Open a watch and collect `count` events (or what arrives before the stream ends)."""
    events: list[dict[str, Any]] = []
    with client.stream("GET", path, params={"watch": "true", **params}, timeout=timeout) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line:
                events.append(json.loads(line))
            if len(events) >= count:
                break
    return events
