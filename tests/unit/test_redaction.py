"""Unit: once the operator has read a receiver's secret, no log record carries it — from any logger
(a child logger such as httpcore's too), in the message or a traceback, in any spelling — while the
words and addresses of the operator's ordinary lines stay readable."""

from __future__ import annotations

import logging

import pytest

from agentops_operator.runtime import redaction

SLACK = "https://hooks.slack.com/services/T0A1B2C3D/B9Z8Y7X6W/abcdefghijklmnopqrstuvwx"


@pytest.mark.parametrize(
    ("secret", "present", "absent"),
    [
        pytest.param(
            SLACK,
            {"T0A1B2C3D", "B9Z8Y7X6W", "abcdefghijklmnopqrstuvwx", SLACK},
            {"services", "hooks.slack.com", "https"},
            id="slack-url",
        ),
        pytest.param(
            "http://user:pa55word-x@127.0.0.1:8080/hook?token=Q1w2E3r4T5",
            {"pa55word-x", "Q1w2E3r4T5", "http://user:pa55word-x@127.0.0.1:8080/hook?token=Q1w2E3r4T5"},
            {"127.0.0.1", "hook", "user", "localhost"},
            id="user-info-and-query",
        ),
        pytest.param(
            "HTTP://Tok3n-Host.Example:9000/a b",
            {"tok3n-host.example", "http://tok3n-host.example:9000/a%20b"},  # matched ignoring case
            {"a b", "9000"},
            id="host-and-rewritten",
        ),
        pytest.param("routing-key-0123", {"routing-key-0123", "cm91dGluZy1rZXktMDEyMw=="}, set(), id="key-and-base64"),
    ],
)
def test_spellings(secret: str, present: set[str], absent: set[str]) -> None:
    forms = redaction.spellings(secret)
    assert present <= forms
    assert not (absent & {f for f in forms if len(f) >= redaction.SHORTEST})


@pytest.fixture
def installed() -> None:
    redaction.install()
    redaction.remember(SLACK)


def test_a_child_loggers_record_is_redacted_at_debug(installed: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("httpcore.connection").debug("connect url=%s", SLACK.upper())
    logging.getLogger("agentops_operator.runtime.reconciler").info("applying Service default/services-x (127.0.0.1)")
    first, second = (record.getMessage() for record in caplog.records)
    assert first == "connect url=<redacted>"
    assert second == "applying Service default/services-x (127.0.0.1)"


def test_a_traceback_quoting_the_secret_is_redacted(installed: None, caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise ValueError(f"cannot post to {SLACK.replace('https://', 'https://x:y@')}")
    except ValueError:
        logging.getLogger("kopf.objects").exception("handler failed")
    (record,) = caplog.records
    text = caplog.handler.format(record)
    assert "handler failed" in text and "ValueError" in text
    assert "abcdefghijklmnopqrstuvwx" not in text and "T0A1B2C3D" not in text and "<redacted>" in text
