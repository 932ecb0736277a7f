"""Unit: the PagerDuty Events v2 notifier: trigger with a payload, resolve under the same dedup key,
the routing key in the body (never in the URL), delivered to a real local receiver."""

from __future__ import annotations

from agentops_operator.adapters.notifiers.pagerduty import PagerDutyNotifier, payload
from tests.conftest import Receiver
from tests.unit.adapters.notices import OPENED, RESOLVED


def test_trigger_then_resolve_under_one_dedup_key() -> None:
    trigger, resolve = payload("key-1", OPENED, "support", "prod"), payload("key-1", RESOLVED, "support", "prod")
    assert (trigger["event_action"], resolve["event_action"]) == ("trigger", "resolve")
    assert trigger["dedup_key"] == resolve["dedup_key"] == "agentops/prod/support/CostSpike/abc123"
    assert trigger["payload"]["severity"] == "error" and "payload" not in resolve


async def test_events_go_to_the_events_url_with_the_key_in_the_body(receiver: str) -> None:
    await PagerDutyNotifier(f"{receiver}/v2/enqueue").send("key-1", OPENED, "support", "prod")
    ((path, body),) = Receiver.received
    assert path == "/v2/enqueue" and body["routing_key"] == "key-1"
