"""Unit: the Slack notifier's messages (incident opened, resolved, rollout), and delivery to a real
local HTTP receiver."""

from __future__ import annotations

import pytest

from agentops_operator.adapters.notifiers.slack import SlackNotifier, payload
from agentops_operator.engine.decisions import Notice
from tests.conftest import Receiver
from tests.unit.adapters.notices import OPENED, PROMOTED, RESOLVED


@pytest.mark.parametrize(
    ("notice", "title"),
    [
        pytest.param(OPENED, ":red_circle: CostSpike detected on prod/support", id="opened"),
        pytest.param(RESOLVED, ":white_check_mark: CostSpike resolved on prod/support", id="resolved"),
        pytest.param(PROMOTED, ":rocket: rollout Promoted on prod/support", id="rollout"),
    ],
)
def test_message_says_what_happened_where(notice: Notice, title: str) -> None:
    message = payload(notice, "support", "prod")
    assert message["text"] == f"{title}: {notice.message}"
    assert message["blocks"][0]["text"]["text"] == title
    assert "`abc123`" in message["blocks"][2]["elements"][0]["text"]


async def test_delivered_to_the_webhook_url(receiver: str) -> None:
    await SlackNotifier().send(f"{receiver}/hooks/T1", OPENED, "support", "prod")
    ((path, body),) = Receiver.received
    assert path == "/hooks/T1" and body == payload(OPENED, "support", "prod")
