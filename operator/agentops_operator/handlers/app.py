"""The operator as kopf sees it: which changes trigger a reconcile, and nothing more.

Only event and index handlers are used: they keep no state on the objects (no finalizers, no
kopf annotations; kopf timers would add a finalizer, so the periodic resync is a plain task), so
the operator writes nothing but children, status and Events, deleting an agent never waits for
the operator, and an idle agent causes no writes. Triggers: the AgentDeployment itself, its
revision Deployments (availability), ConfigMaps it takes its prompt from, and a periodic resync
that also retries after errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import kopf

from ..adapters.kube.client import KubeClient, connection_from_environment
from ..adapters.kube.workloads import KubeWorkloads
from ..adapters.notifiers.pagerduty import PAGERDUTY_EVENTS_URL, PagerDutyNotifier
from ..adapters.notifiers.slack import SlackNotifier
from ..adapters.notifiers.webhook import WebhookNotifier
from ..adapters.routers.gateway_api import GatewayApiRouter
from ..adapters.routers.istio import IstioRouter
from ..api import resource
from ..engine.manifests import LABEL_AGENT, LABEL_MANAGED_BY, MANAGED_BY
from ..ports.metrics import MetricProvider
from ..ports.notify import Notifier
from ..ports.traffic import TrafficRouter
from ..runtime.reconciler import Reconciler

log = logging.getLogger(__name__)
AGENTS = (resource.GROUP, resource.VERSION, resource.PLURAL)


@dataclass
class OperatorConfig:
    namespaces: list[str] = field(default_factory=list)  # empty: all namespaces
    kubeconfig: str | None = None
    resync_seconds: float = 30.0
    prometheus_url: str | None = None
    metrics: MetricProvider | None = None  # where analysis reads numbers; None: every analysis errors
    pagerduty_url: str = PAGERDUTY_EVENTS_URL


class OperatorApp:
    def __init__(self, config: OperatorConfig) -> None:
        self.config = config
        self.registry = kopf.OperatorRegistry()
        self.client: KubeClient | None = None
        self.reconciler: Reconciler | None = None
        self._resync_task: asyncio.Task[None] | None = None
        self._register()

    async def _resync_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.resync_seconds)
            if self.reconciler is not None:
                try:
                    await self.reconciler.resync(self.config.namespaces)
                except Exception as error:  # the API may be briefly unreachable: try next period
                    log.warning("periodic resync failed: %s", error)

    async def _safely(self, namespace: str, name: str, body: dict[str, Any] | None = None) -> None:
        if self.reconciler is None:
            return
        try:
            if body is not None:
                await self.reconciler.reconcile(body)
            else:
                await self.reconciler.reconcile_named(namespace, name)
        except Exception as error:  # logged; the resync timer retries
            log.warning("reconcile of %s/%s failed, will retry: %s", namespace, name, error)

    def _register(self) -> None:
        registry = self.registry

        @kopf.on.login(registry=registry)
        def login(**_: Any) -> kopf.ConnectionInfo:
            connection = connection_from_environment(self.config.kubeconfig)
            self.client = KubeClient(connection)
            routers: dict[str, TrafficRouter] = {
                "gatewayAPI": GatewayApiRouter(self.client, resource.FIELD_MANAGER),
                "istio": IstioRouter(self.client, resource.FIELD_MANAGER),
            }
            notifiers: dict[str, Notifier] = {
                "Slack": SlackNotifier(),
                "Webhook": WebhookNotifier(),
                "PagerDuty": PagerDutyNotifier(self.config.pagerduty_url),
            }
            self.reconciler = Reconciler(
                KubeWorkloads(self.client), metrics=self.config.metrics, routers=routers, notifiers=notifiers
            )
            return kopf.ConnectionInfo(
                server=connection.server,
                ca_path=connection.ca_path,
                insecure=not connection.verify,
                token=connection.token,
                certificate_path=connection.cert[0] if connection.cert else None,
                private_key_path=connection.cert[1] if connection.cert else None,
                default_namespace=connection.default_namespace,
            )

        @kopf.on.startup(registry=registry)
        async def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
            settings.watching.server_timeout = 300
            self._resync_task = asyncio.get_running_loop().create_task(self._resync_forever())

        @kopf.on.cleanup(registry=registry)
        async def close(**_: Any) -> None:
            if self._resync_task is not None:
                self._resync_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._resync_task
            if self.client is not None:
                await self.client.close()

        @kopf.index(*AGENTS, id="prompt_refs", registry=registry)
        def prompt_refs(**kwargs: Any) -> dict[tuple[str, str], str]:
            ref = (kwargs["spec"].get("prompt") or {}).get("configMapKeyRef") or {}
            return {(kwargs["namespace"], ref["name"]): kwargs["name"]} if ref.get("name") else {}

        @kopf.on.event(*AGENTS, registry=registry)
        async def agent_changed(**kwargs: Any) -> None:
            if kwargs["type"] != "DELETED":
                await self._safely(kwargs["namespace"], kwargs["name"], dict(kwargs["body"]))

        @kopf.on.event("apps", "v1", "deployments", labels={LABEL_MANAGED_BY: MANAGED_BY}, registry=registry)
        async def revision_changed(**kwargs: Any) -> None:
            agent = kwargs["labels"].get(LABEL_AGENT)
            if agent:
                await self._safely(kwargs["namespace"], agent)

        @kopf.on.event("", "v1", "configmaps", registry=registry)
        async def prompt_changed(**kwargs: Any) -> None:
            index: kopf.Index[tuple[str, str], str] = kwargs["prompt_refs"]
            for agent in index.get((kwargs["namespace"], kwargs["name"]), []):
                await self._safely(kwargs["namespace"], agent)
