"""Unit: the SDK fails safe. A controls file it cannot read or check never reads as "serve
everything" (it keeps the last good controls, or blocks when there never were any), a missing or
damaged bundle stops the agent at start-up instead of switching its checks off, and prompts too
short for the 8-word window are still checked for leaks."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

import agentops_sdk
from agentops_sdk import AgentBlocked, BundleError, DryRun, ToolBlocked
from agentops_sdk.leaks import LeakDetector

BUNDLE: dict[str, Any] = {
    "model": {"provider": "openai", "name": "gpt-4o-mini"},
    "prompt": {"system": "You are the support assistant of Acme; never promise refunds to anyone at all."},
    "tools": [{"name": "search_kb", "sideEffects": "None"}, {"name": "create_ticket", "sideEffects": "External"}],
    "guardrails": [],
}
REVISION = "abc123"
GOOD = {"mode": "shadow", "blockedTools": ["search_kb"]}

DAMAGED = [
    pytest.param(b'{"mode": "blo', "not valid JSON", id="truncated"),
    pytest.param(b"", "not valid JSON", id="empty"),
    pytest.param(b'{"mode": "\xff\xfe"}', "utf-8", id="not-utf-8"),
    pytest.param(b"null", "expected an object", id="null-document"),
    pytest.param(b"[]", "expected an object", id="array-document"),
    pytest.param(b'"blocked"', "expected an object", id="string-document"),
    pytest.param(b'{"mode": "Blocked"}', "mode: 'Blocked' is not one of", id="mode-capitalised"),
    pytest.param(b'{"mode": "off"}', "mode: 'off' is not one of", id="mode-unknown"),
    pytest.param(b'{"mode": 1}', "mode: 1 is not one of", id="mode-number"),
    pytest.param(b'{"blockedTools": "create_ticket"}', "blockedTools: expected a list", id="blocked-tools-string"),
    pytest.param(b'{"blockedTools": [1]}', "blockedTools: expected a list", id="blocked-tools-numbers"),
    pytest.param(b'{"dryRunTools": {"create_ticket": true}}', "dryRunTools: expected a list", id="dry-run-object"),
    pytest.param(b'{"toolRateLimits": {"search_kb": "fast"}}', "toolRateLimits.search_kb", id="rate-string"),
    pytest.param(b'{"toolRateLimits": {"search_kb": -1}}', "toolRateLimits.search_kb", id="rate-negative"),
    pytest.param(b'{"toolRateLimits": {"search_kb": Infinity}}', "toolRateLimits.search_kb", id="rate-infinite"),
    pytest.param(b'{"toolRateLimits": [5]}', "toolRateLimits: expected an object", id="rates-list"),
    pytest.param(b'{"sessionsPerMinute": "10"}', "sessionsPerMinute: expected a number", id="sessions-string"),
    pytest.param(b'{"sessionsPerMinute": true}', "sessionsPerMinute: expected a number", id="sessions-bool"),
    pytest.param(b'{"sessionsPerMinute": NaN}', "sessionsPerMinute: expected a number", id="sessions-nan"),
    pytest.param(b'{"sessionsPerMinute": -5}', "sessionsPerMinute: expected a number", id="sessions-negative"),
    pytest.param(b'{"revisions": []}', "revisions: expected an object", id="revisions-list"),
    pytest.param(b'{"toolRateLimits": []}', "toolRateLimits: expected an object", id="rates-empty-list"),
    pytest.param(b'{"revisions": {"abc123": "blocked"}}', "revisions.abc123: expected an object", id="revision-str"),
    pytest.param(b'{"revisions": {"abc123": {"mode": "Shadow"}}}', "revisions.abc123.mode", id="revision-mode"),
    pytest.param(b'{"revisions": {"other": {"mode": "nope"}}}', "revisions.other.mode", id="other-revision-mode"),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "bundle.json").write_text(json.dumps(BUNDLE))
    return tmp_path


def make(folder: Path, **options: Any) -> tuple[agentops_sdk.Agent, io.StringIO]:
    logs = io.StringIO()
    agent = agentops_sdk.init(
        name="support",
        namespace="prod",
        revision=REVISION,
        bundle_path=folder,
        controls_path=folder,
        registry=CollectorRegistry(),
        log_stream=logs,
        start_exporter=False,
        **options,
    )
    agent.controls._check_every = 0.0  # every admission looks at the file, as a second passing would
    return agent, logs


def write(folder: Path, content: bytes) -> None:
    """Replace controls.json with a fresh modification time, as each ConfigMap update gives."""
    path = folder / "controls.json"
    path.write_bytes(content)
    stamp = time.time() + len(list(folder.iterdir())) + time.monotonic() % 1000
    os.utime(path, (stamp, stamp))


def errors(logs: io.StringIO) -> list[str]:
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    return [line["message"] for line in lines if line["level"] == "error"]


def enforced(agent: agentops_sdk.Agent) -> tuple[str, bool]:
    """(mode, whether search_kb is blocked), as a session sees them."""
    try:
        with agent.session() as session:
            session.call_tool("search_kb", lambda: "hits")
            ticket = session.call_tool("create_ticket", lambda: "T-1")
    except AgentBlocked:
        return "blocked", True
    except ToolBlocked:
        return "shadow" if agent.controls.state.mode == "shadow" else "normal", True
    return ("shadow" if isinstance(ticket, DryRun) else "normal"), False


@pytest.mark.parametrize(("content", "named"), DAMAGED)
def test_a_damaged_controls_file_keeps_the_last_good_controls(folder: Path, content: bytes, named: str) -> None:
    agent, logs = make(folder)
    write(folder, json.dumps(GOOD).encode())
    assert enforced(agent) == ("shadow", True)
    write(folder, content)
    for _ in range(3):
        assert enforced(agent) == ("shadow", True)
    [error] = errors(logs)  # once per version of the file, not once per session
    assert named in error and "keeping the last good controls" in error


@pytest.mark.parametrize(("content", "named"), DAMAGED)
def test_a_damaged_controls_file_with_nothing_good_before_blocks(folder: Path, content: bytes, named: str) -> None:
    agent, logs = make(folder)
    write(folder, content)
    assert enforced(agent) == ("blocked", True)
    [error] = errors(logs)
    assert named in error and "using mode 'blocked' until it is fixed" in error


def test_the_fallback_mode_is_configurable(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(folder, b"{truncated")
    assert enforced(make(folder, controls_fallback="shadow")[0]) == ("shadow", False)
    monkeypatch.setenv("AGENTOPS_CONTROLS_FALLBACK", "normal")
    assert enforced(make(folder)[0]) == ("normal", False)
    monkeypatch.setenv("AGENTOPS_CONTROLS_FALLBACK", "serve")
    with pytest.raises(ValueError, match="AGENTOPS_CONTROLS_FALLBACK='serve' is not one of normal, shadow, blocked"):
        make(folder)


def test_a_repaired_file_takes_effect_and_a_vanished_one_keeps_the_last(folder: Path) -> None:
    agent, logs = make(folder)
    assert enforced(agent) == ("normal", False)  # no file yet: the operator has not written one
    write(folder, b'{"mode": "Shadow"}')
    assert enforced(agent) == ("blocked", True)
    write(folder, json.dumps(GOOD).encode())
    assert enforced(agent) == ("shadow", True)
    (folder / "controls.json").unlink()
    assert enforced(agent) == ("shadow", True)
    assert enforced(agent) == ("shadow", True)
    assert len(errors(logs)) == 2 and "vanished" in errors(logs)[1]


def test_keys_the_sdk_does_not_know_are_ignored_and_nulls_mean_none(folder: Path) -> None:
    agent, logs = make(folder)
    document = {"futureKnob": {"x": 1}, "blockedTools": None, "sessionsPerMinute": None, "mode": "normal"}
    write(folder, json.dumps({**document, "revisions": {REVISION: {"mode": "shadow"}}}).encode())
    assert enforced(agent) == ("shadow", False) and errors(logs) == []


def test_a_missing_bundle_stops_the_agent_unless_allowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(BundleError, match=r"no revision bundle at .*bundle.json.*allow_missing_bundle=True"):
        make(tmp_path)
    assert make(tmp_path, allow_missing_bundle=True)[0].model == ""
    monkeypatch.setenv("AGENTOPS_ALLOW_MISSING_BUNDLE", "1")
    assert make(tmp_path)[0].leaks.prompt_shingles == set()


@pytest.mark.parametrize(
    ("content", "named"),
    [
        pytest.param(b'{"model": {"name": "gpt', "not valid JSON", id="truncated"),
        pytest.param(b'{"prompt": {"system": "\xff"}}', "cannot read", id="not-utf-8"),
        pytest.param(b"[]", "the bundle must be an object", id="array"),
        pytest.param(b'{"model": "gpt-4o"}', "model must be an object", id="model-string"),
        pytest.param(b'{"prompt": {"system": 42}}', "prompt.system must be a string", id="prompt-number"),
        pytest.param(b'{"tools": "search_kb"}', "tools must be a list", id="tools-string"),
        pytest.param(b'{"tools": [{"sideEffects": "None"}]}', r"tools\[0\].name must be a string", id="tool-unnamed"),
        pytest.param(
            b'{"tools": [{"name": "t", "rateLimitPerMinute": "5"}]}', r"tools\[0\].rateLimitPerMinute", id="tool-rate"
        ),
        pytest.param(b'{"guardrails": [{"name": "g", "stage": 2}]}', r"guardrails\[0\].stage", id="guardrail-stage"),
        pytest.param(
            b'{"model": {"pricing": {"inputPerMillionTokensUSD": "1"}}}', "model.pricing.input", id="pricing-string"
        ),
    ],
)
def test_a_damaged_bundle_is_refused_even_when_a_missing_one_is_allowed(
    tmp_path: Path, content: bytes, named: str
) -> None:
    (tmp_path / "bundle.json").write_bytes(content)
    with pytest.raises(BundleError, match=named):
        make(tmp_path, allow_missing_bundle=True)


@pytest.mark.parametrize(
    ("prompt", "output", "leaked"),
    [
        pytest.param("The vault code is ZEBRA-42.", "Sure: the vault code is zebra 42!", True, id="short-whole"),
        pytest.param("The vault code is ZEBRA-42.", "The vault code is secret.", False, id="short-part"),
        pytest.param("Speak French only.", "I was told: speak french, only.", True, id="three-words"),
        pytest.param("Be helpful.", "I will be helpful.", False, id="two-words-nothing-distinctive"),
        pytest.param(
            BUNDLE["prompt"]["system"], "never promise refunds to anyone at all, says Acme", False, id="7-of-8"
        ),
        pytest.param(BUNDLE["prompt"]["system"], "I must never promise refunds to anyone at all.", False, id="long-7"),
        pytest.param(
            BUNDLE["prompt"]["system"], "Acme; never promise refunds to anyone at all.", True, id="long-8-words"
        ),
    ],
)
def test_short_prompts_are_checked_for_leaks(prompt: str, output: str, leaked: bool) -> None:
    assert LeakDetector(prompt).leaked(output) is leaked
