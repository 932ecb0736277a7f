"""One reconcile of one agent: parse → observe → decide → execute (cluster first, then status, then
the handled manual-action annotations off).

Reconciles of the same agent are serialised by a per-agent lock (a Deployment event and the
agent's own event may arrive together); at most `concurrency` agents reconcile at once; an
error in one agent's reconcile is that agent's alone.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import json_merge_patch  # type: ignore[import-untyped]

from ..api.resource import AgentDeployment, InvalidSpec
from ..api.status import AgentDeploymentStatus
from ..api.vocabulary import EventType, Reason, resolved
from ..engine.clock import format_time
from ..engine.decide import decide, invalid
from ..engine.decisions import (
    Action,
    Apply,
    Decision,
    Delete,
    Event,
    RecordIncident,
    RemoveAnnotations,
    Scale,
    SetTraffic,
)
from ..engine.measurements import plan_measurements
from ..ports.agents import Agents
from ..ports.children import ChildObjects, ChildRejected
from ..ports.metrics import NopSignalProvider, SignalProvider
from ..ports.notify import Notifier
from ..ports.traffic import RoutingError, TrafficRouter
from . import metrics
from .measuring import Measurer
from .notify import deliver
from .observe import observe
from .routes import RouteMemo

JsonDict = dict[str, Any]
log = logging.getLogger(__name__)
RETRY_FIRST_SECONDS = 0.5  # a failed reconcile is retried after this, doubling per failure...
RETRY_MAX_SECONDS = 30.0  # ...up to this (the default resync period)


def retry_delay(failures: int, retry_after: float | None, jitter: float) -> float:
    """Seconds before retrying after `failures` failed reconciles in a row: doubling from
    RETRY_FIRST_SECONDS up to RETRY_MAX_SECONDS, times `jitter` (so agents that failed together do
    not retry together), and never sooner than the server's Retry-After."""
    delay = min(RETRY_FIRST_SECONDS * 2.0 ** (failures - 1), RETRY_MAX_SECONDS) * jitter
    return max(delay, retry_after) if retry_after is not None else delay


def describe(error: BaseException) -> str:
    """An error for a log line: its type always, its text when it has one."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def rfc3339_now() -> str:
    return format_time(datetime.now(UTC))


class Reconciler:
    def __init__(
        self,
        agents: Agents,
        children: ChildObjects,
        now: Callable[[], str] = rfc3339_now,
        concurrency: int = 16,
        metrics: SignalProvider | None = None,
        metrics_deadline: float = 15.0,
        routers: dict[str, TrafficRouter] | None = None,
        notifiers: dict[str, Notifier] | None = None,
        may_act: Callable[[], bool] = lambda: True,
    ) -> None:
        self.agents = agents
        self.children = children
        self.may_act = may_act  # False on a replica that is not the elected leader
        self.now = now
        self.metrics: SignalProvider = metrics or NopSignalProvider()
        self.measurer = Measurer(self.metrics, lambda key: self._requeue(*key, 0.0), deadline=metrics_deadline)
        self.routers = routers or {}
        self.routes = RouteMemo()  # each route's traffic as last set: a steady agent does not read it again
        self.notifiers = notifiers or {}
        self._timers: dict[tuple[str, str], tuple[float, asyncio.TimerHandle]] = {}
        self._pending: set[asyncio.Task[None]] = set()
        self._monitored: dict[tuple[str, str], str] = {}  # when each agent's runbooks last ran
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._waiting: set[tuple[str, str]] = set()  # agents with a reconcile waiting for their lock
        self._failures: dict[tuple[str, str], int] = {}  # consecutive failed reconciles, for the backoff
        # Bounds reconciles in flight: kopf starts one worker per object, and a thousand agents
        # at once would queue a thousand requests in the HTTP pool (slow, and unkind to the API).
        self._slots = asyncio.Semaphore(concurrency)

    async def close(self) -> None:
        """Stop what runs on its own: timers, notifications under way, measurements."""
        for _, timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        pending = list(self._pending)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self.measurer.close()

    async def resync(self, namespaces: list[str], concurrency: int = 8) -> None:
        """Reconcile every agent once (the periodic safety net that also retries failures)."""
        agents: list[JsonDict] = []
        for namespace in namespaces or [None]:  # type: ignore[list-item]
            try:
                agents += await self.agents.list_agents(namespace)
            except Exception as error:  # the other namespaces' agents are still resynced
                log.warning("listing agents in %s failed: %s", namespace or "all namespaces", describe(error))
        limit = asyncio.Semaphore(concurrency)

        async def one(body: JsonDict) -> None:
            async with limit:
                try:
                    await self.reconcile(body)
                except Exception as error:
                    meta = body["metadata"]
                    log.warning("resync of %s/%s failed: %s", meta.get("namespace"), meta.get("name"), describe(error))

        await asyncio.gather(*(one(body) for body in agents))

    async def reconcile_named(self, namespace: str, name: str) -> None:
        body = await self.agents.get_agent(namespace, name)
        if body is not None:
            await self.reconcile(body)

    async def reconcile(self, body: JsonDict) -> None:
        meta = body["metadata"]
        if meta.get("deletionTimestamp") or not self.may_act():
            return  # children go with it through their ownerReferences
        key = (meta["namespace"], meta["name"])
        if key in self._waiting:
            return  # a reconcile of this agent waits already: it reads the state after this change too
        self._waiting.add(key)
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            await lock.acquire()
        finally:
            self._waiting.discard(key)
        try:
            async with self._slots:
                await self._reconcile_latest(key)
        finally:
            lock.release()

    async def _reconcile_latest(self, key: tuple[str, str]) -> None:
        """Reconcile the agent as the cache has it now (it may have changed while this waited)."""
        fresh = await self.agents.get_agent(*key)
        if fresh is None:
            self._locks.pop(key, None)
            self.measurer.forget(key)
            return
        started = time.perf_counter()
        try:
            await self._reconcile(fresh)
            metrics.RECONCILES.labels(result="success").inc()
            self._failures.pop(key, None)
        except Exception as error:
            metrics.RECONCILES.labels(result="error").inc()
            self._retry_later(key, error)
            raise
        finally:
            metrics.RECONCILE_SECONDS.observe(time.perf_counter() - started)

    def _retry_later(self, key: tuple[str, str], error: Exception) -> None:
        """A failed reconcile is retried on its own, with exponential backoff and jitter, and no
        sooner than a server's Retry-After (a 429 says when it can take us again). Not kopf's
        handler retries: reconciles start from `on.event` handlers (no finalizer, no progress
        annotations), which kopf does not retry, and from this module's own timers."""
        failures = self._failures[key] = self._failures.get(key, 0) + 1
        server_asked = getattr(error, "retry_after", None)  # KubeApiError's, without importing the adapter
        asked = float(server_asked) if isinstance(server_asked, int | float) else None
        self._requeue(*key, retry_delay(failures, asked, random.uniform(0.75, 1.25)))

    async def _reconcile(self, body: JsonDict) -> None:
        meta = body["metadata"]
        try:
            agent = AgentDeployment.parse(body)
        except InvalidSpec as error:
            old = _status_of(body)
            decision = invalid(
                old, int(meta.get("generation", 1)), error.field, error.message, Reason.INVALID_SPEC, self.now()
            )
            await self._finish(body, old, decision)
            return
        now = self.now()
        key = (agent.namespace, agent.name)
        plan = plan_measurements(
            agent.spec,
            agent.status,
            now,
            namespace=agent.namespace,
            agent=agent.name,
            last_monitored=self._monitored.get(key),
            default_backend=self.metrics.default_url,
        )
        analysis = self.measurer.result(key, plan.analysis, analysis=True) if plan.analysis else None
        signals = self.measurer.result(key, plan.monitoring, analysis=False) if plan.monitoring else None
        self.measurer.keep_only(key, {q for q in (plan.analysis, plan.monitoring) if q})
        observation = await observe(self.children, agent, plan, analysis=analysis, signals=signals)
        if observation.signals is not None:
            self._monitored[key] = now
        decision = decide(agent.spec, agent.status, observation, now)
        removal = next((a for a in decision.actions if isinstance(a, RemoveAnnotations)), None)
        try:
            for action in decision.actions:
                if action is not removal:
                    await self._execute(agent, action)
        except (RoutingError, ChildRejected) as error:
            await self._finish(body, agent.status, refused(agent, error, self.now()))
            raise  # retried with backoff; the status and its Event are written once
        await self._finish(body, agent.status, decision)
        metrics.record(agent.namespace, agent.name, agent.status, decision)
        if decision.notices and agent.spec.notifications:
            task = asyncio.get_running_loop().create_task(self._notify(agent, decision))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        if decision.requeue_after is not None:
            # An analysis being measured is due now to the engine (it would look again in 50 ms); the
            # readings' arrival wakes the agent instead, and no step can end without them meanwhile.
            measuring = plan.analysis is not None and analysis is None
            waiting = self.measurer.deadline if measuring else 0.0
            self._requeue(agent.namespace, agent.name, max(decision.requeue_after, waiting))
        if removal is not None:
            await self._take_off(agent, removal)

    async def _take_off(self, agent: AgentDeployment, removal: RemoveAnnotations) -> None:
        """Manual actions are durable: their effect and a record of them are in status by now, so the
        annotations can go; one more pass, on the object the removal returned, then drops the records
        (see engine/annotations.py)."""
        patched = await self.agents.remove_annotations(agent.namespace, agent.name, removal.keys)
        if patched is not None:
            await self._reconcile(patched)

    async def _notify(self, agent: AgentDeployment, decision: Decision) -> None:
        """Tell the receivers, then record how each answered in `status.receivers`."""
        receivers = await deliver(self.children, self.notifiers, agent, list(decision.notices), self.now)
        if not receivers:
            return
        try:
            await self.agents.write_status(agent.namespace, agent.name, {"receivers": receivers})
        except Exception as error:  # best effort: the next delivery records again
            log.warning("could not record receiver state for %s/%s: %s", agent.namespace, agent.name, describe(error))

    def _requeue(self, namespace: str, name: str, delay: float) -> None:
        """Look at this agent again in `delay` seconds (step timers, analysis intervals)."""
        loop = asyncio.get_running_loop()
        key, due = (namespace, name), loop.time() + delay
        current = self._timers.get(key)
        if current is not None and current[0] <= due and not current[1].cancelled():
            return
        if current is not None:
            current[1].cancel()

        def fire() -> None:
            self._timers.pop(key, None)
            task = loop.create_task(self._requeued(namespace, name))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

        self._timers[key] = (due, loop.call_later(delay, fire))

    async def _requeued(self, namespace: str, name: str) -> None:
        try:
            await self.reconcile_named(namespace, name)
        except Exception as error:  # retried with backoff (`_retry_later`)
            log.warning("scheduled reconcile of %s/%s failed: %s", namespace, name, describe(error))

    async def _post_event(self, regarding: JsonDict, event: Event) -> None:
        try:
            await self.agents.post_event(regarding, event)
        except Exception as error:  # an Event is a courtesy: never fail the reconcile for it
            log.warning("could not post event %s: %s", event.reason, describe(error))

    async def _execute(self, agent: AgentDeployment, action: Action) -> None:
        """Carry out one change to the cluster (annotations are `_take_off`'s, after status)."""
        if isinstance(action, SetTraffic):
            router = self.routers.get(action.router)
            if router is None:
                raise RoutingError(f"no {action.router} router is configured in this operator")
            if self.routes.already_set(agent.namespace, action):
                return
            self.routes.forget(agent.namespace, action)
            await router.set_traffic(agent.namespace, action)
            self.routes.was_set(agent.namespace, action)
        elif isinstance(action, Apply):
            log.info("applying %s %s/%s", action.kind, agent.namespace, action.name)
            await self.children.apply(action.manifest)
        elif isinstance(action, Scale):
            log.info("scaling Deployment %s/%s to %d", agent.namespace, action.name, action.replicas)
            await self.children.scale(agent.namespace, action.name, action.replicas)
        elif isinstance(action, RecordIncident):
            manifest = action.manifest
            log.info("recording AgentIncident %s/%s", agent.namespace, manifest["metadata"]["name"])
            await self.children.apply({k: v for k, v in manifest.items() if k != "status"})
            await self.children.apply_status(manifest)
            closed = any(c["type"] == "Resolved" and c["status"] == "True" for c in manifest["status"]["conditions"])
            kind = manifest["spec"]["type"]
            event = (
                Event(EventType.NORMAL, resolved(kind), "the signal stayed healthy")
                if closed
                else Event(EventType.WARNING, kind, manifest["status"]["message"])
            )
            await self._post_event(manifest, event)
        elif isinstance(action, Delete):
            log.info("deleting %s %s/%s (beyond revisionHistoryLimit)", action.kind, agent.namespace, action.name)
            await self.children.delete(action.kind, agent.namespace, action.name)

    async def _finish(self, body: JsonDict, old: AgentDeploymentStatus, decision: Decision) -> None:
        meta = body["metadata"]
        if decision.status != old:
            # A merge patch from the status as read to the one decided: keys that went away (a lifted
            # control, a cleared hold) are sent as null, at every depth, so nothing stale survives.
            patch = json_merge_patch.create_patch(body.get("status") or {}, decision.status.wire())
            await self.agents.write_status(meta["namespace"], meta["name"], patch)
        for event in decision.events:
            await self._post_event(body, event)


def refused(agent: AgentDeployment, error: RoutingError | ChildRejected, now: str) -> Decision:
    """Ready=False naming the field when the cluster will not do what the spec asks: a routing object
    that is missing or does not fit, or a child the API server refuses as invalid."""
    if isinstance(error, ChildRejected):
        field = "spec.runtime" if error.kind == "Deployment" else "spec"
        message = f"{error}; fix {field} and apply the manifest again"
        return invalid(agent.status, agent.generation, field, message, Reason.REJECTED_BY_API_SERVER, now)
    routing = agent.spec.rollout.traffic_routing if agent.spec.rollout else None
    field = "spec.rollout.trafficRouting"
    if routing is not None and routing.gateway_api is not None:
        field += ".gatewayAPI.httpRouteName"
    elif routing is not None and routing.istio is not None:
        field += ".istio.virtualServiceName"
    return invalid(agent.status, agent.generation, field, str(error), Reason.TRAFFIC_ROUTING_FAILED, now)


def _status_of(body: JsonDict) -> AgentDeploymentStatus:
    try:
        return AgentDeploymentStatus.model_validate(body.get("status") or {})
    except ValueError:
        return AgentDeploymentStatus()
