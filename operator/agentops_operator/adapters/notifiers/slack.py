"""Slack incoming webhook: a message with blocks (header, details, context)."""

from __future__ import annotations

from typing import Any

from ...api.vocabulary import NoticeKind
from ...engine.decisions import Notice
from .http import post_json

ICONS = {
    "critical": ":rotating_light:",
    "error": ":red_circle:",
    "warning": ":warning:",
    "info": ":information_source:",
}


def payload(notice: Notice, agent: str, namespace: str) -> dict[str, Any]:
    state = "resolved" if notice.resolved else notice.severity
    icon = ":white_check_mark:" if notice.resolved else ICONS.get(notice.severity, "")
    if notice.kind == NoticeKind.ROLLOUTS:
        icon = ":rocket:" if notice.severity == "info" else ICONS.get(notice.severity, "")
        title = f"{icon} rollout {notice.incident} on {namespace}/{agent}"
    else:
        title = f"{icon} {notice.incident} {'resolved' if notice.resolved else 'detected'} on {namespace}/{agent}"
    return {
        "text": f"{title}: {notice.message}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": notice.message[:2900]}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"revision `{notice.revision}` · {state} · agentops-operator"}],
            },
        ],
    }


class SlackNotifier:
    async def send(self, secret: str, notice: Notice, agent: str, namespace: str) -> None:
        await post_json(secret, payload(notice, agent, namespace))
