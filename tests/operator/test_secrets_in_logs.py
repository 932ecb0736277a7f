"""No receiver secret reaches a log line at any level, a status or an Event — in any spelling: as
written, as httpx rewrites it (host lowercased, path percent-encoded), percent-encoded, lowercased,
or base64 as in the Secret's data. Every logger runs at DEBUG (httpx's and httpcore's request logs
included, as `--verbose` gives), receivers carry distinctive tokens in the path, the query, the
user-info and the host's spelling, and some are broken (an invalid port, nobody listening, not a
URL): they fail alone, each failure in `status.receivers` and the delivery metrics."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from prometheus_client import REGISTRY

from agentops_operator.adapters.metrics.static import StaticMetrics
from agentops_sandbox.testing.operator_thread import RunningOperator
from agentops_sandbox.testing.processes import free_port
from tests.conftest import Kubectl, Receiver, secret
from tests.operator.agents import controls, status, two_revisions
from tests.operator.conftest import HEALTHY
from tests.waiting import eventually

# receiver name -> (type, Secret value built from the local receiver's URL, the distinctive token in it)
TOKENS = {
    "slack-path": "tok-path-8f3a9c2e71",
    "hook-query": "tok-query-5b7d1e9a04",
    "hook-space": "tok space é-6c2f8a",
    "hook-userinfo": "tok-pass-3e9b7c5d12",
    "pager": "tok-routing-9a1c4e7b3f",
    "bad-port": "tok-port-2d8f6b0a95",
    "down": "tok-down-7e4a2c9f18",
    "not-a-url": "tok-nourl-1f6d3b8e27",
    "hook-host": "tok-host-4c8e1a7b",
}
DELIVERED = {"slack-path", "hook-query", "hook-space", "hook-userinfo", "pager"}  # the rest fail


def _secrets(receiver: str) -> dict[str, tuple[str, str]]:
    port = receiver.rsplit(":", 1)[1]
    t = TOKENS
    return {
        "slack-path": ("Slack", f"{receiver}/slack/{t['slack-path']}"),
        "hook-query": ("Webhook", f"http://LOCALHOST:{port}/hook?token={t['hook-query']}&x=1"),
        "hook-space": ("Webhook", f"HTTP://127.0.0.1:{port}/hook/{t['hook-space']}"),
        "hook-userinfo": ("Webhook", f"http://agentops:{t['hook-userinfo']}@127.0.0.1:{port}/hook/userinfo"),
        "pager": ("PagerDuty", t["pager"]),
        "bad-port": ("Webhook", f"http://127.0.0.1:99999/{t['bad-port']}"),
        "down": ("Webhook", f"http://127.0.0.1:{free_port()}/{t['down']}"),
        "not-a-url": ("Webhook", f"{t['not-a-url']} is no URL"),
        # a token in the host name (some webhook services give each hook its own); whether it resolves
        # here or not, the connection attempt is logged by httpcore with the host
        "hook-host": ("Webhook", f"http://{t['hook-host'].upper()}.invalid:{port}/hook"),
    }


def _spellings(value: str, token: str) -> set[str]:
    """Every way a log line could carry the secret or its distinctive token."""
    forms = {value, token, base64.b64encode(value.encode()).decode()}
    for form in list(forms):
        forms |= {form.lower(), quote(form), quote(form, safe=""), quote(form).lower()}
    with contextlib.suppress(httpx.InvalidURL):
        forms.add(str(httpx.URL(value)))
    return {f for f in forms if len(f) >= 8}


@pytest.fixture
def every_logger_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    names = ["", "httpx", "httpcore", "kopf", "kopf.objects", "agentops_operator", "asyncio"]
    before = {name: logging.getLogger(name).level for name in names}
    caplog.set_level(logging.DEBUG)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield caplog
    finally:
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)


def test_no_secret_in_any_log_status_or_event(
    kubectl: Kubectl,
    kubeconfig: Path,
    api: httpx.Client,
    receiver: str,
    every_logger_at_debug: pytest.LogCaptureFixture,
) -> None:
    metrics = StaticMetrics()
    for signal, value in HEALTHY.items():
        metrics.set_value(signal, "*", value)
    metrics.set_sessions("*", 100)
    secrets = _secrets(receiver)
    for name, (_, value) in secrets.items():
        secret(api, name, value)
    notifications = [
        {"name": name, "type": kind, "secretRef": {"name": name, "key": "value"}, "minSeverity": "info"}
        for name, (kind, _) in secrets.items()
    ]
    for receiver_ in notifications:
        if receiver_["type"] == "PagerDuty":
            receiver_["minSeverity"] = "error"
    operator = RunningOperator(kubeconfig, metrics=metrics, pagerduty_url=f"{receiver}/pagerduty").start()
    try:
        _, v2 = two_revisions(kubectl, api, notifications=notifications)
        metrics.set_value("cost-per-session", v2, 0.5)
        eventually(lambda: controls(api).get(v2, {}).get("sessionsPerMinute") == 10, message="no throttle")
        states = eventually(
            lambda: (r := status(api).get("receivers", {})).keys() == secrets.keys() and r,
            message=f"not every receiver recorded: {status(api).get('receivers')}",
        )
    finally:
        operator.stop()
    delivered = {name for name, state in states.items() if state.get("lastDelivered") and not state.get("lastError")}
    assert delivered == DELIVERED, states
    for name in secrets.keys() - DELIVERED:
        assert states[name]["lastError"], states[name]
        failed = REGISTRY.get_sample_value("agentops_notifications_total", {"receiver": name, "result": "failed"})
        assert failed and failed >= 1, name
    heard = {path.split("/")[1].split("?")[0] for path, _ in Receiver.received}
    assert heard >= {"slack", "hook", "pagerduty"}, heard

    texts = {
        "status": json.dumps(
            api.get("/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments/support-agent").json()
        ),
        "events": json.dumps(api.get("/api/v1/namespaces/default/events").json()),
        "logs": "\n".join(every_logger_at_debug.handler.format(record) for record in every_logger_at_debug.records),
    }
    assert len(every_logger_at_debug.records) > 100  # the DEBUG lines really were captured
    leaks = sorted(
        (where, name, form)
        for name, (_, value) in secrets.items()
        for form in _spellings(value, TOKENS[name])
        for where, text in texts.items()
        if form.lower() in text.lower()
    )
    assert leaks == [], leaks
