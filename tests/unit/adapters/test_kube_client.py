"""The server-side apply body: the API server reads it as YAML, so every string must come back as sent."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from agentops_operator.adapters.kube.client import apply_body

# Any text but lone surrogates (which no JSON decoder gives the operator as a character).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)))


@given(st.dictionaries(TEXT, TEXT | st.lists(TEXT, max_size=3), max_size=4))
def test_yaml_reads_back_exactly_what_was_meant(manifest: dict[str, object]) -> None:
    body = apply_body(manifest)
    assert yaml.safe_load(body.decode("utf-8")) == manifest
    assert json.loads(body) == manifest


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        pytest.param("a\x7fb", "a\\u007fb", id="delete"),
        pytest.param("\ufffe", "\\ufffe", id="noncharacter"),
        pytest.param("\x85", "\\u0085", id="next-line-would-fold-to-a-space"),
        pytest.param("\U0001f600", "\U0001f600", id="astral-stays-raw"),
        pytest.param("\ud800", "\\ufffd", id="lone-surrogate-replaced"),
    ],
)
def test_characters_yaml_refuses_raw_are_escaped(text: str, sent: str) -> None:
    assert apply_body({"s": text}).decode("utf-8") == '{"s":"' + sent + '"}'
