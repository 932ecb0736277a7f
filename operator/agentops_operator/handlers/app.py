"""The operator as kopf sees it: which changes trigger a reconcile, and nothing more.

Only event and index handlers are used: they keep no state on the objects (no finalizers, no
kopf annotations; kopf timers would add a finalizer, so the periodic resync is a plain task), so
the operator writes nothing but children, status, Events and the label its ConfigMap watch selects on
the prompt ConfigMaps agents reference; deleting an agent never waits for
the operator, and an idle agent causes no writes. Triggers: the AgentDeployment itself, its
revision Deployments (availability), ConfigMaps it takes its prompt from, a deleted Service, and a
periodic resync that also retries after errors. A finished AgentEvaluation gets its verdict
(runtime/evaluations.py). The same watches feed the operator's cache
(runtime/cache.py: agents, and the Deployments, ConfigMaps and Services it manages), so a reconcile
reads no object from the API; the cache is filled once at start-up, then every agent is reconciled.
The children's watches are label-selected by the API server (kopf's `label_selectors`).
With leader election on, every replica watches but only the one holding the Lease reconciles; a
replica that wins the Lease resyncs every agent at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any

import kopf

from ..adapters.kube.agents import KubeAgents
from ..adapters.kube.children import KubeChildren
from ..adapters.kube.client import Connection, KubeClient, connection_from_environment
from ..adapters.kube.evaluations import KubeEvaluations
from ..adapters.kube.leases import KubeLeases
from ..adapters.notifiers.pagerduty import PAGERDUTY_EVENTS_URL, PagerDutyNotifier
from ..adapters.notifiers.slack import SlackNotifier
from ..adapters.notifiers.webhook import WebhookNotifier
from ..adapters.routers.gateway_api import GatewayApiRouter
from ..adapters.routers.istio import IstioRouter
from ..api import resource
from ..api.evaluation import EVALUATION_PLURAL
from ..api.vocabulary import RouterKind
from ..engine.manifests import LABEL_AGENT, LABEL_MANAGED_BY, LABEL_WATCHED, MANAGED_BY, WATCHED
from ..ports.metrics import SignalProvider
from ..ports.notify import Notifier
from ..ports.traffic import TrafficRouter
from ..runtime import redaction
from ..runtime.cache import CHILD_KINDS, CachedAgents, CachedChildren, WatchedState
from ..runtime.evaluations import judge
from ..runtime.leader import LeaderElector, LeaseTiming
from ..runtime.reconciler import Reconciler, describe

log = logging.getLogger(__name__)
AGENTS = (resource.GROUP, resource.VERSION, resource.PLURAL)
# The API server accepts JSON nested up to 10,000 levels (its decoder's limit). kopf's watches and
# our client decode with the standard library, whose C decoder counts each level against the
# recursion limit (1,000 by default), and kopf deep-copies every object it is told of (two Python
# frames a level). At the default one deeply nested AgentDeployment failed every LIST and watch of
# agents, so no agent was served. Python frames live on the heap (3.11+), and decoding 10,000 levels
# takes about 2 MiB of C stack (measured), where the main thread and default threads have 8.
DECODABLE_DEPTH = 10_000


def allow_decoding_what_the_server_accepts() -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 2 * DECODABLE_DEPTH + 5_000))


@dataclass
class OperatorConfig:
    namespaces: list[str] = field(default_factory=list)  # empty: all namespaces
    kubeconfig: str | None = None
    context: str | None = None  # a kubeconfig context other than the current one
    resync_seconds: float = 30.0
    metrics: SignalProvider | None = None  # where signals are read (its default_url: --prometheus-url)
    metrics_deadline_seconds: float = 15.0  # longest wait for one agent's readings (then: errors)
    pagerduty_url: str = PAGERDUTY_EVENTS_URL
    leader_election: bool = False
    lease_namespace: str = "default"
    lease_name: str = "agentops-operator"
    lease_timing: LeaseTiming = field(default_factory=LeaseTiming)
    identity: str = field(default_factory=lambda: f"{socket.gethostname()}_{uuid.uuid4().hex[:8]}")


def kopf_connection(connection: Connection) -> kopf.ConnectionInfo:
    """What kopf's own watches log in with: the same server, CA, token or client certificate."""
    return kopf.ConnectionInfo(
        server=connection.server,
        ca_path=connection.ca_path,
        insecure=not connection.verify,
        token=connection.token,
        certificate_path=connection.cert[0] if connection.cert else None,
        private_key_path=connection.cert[1] if connection.cert else None,
        default_namespace=connection.default_namespace,
    )


class OperatorApp:
    def __init__(self, config: OperatorConfig) -> None:
        self.config = config
        allow_decoding_what_the_server_accepts()
        redaction.install()  # notification secrets never reach a log line, whoever logs
        self.registry = kopf.OperatorRegistry()
        self.client: KubeClient | None = None
        self.reconciler: Reconciler | None = None
        self._resync_task: asyncio.Task[None] | None = None
        self.elector: LeaderElector | None = None
        self._election_task: asyncio.Task[None] | None = None
        self._lead_resync: asyncio.Task[None] | None = None
        self.state = WatchedState()  # what the watches report; reconciles read it instead of the API
        self._primed = False  # the state was filled once: until then events are not acted on
        self._prime_task: asyncio.Task[None] | None = None
        self._register()

    def _may_act(self) -> bool:
        return self.elector is None or self.elector.leading

    async def _resync_now(self) -> None:
        """Just elected: look at every agent now (in the background, so renewing the Lease goes on)."""
        self._lead_resync = asyncio.get_running_loop().create_task(self._resync_once())

    async def _resync_once(self) -> None:
        if self.reconciler is not None:
            try:
                await self.reconciler.resync(self.config.namespaces)
            except Exception as error:  # the periodic resync tries again
                log.warning("resync after election failed: %s", describe(error))

    async def _elect(self) -> None:
        while self.elector is None:  # kopf logs in (which builds the client) after the startup handlers
            await asyncio.sleep(0.1)
        await self.elector.run(self._resync_now)

    async def _resync_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.resync_seconds)
            if self.reconciler is not None and self._may_act():
                try:
                    await self.reconciler.resync(self.config.namespaces)
                except Exception as error:  # the API may be briefly unreachable: try next period
                    log.warning("periodic resync failed: %s", describe(error))

    async def _prime(self) -> None:
        """Fill the state once (a LIST of agents and of each child kind, per watched namespace), then
        reconcile every agent from it: events that came before were not acted on."""
        while self.client is None:  # kopf logs in after the startup handlers
            await asyncio.sleep(0.1)
        agents, children = KubeAgents(self.client), KubeChildren(self.client)
        for attempt in range(1, 1_000_000):
            try:
                namespaces: list[str | None] = [*self.config.namespaces] or [None]
                for namespace in namespaces:
                    for body in await agents.list_agents(namespace):
                        self.state.agent_seen(body)
                    for kind in CHILD_KINDS:
                        for obj in await children.list_owned(kind, namespace):
                            self.state.child_seen(kind, obj)
                break
            except Exception as error:  # the API may be briefly unreachable at start-up
                log.warning("filling the cache failed (attempt %d), trying again: %s", attempt, describe(error))
                await asyncio.sleep(min(2.0 * attempt, 30.0))
        self._primed = True
        if self._may_act():
            await self._resync_once()

    async def _safely(self, namespace: str, name: str, body: dict[str, Any] | None = None) -> None:
        if self.reconciler is None or not self._primed:
            return
        try:
            if body is not None:
                await self.reconciler.reconcile(body)
            else:
                await self.reconciler.reconcile_named(namespace, name)
        except Exception as error:  # logged; retried with backoff by the reconciler
            log.warning("reconcile of %s/%s failed, will retry: %s", namespace, name, describe(error))

    def _connect(self) -> kopf.ConnectionInfo:
        """Log in: the API client, the reconciler on it, and (if enabled) the leader elector."""
        connection = connection_from_environment(self.config.kubeconfig, self.config.context)
        self.client = KubeClient(connection)
        routers: dict[str, TrafficRouter] = {
            RouterKind.GATEWAY_API: GatewayApiRouter(self.client, resource.FIELD_MANAGER),
            RouterKind.ISTIO: IstioRouter(self.client, resource.FIELD_MANAGER),
        }
        notifiers: dict[str, Notifier] = {
            "Slack": SlackNotifier(),
            "Webhook": WebhookNotifier(),
            "PagerDuty": PagerDutyNotifier(self.config.pagerduty_url),
        }
        self.reconciler = Reconciler(
            CachedAgents(KubeAgents(self.client), self.state),
            CachedChildren(KubeChildren(self.client), self.state),
            metrics=self.config.metrics,
            metrics_deadline=self.config.metrics_deadline_seconds,
            routers=routers,
            notifiers=notifiers,
            may_act=self._may_act,
        )
        if self.config.leader_election:
            self.elector = LeaderElector(
                KubeLeases(self.client),
                self.config.lease_namespace,
                self.config.lease_name,
                self.config.identity,
                self.config.lease_timing,
            )
        return kopf_connection(connection)

    def _register(self) -> None:
        registry = self.registry

        @kopf.on.login(registry=registry)
        def login(**_: Any) -> kopf.ConnectionInfo:
            return self._connect()

        @kopf.on.startup(registry=registry)
        async def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
            settings.watching.server_timeout = 300
            # The API server filters the children's watches: memory follows the agents, not the cluster.
            for child in (("apps", "v1", "deployments"), ("", "v1", "services")):
                settings.watching.label_selectors[child] = f"{LABEL_MANAGED_BY}={MANAGED_BY}"
            settings.watching.label_selectors["", "v1", "configmaps"] = f"{LABEL_WATCHED}={WATCHED}"
            self._resync_task = asyncio.get_running_loop().create_task(self._resync_forever())
            self._prime_task = asyncio.get_running_loop().create_task(self._prime())
            if self.config.leader_election:
                self._election_task = asyncio.get_running_loop().create_task(self._elect())

        @kopf.on.cleanup(registry=registry)
        async def close(**_: Any) -> None:
            for task in (self._resync_task, self._election_task, self._lead_resync, self._prime_task):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if self.elector is not None:
                await self.elector.release()
            if self.reconciler is not None:
                await self.reconciler.close()
            if self.client is not None:
                await self.client.close()

        self._register_watches(registry)

    def _register_watches(self, registry: kopf.OperatorRegistry) -> None:
        """What feeds the cache and triggers reconciles: agents, their children, prompt ConfigMaps."""

        @kopf.index(*AGENTS, id="prompt_refs", registry=registry)
        async def prompt_refs(**kwargs: Any) -> dict[tuple[str, str], str]:  # async: no thread hop
            ref = (kwargs["spec"].get("prompt") or {}).get("configMapKeyRef") or {}
            return {(kwargs["namespace"], ref["name"]): kwargs["name"]} if ref.get("name") else {}

        @kopf.on.event(*AGENTS, registry=registry)
        async def agent_changed(**kwargs: Any) -> None:
            body, deleted = dict(kwargs["body"]), kwargs["type"] == "DELETED"
            news = self.state.agent_seen(body, deleted=deleted)
            if news and not deleted:  # not the echo of the operator's own status write
                await self._safely(kwargs["namespace"], kwargs["name"], body)

        @kopf.on.event("apps", "v1", "deployments", labels={LABEL_MANAGED_BY: MANAGED_BY}, registry=registry)
        async def revision_changed(**kwargs: Any) -> None:
            news = self.state.child_seen("Deployment", dict(kwargs["body"]), deleted=kwargs["type"] == "DELETED")
            agent = kwargs["labels"].get(LABEL_AGENT)
            if agent and news:  # not the echo of the operator's own apply or scale
                await self._safely(kwargs["namespace"], agent)

        @kopf.on.event("", "v1", "services", labels={LABEL_MANAGED_BY: MANAGED_BY}, registry=registry)
        async def service_changed(**kwargs: Any) -> None:
            deleted = kwargs["type"] == "DELETED"
            self.state.child_seen("Service", dict(kwargs["body"]), deleted=deleted)
            agent = kwargs["labels"].get(LABEL_AGENT)
            if agent and deleted:  # someone removed the agent's Service: put it back now
                await self._safely(kwargs["namespace"], agent)

        @kopf.on.event(resource.GROUP, resource.VERSION, EVALUATION_PLURAL, registry=registry)
        async def evaluation_changed(**kwargs: Any) -> None:
            deleted = kwargs["type"] == "DELETED"
            news = self.state.child_seen("AgentEvaluation", dict(kwargs["body"]), deleted=deleted)
            agent = kwargs["labels"].get(LABEL_AGENT)
            if agent and news and (kwargs.get("status") or {}).get("verdict"):  # a gate's run was judged
                await self._safely(kwargs["namespace"], agent)
            if deleted or self.client is None or not self._may_act():
                return
            try:
                await judge(KubeEvaluations(self.client), dict(kwargs["body"]))
            except Exception as error:  # the next change, or a restart's initial listing, tries again
                log.warning(
                    "judging AgentEvaluation %s/%s failed: %s", kwargs["namespace"], kwargs["name"], describe(error)
                )

        @kopf.on.event("", "v1", "configmaps", registry=registry)
        async def config_map_changed(**kwargs: Any) -> None:
            if kwargs["labels"].get(LABEL_MANAGED_BY) == MANAGED_BY:
                self.state.child_seen("ConfigMap", dict(kwargs["body"]), deleted=kwargs["type"] == "DELETED")
                return
            index: kopf.Index[tuple[str, str], str] = kwargs["prompt_refs"]
            referenced: list[str] = list(index.get((kwargs["namespace"], kwargs["name"]), []))
            if referenced or (kwargs["namespace"], kwargs["name"]) in self.state.prompts:
                self.state.prompt_seen(dict(kwargs["body"]), deleted=kwargs["type"] == "DELETED")
            for agent in referenced:
                await self._safely(kwargs["namespace"], agent)
