"""PagerDuty Events API v2: trigger on detection, resolve on resolution, one dedup key per incident.

The Secret holds the integration's routing key; events go to PAGERDUTY_EVENTS_URL (overridable
for tests and for EU accounts)."""

from __future__ import annotations

from typing import Any

from ...engine.decisions import Notice
from .http import post_json

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"


def payload(routing_key: str, notice: Notice, agent: str, namespace: str) -> dict[str, Any]:
    event: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": "resolve" if notice.resolved else "trigger",
        "dedup_key": f"agentops/{namespace}/{agent}/{notice.dedup_key}",
    }
    if not notice.resolved:
        event["payload"] = {
            "summary": f"{notice.incident} on {namespace}/{agent}: {notice.message}"[:1024],
            "source": f"{namespace}/{agent}",
            "severity": notice.severity,
            "component": agent,
            "class": notice.incident,
            "custom_details": {"revision": notice.revision, "namespace": namespace},
        }
    return event


class PagerDutyNotifier:
    def __init__(self, url: str = PAGERDUTY_EVENTS_URL) -> None:
        self.url = url

    async def send(self, secret: str, notice: Notice, agent: str, namespace: str) -> None:
        await post_json(self.url, payload(secret, notice, agent, namespace))
