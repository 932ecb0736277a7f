"""The real operator (kopf + OperatorApp) on its own thread and event loop, started and stopped
from synchronous code: the demo runs it next to the API stand-in, and so do the tests."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import kopf

from agentops_operator.handlers.app import OperatorApp, OperatorConfig
from agentops_operator.ports.metrics import SignalProvider


class RunningOperator:
    def __init__(
        self,
        kubeconfig: Path,
        resync_seconds: float = 2.0,
        namespaces: list[str] | None = None,
        metrics: SignalProvider | None = None,
        pagerduty_url: str | None = None,
        **config_fields: Any,
    ) -> None:
        config = OperatorConfig(
            namespaces=list(namespaces or []),  # the app's own lists and resyncs, as kopf's watches
            kubeconfig=str(kubeconfig),
            resync_seconds=resync_seconds,
            metrics=metrics,
            **config_fields,
        )
        if pagerduty_url:
            config.pagerduty_url = pagerduty_url
        self.app = OperatorApp(config)
        self.namespaces = namespaces or []
        self.loop = asyncio.new_event_loop()
        self.stop_flag: asyncio.Future[Any] | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="operator")

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.stop_flag = self.loop.create_future()
        ready_flag = self.loop.create_future()
        ready_flag.add_done_callback(lambda _: self.ready.set())
        self.loop.run_until_complete(
            kopf.operator(
                registry=self.app.registry,
                standalone=True,
                clusterwide=not self.namespaces,
                namespaces=self.namespaces,
                stop_flag=self.stop_flag,
                ready_flag=ready_flag,
            )
        )
        self.loop.close()

    def start(self) -> RunningOperator:
        self.thread.start()
        assert self.ready.wait(20), "operator did not start"
        return self

    def stop(self) -> None:
        if self.stop_flag is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(lambda: self.stop_flag.done() or self.stop_flag.set_result(None))  # type: ignore[union-attr]
        self.thread.join(timeout=20)
