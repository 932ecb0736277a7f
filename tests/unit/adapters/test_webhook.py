"""Unit: the generic JSON webhook's bodies (incident firing and resolved with one dedup key, rollout
events), delivery to a real local receiver, and a failing receiver named without its secret URL."""

from __future__ import annotations

import pytest

from agentops_operator.adapters.notifiers.webhook import WebhookNotifier, payload
from agentops_operator.ports.notify import NotifyError
from agentops_sandbox.testing.processes import free_port
from tests.conftest import Receiver
from tests.unit.adapters.notices import OPENED, PROMOTED, RESOLVED


def test_incident_bodies_fire_then_resolve_under_one_dedup_key() -> None:
    firing, resolved = payload(OPENED, "support", "prod"), payload(RESOLVED, "support", "prod")
    assert (firing["kind"], firing["status"], resolved["status"]) == ("incident", "firing", "resolved")
    assert firing["dedupKey"] == resolved["dedupKey"] == "prod/support/CostSpike/abc123"


def test_rollout_body_names_the_event() -> None:
    body = payload(PROMOTED, "support", "prod")
    assert (body["kind"], body["event"], body["severity"]) == ("rollout", "Promoted", "info")


async def test_delivered_and_a_dead_receiver_reported_without_its_url(receiver: str) -> None:
    await WebhookNotifier().send(f"{receiver}/in", OPENED, "support", "prod")
    assert Receiver.received == [("/in", payload(OPENED, "support", "prod"))]
    secret_url = f"http://127.0.0.1:{free_port()}/secret-token-xyz"
    with pytest.raises(NotifyError) as failed:
        await WebhookNotifier().send(secret_url, OPENED, "support", "prod")
    assert "secret-token-xyz" not in str(failed.value) and "attempt" in str(failed.value)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://127.0.0.1:notaport/token-abc", id="invalid-port"),
        pytest.param("ftp://example.com/token-abc", id="not-http"),
        pytest.param("token-abc", id="no-scheme"),
        pytest.param("http://[::1/token-abc", id="broken-host"),
    ],
)
async def test_a_receiver_url_that_is_none_is_that_receivers_error_without_the_url(url: str) -> None:
    """An invalid port raised an uncaught ExceptionGroup before: later receivers were never tried."""
    with pytest.raises(NotifyError) as failed:
        await WebhookNotifier().send(url, OPENED, "support", "prod")
    assert "token-abc" not in str(failed.value) and "fix the Secret" in str(failed.value)
