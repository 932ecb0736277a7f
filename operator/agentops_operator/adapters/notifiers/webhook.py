"""Generic JSON webhook: the notice as a flat JSON object."""

from __future__ import annotations

from typing import Any

from ...api.vocabulary import NoticeKind
from ...engine.decisions import Notice
from .http import post_json


def payload(notice: Notice, agent: str, namespace: str) -> dict[str, Any]:
    if notice.kind == NoticeKind.ROLLOUTS:
        return {
            "source": "agentops-operator",
            "kind": "rollout",
            "agent": agent,
            "namespace": namespace,
            "event": notice.incident,
            "revision": notice.revision,
            "severity": notice.severity,
            "message": notice.message,
        }
    return {
        "kind": "incident",
        "source": "agentops-operator",
        "agent": agent,
        "namespace": namespace,
        "incident": notice.incident,
        "revision": notice.revision,
        "severity": notice.severity,
        "status": "resolved" if notice.resolved else "firing",
        "message": notice.message,
        "dedupKey": f"{namespace}/{agent}/{notice.dedup_key}",
    }


class WebhookNotifier:
    async def send(self, secret: str, notice: Notice, agent: str, namespace: str) -> None:
        await post_json(secret, payload(notice, agent, namespace))
