"""The example agent runs as a process with the operator's environment and bundle, answers /chat,
exports the contract's metrics, and obeys the live controls (shadow mode runs tickets dry)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from agentops_sandbox.testing.processes import free_port
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]


def test_example_agent_serves_and_exports(tmp_path: Path) -> None:
    bundle = {
        "model": {"provider": "openai", "name": "gpt-4o-mini"},
        "prompt": {"system": "Be helpful."},
        "tools": [{"name": "search_kb", "sideEffects": "None"}, {"name": "create_ticket", "sideEffects": "External"}],
        "guardrails": [{"name": "pii-redaction", "stage": "Output", "action": "Redact"}],
    }
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "bundle.json").write_text(json.dumps(bundle))
    (tmp_path / "controls").mkdir()
    port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "AGENT_NAME": "support",
        "AGENT_NAMESPACE": "prod",
        "AGENT_REVISION": "abc",
        "AGENTOPS_BUNDLE_PATH": str(tmp_path / "bundle"),
        "AGENTOPS_METRICS_PORT": str(metrics_port),
        "AGENTOPS_CONTROLS_PATH": str(tmp_path / "controls"),
        "PORT": str(port),
        "AGENT_FAILURE_RATE": "0",
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "agent" / "agent.py")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        eventually(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200, timeout=15)
        answer = httpx.post(f"http://127.0.0.1:{port}/chat", json={"message": "refund?", "user_id": "u1"}).json()
        assert answer["ticket"].startswith("T-")
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
        assert (
            'agent_sessions_total{agent="support",agent_namespace="prod",outcome="success",revision="abc"} 1.0'
            in metrics
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
