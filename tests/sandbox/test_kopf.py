"""Contract: a tiny kopf operator runs through kopf's own machinery against the stand-in.

kopf relies on discovery, list+watch with resourceVersion, JSON/merge patches of finalizers and
annotations, the status subresource, and core Events; this test fails if any of those drift from
what kopf expects of a real API server.
"""

from __future__ import annotations

import asyncio
import copy
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import kopf
import pytest

from agentops_operator.adapters.kube.client import connection_from_environment
from agentops_operator.handlers.app import kopf_connection
from tests.sandbox.rest import MERGE, ok
from tests.sandbox.widgets import WIDGET_CRD, WIDGETS
from tests.waiting import eventually, install_crd

GADGET_CRD = copy.deepcopy(WIDGET_CRD)
GADGET_CRD["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"] = {
    "type": "object",
    "x-kubernetes-preserve-unknown-fields": True,
}


class TinyOperator:
    def __init__(self, kubeconfig: Path) -> None:
        self.connection = connection_from_environment(str(kubeconfig))
        self.registry = kopf.OperatorRegistry()
        self.deleted: list[str] = []
        self.ticks = 0
        self.stop_flag: asyncio.Future[Any] | None = None
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self._register()

    def _register(self) -> None:
        registry = self.registry

        @kopf.on.login(registry=registry)
        def login(**_: Any) -> kopf.ConnectionInfo:
            return kopf_connection(self.connection)

        @kopf.on.startup(registry=registry)
        def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
            settings.watching.server_timeout = 5

        @kopf.on.create("example.com", "v1", "widgets", id="created", registry=registry)
        def created(body: Any, spec: Any, patch: kopf.Patch, **_: Any) -> dict[str, Any]:
            patch.status["phase"] = "Created"
            kopf.info(body, reason="Created", message="widget created")
            return {"size": spec["size"]}

        @kopf.on.update("example.com", "v1", "widgets", field="spec.size", registry=registry)
        def resized(new: Any, patch: kopf.Patch, **_: Any) -> None:
            patch.status["seenSize"] = new

        @kopf.on.delete("example.com", "v1", "widgets", registry=registry)
        def deleted(name: str, **_: Any) -> None:
            self.deleted.append(name)

        @kopf.timer("example.com", "v1", "widgets", interval=0.2, registry=registry)
        def tick(**_: Any) -> None:
            self.ticks += 1

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.stop_flag = self.loop.create_future()
        self.loop.run_until_complete(
            kopf.operator(registry=self.registry, standalone=True, namespaces=["default"], stop_flag=self.stop_flag)
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        if self.stop_flag is not None:
            self.loop.call_soon_threadsafe(self.stop_flag.set_result, None)
        self.thread.join(timeout=15)


@pytest.fixture
def operator_env(kubeconfig: Path, api: httpx.Client) -> Iterator[TinyOperator]:
    install_crd(api, copy.deepcopy(GADGET_CRD))
    tiny = TinyOperator(kubeconfig)
    tiny.start()
    try:
        yield tiny
    finally:
        tiny.stop()


def test_kopf_handlers_timers_and_finalizers(operator_env: TinyOperator, api: httpx.Client) -> None:
    ok(
        api.post(
            WIDGETS,
            json={"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 2}},
        )
    )
    obj = eventually(lambda: (w := ok(api.get(f"{WIDGETS}/w"))).get("status", {}).get("phase") == "Created" and w)
    assert any("kopf" in f for f in obj["metadata"]["finalizers"])
    assert obj["status"]["created"] == {"size": 2}
    ok(api.patch(f"{WIDGETS}/w", json={"spec": {"size": 4}}, headers=MERGE))
    eventually(lambda: ok(api.get(f"{WIDGETS}/w")).get("status", {}).get("seenSize") == 4)
    eventually(lambda: operator_env.ticks >= 2)
    events = eventually(
        lambda: ok(api.get("/api/v1/namespaces/default/events", params={"fieldSelector": "involvedObject.name=w"}))[
            "items"
        ]
    )
    assert any("created" in e["message"] for e in events), events
    ok(api.delete(f"{WIDGETS}/w"), 200)
    eventually(lambda: api.get(f"{WIDGETS}/w").status_code == 404)
    assert operator_env.deleted == ["w"]
