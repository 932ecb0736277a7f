"""Integration: incident notifications in the three formats, received by a local receiver on
127.0.0.1; a down receiver is recorded and delays nothing; no secret value leaks into status,
Events or logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from agentops_operator.adapters.metrics.static import StaticMetrics
from agentops_sandbox.testing.operator_thread import RunningOperator
from agentops_sandbox.testing.processes import free_port
from tests.conftest import Kubectl, Receiver, secret
from tests.operator.agents import controls, open_incidents, status, two_revisions
from tests.operator.conftest import HEALTHY
from tests.waiting import eventually

SECRET_MARK = "s3cr3t"


def test_notifications_in_three_formats_and_a_down_receiver(
    kubectl: Kubectl, kubeconfig: Path, api: httpx.Client, receiver: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    metrics = StaticMetrics()
    for signal, value in HEALTHY.items():
        metrics.set_value(signal, "*", value)
    metrics.set_sessions("*", 100)
    secret(api, "slack", f"{receiver}/slack/{SECRET_MARK}-slack")
    secret(api, "hook", f"{receiver}/hook/{SECRET_MARK}-hook")
    secret(api, "pagerduty", f"{SECRET_MARK}-routing-key")
    secret(api, "down", f"http://127.0.0.1:{free_port()}/{SECRET_MARK}-down")
    notifications = [
        {"name": "team-slack", "type": "Slack", "secretRef": {"name": "slack", "key": "value"}},
        {"name": "audit", "type": "Webhook", "secretRef": {"name": "hook", "key": "value"}, "minSeverity": "info"},
        {
            "name": "oncall",
            "type": "PagerDuty",
            "secretRef": {"name": "pagerduty", "key": "value"},
            "minSeverity": "error",
        },
        {"name": "broken", "type": "Webhook", "secretRef": {"name": "down", "key": "value"}},
    ]
    operator = RunningOperator(kubeconfig, metrics=metrics, pagerduty_url=f"{receiver}/pagerduty").start()
    try:
        _, v2 = two_revisions(kubectl, api, notifications=notifications)
        metrics.set_value("cost-per-session", v2, 0.5)
        eventually(lambda: controls(api).get(v2, {}).get("sessionsPerMinute") == 10, message="no throttle")
        eventually(
            lambda: {p.split("/")[1] for p, _ in Receiver.received} >= {"slack", "hook", "pagerduty"},
            message=f"not all receivers {Receiver.received} {status(api).get('receivers')}",
        )
        slack = next(b for p, b in Receiver.received if p.startswith("/slack"))
        assert slack["blocks"][0]["type"] == "header" and "CostSpike detected" in slack["blocks"][0]["text"]["text"]
        hook = next(b for p, b in Receiver.received if p.startswith("/hook"))
        assert hook["incident"] == "CostSpike" and hook["status"] == "firing" and hook["revision"] == v2
        trigger = next(b for p, b in Receiver.received if p == "/pagerduty")
        assert trigger["event_action"] == "trigger" and trigger["payload"]["severity"] == "error"
        broken = eventually(lambda: status(api).get("receivers", {}).get("broken", {}).get("lastError"))
        assert "delivery failed" in broken
        assert status(api)["receivers"]["team-slack"]["lastDelivered"]
        metrics.set_value("cost-per-session", v2, 0.02)
        eventually(lambda: "CostSpike" not in open_incidents(api), message="did not resolve")
        resolve = eventually(
            lambda: next(
                (b for p, b in Receiver.received if p == "/pagerduty" and b["event_action"] == "resolve"), None
            )
        )
        assert resolve["dedup_key"] == trigger["dedup_key"]
    finally:
        operator.stop()
    leaked = [
        where
        for where, text in (
            (
                "status",
                json.dumps(
                    api.get("/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments/support-agent")
                    .json()
                    .get("status")
                ),
            ),
            ("events", json.dumps(api.get("/api/v1/namespaces/default/events").json())),
            ("logs", caplog.text),
        )
        if SECRET_MARK in text
    ]
    assert leaked == []


def test_rollout_events_reach_receivers_that_ask_for_them(
    running: RunningOperator, kubectl: Kubectl, api: httpx.Client, receiver: str
) -> None:
    secret(api, "slack", f"{receiver}/slack")
    secret(api, "hook", f"{receiver}/hook")
    secret(api, "incidents-only", f"{receiver}/incidents-only")
    notifications = [
        {
            "name": "team-slack",
            "type": "Slack",
            "secretRef": {"name": "slack", "key": "value"},
            "on": ["Rollouts"],
            "minSeverity": "info",
        },
        {
            "name": "audit",
            "type": "Webhook",
            "secretRef": {"name": "hook", "key": "value"},
            "on": ["Incidents", "Rollouts"],
            "minSeverity": "info",
        },
        {
            "name": "oncall-hook",
            "type": "Webhook",
            "secretRef": {"name": "incidents-only", "key": "value"},
            "minSeverity": "info",
        },
    ]
    rollout = {"steps": [{"canary": {"weight": 50, "durationSeconds": 1}}]}
    two_revisions(kubectl, api, notifications=notifications, rollout=rollout)  # v2 walks its one step, promoted
    promoted = eventually(
        lambda: next((b for p, b in Receiver.received if p == "/hook" and b.get("event") == "Promoted"), None)
    )
    assert promoted["kind"] == "rollout" and promoted["severity"] == "info"
    slack = eventually(lambda: next((b for p, b in Receiver.received if p == "/slack"), None))
    assert "rollout Promoted on default/support-agent" in slack["blocks"][0]["text"]["text"]

    agent = json.loads(kubectl("get", "agd", "support-agent", "-o", "json").stdout)
    agent["spec"]["rollout"]["steps"] = [{"pause": {}}]
    agent["spec"]["prompt"]["system"] += " Be kind."
    # Only what the user owns: re-sending metadata (its resourceVersion) would race the operator's status writes.
    mine = {
        "apiVersion": agent["apiVersion"],
        "kind": agent["kind"],
        "metadata": {"name": "support-agent"},
        "spec": agent["spec"],
    }
    kubectl("apply", "-f", "-", input=json.dumps(mine))
    eventually(lambda: (status(api).get("rollout") or {}).get("paused"), message="no pause step")
    kubectl("annotate", "agd", "support-agent", "agentops.dev/abort=true")
    aborted = eventually(
        lambda: next((b for p, b in Receiver.received if p == "/hook" and b.get("event") == "ManualAbort"), None)
    )
    assert aborted["severity"] == "error"
    assert [p for p, _ in Receiver.received if p == "/incidents-only"] == []  # rollouts only where asked for

    rejected = kubectl(
        "apply",
        "-f",
        "-",
        check=False,
        input=json.dumps(
            {
                **{k: agent[k] for k in ("apiVersion", "kind")},
                "metadata": {"name": "paging-agent"},
                "spec": {
                    **agent["spec"],
                    "notifications": [
                        {"name": "pd", "type": "PagerDuty", "secretRef": {"name": "x", "key": "y"}, "on": ["Rollouts"]}
                    ],
                },
            }
        ),
    )
    assert rejected.returncode != 0 and "PagerDuty receivers take Incidents only" in rejected.stderr
