"""Sends incident notices to an agent's receivers, off the reconcile path.

Runs as a background task after the cluster and status are updated, so a slow or failing
receiver never delays a mitigation. Secrets are read per delivery and their values never reach
logs (each is handed to runtime/redaction.py as it is read), Events or status; each receiver's
last attempt, delivery and error are returned for the reconciler to write to `status.receivers`
(it is the one status writer), and counted in the operator's metrics.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any

from prometheus_client import Counter

from ..api.resource import AgentDeployment
from ..engine.decisions import Notice
from ..ports.children import ChildObjects, Forbidden
from ..ports.notify import Notifier, NotifyError
from . import redaction

log = logging.getLogger(__name__)
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2, "critical": 3}
DELIVERIES = Counter(
    "agentops_notifications_total", "Incident notifications by receiver and result.", ["receiver", "result"]
)


async def deliver(
    children: ChildObjects,
    notifiers: dict[str, Notifier],
    agent: AgentDeployment,
    notices: list[Notice],
    now: Callable[[], str],
) -> dict[str, Any]:
    """Receiver name -> its state after this delivery (receivers that wanted none of it are left out)."""
    receivers: dict[str, Any] = {}
    for receiver in agent.spec.notifications:
        wanted = [
            n
            for n in notices
            if n.kind in receiver.on and SEVERITY_RANK.get(n.severity, 0) >= SEVERITY_RANK[receiver.min_severity]
        ]
        if not wanted:
            continue
        state: dict[str, Any] = {"lastAttempt": now()}
        try:
            secret = await _secret(children, agent.namespace, receiver.secret_ref.name, receiver.secret_ref.key)
            notifier = notifiers[receiver.type]
            for notice in wanted:
                await notifier.send(secret, notice, agent.name, agent.namespace)
            state.update(lastDelivered=now(), lastError=None)
            DELIVERIES.labels(receiver.name, "delivered").inc(len(wanted))
        except Exception as error:  # one receiver's failure, whatever it is, never keeps the next from its notice
            # A NotifyError's text is written to be shown; any other may carry the secret URL: its type only.
            state["lastError"] = str(error) if isinstance(error, NotifyError) else f"failed: {type(error).__name__}"
            DELIVERIES.labels(receiver.name, "failed").inc(len(wanted))
            log.warning(
                "notification receiver %s of %s/%s failed: %s",
                receiver.name,
                agent.namespace,
                agent.name,
                state["lastError"],
            )
        receivers[receiver.name] = state
    return receivers


async def _secret(children: ChildObjects, namespace: str, name: str, key: str) -> str:
    try:
        secret = await children.get_secret(namespace, name)
    except Forbidden as error:
        raise NotifyError(
            f"{error}: grant it get on Secrets in {namespace} (the Helm chart binds its "
            "notification-secrets ClusterRole per namespace: notifications.readSecrets, or "
            "notifications.secretNamespaces with clusterWide)"
        ) from None
    if secret is None:
        raise NotifyError(f'Secret "{name}" not found in namespace "{namespace}"; create it with key "{key}"')
    data = secret.get("data") or {}
    if key not in data:
        raise NotifyError(f'Secret "{name}" has no key "{key}"; add it or fix secretRef.key')
    try:
        value = base64.b64decode(data[key]).decode().strip()
    except ValueError:
        raise NotifyError(f'Secret "{name}" key "{key}" is not valid base64 text') from None
    redaction.remember(value)  # before anything can log it
    return value
