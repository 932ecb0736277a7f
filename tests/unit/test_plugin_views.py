"""Unit: what `kubectl agents` prints — each analysis check as "canary X vs stable Y", revision
numbers beside hashes, and a bundle diff in YAML with the prompt first, one line per prompt line."""

from __future__ import annotations

from rich.console import Console

from agentops_operator.plugin import views

AGENT = {
    "metadata": {"name": "support-agent", "namespace": "default"},
    "status": {
        "summary": "Progressing",
        "stableRevision": {"number": 1, "hash": "aaaaaaaaaa"},
        "latestRevision": {"number": 2, "hash": "bbbbbbbbbb"},
        "rollout": {
            "stepIndex": 0,
            "stepCount": 2,
            "stepKind": "canary",
            "weight": 20,
            "lastAnalysis": {
                "time": "2026-12-01T12:00:00Z",
                "verdict": "Pass",
                "checks": [
                    {
                        "name": "session-success-rate",
                        "canary": 0.93,
                        "stable": 0.95,
                        "bound": "≥ 0.9",
                        "verdict": "Pass",
                    }
                ],
            },
        },
    },
}


def printed(show: object, *args: object) -> str:
    console = Console(record=True, width=200)
    show(console, *args)  # type: ignore[operator]
    return console.export_text()


def test_status_names_the_arms_and_shows_numbers_with_hashes() -> None:
    text = printed(views.show_status, AGENT)
    assert "canary 0.93 vs stable 0.95" in text
    assert "stable  1 (aaaaaaaaaa)" in text and "latest  2 (bbbbbbbbbb)" in text


def test_the_diff_is_yaml_with_the_prompt_first() -> None:
    old = {"model": {"name": "m"}, "prompt": {"system": "Be kind.\nAnswer briefly.\n"}, "tools": []}
    new = {"model": {"name": "m2"}, "prompt": {"system": "Be kind.\nAnswer in English.\n"}, "tools": []}
    lines = views.diff(old, new, "revision 1 (a)", "revision 2 (b)")
    assert views.readable(new)[:4] == ["prompt:", "  system: |", "    Be kind.", "    Answer in English."]
    assert "-    Answer briefly." in lines and "+    Answer in English." in lines
    assert "-  name: m" in lines and "+  name: m2" in lines
    assert views.diff(new, new, "a", "b") == []
