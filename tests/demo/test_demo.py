"""The README's first command runs this demo: it must tell its whole story on this machine (API
stand-in, real Prometheus, SDK agents) and exit 0 only when every outcome happened."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest


def test_the_demo_promotes_shadows_and_rolls_back() -> None:
    if shutil.which("prometheus") is None:
        pytest.skip("the prometheus binary is missing: `apt-get install prometheus` (scripts/setup does)")
    result = subprocess.run(
        [sys.executable, "-m", "agentops_operator.demo"], capture_output=True, text=True, timeout=400
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    out = result.stdout
    for outcome in ("revision 2 passed its analyses and was promoted", "revision 2 only gets it mirrored",
                    "the incident resolved and revision 2 came back through its canary steps", "the PromptLeak runbook aborted revision 3's canary",
                    "an AgentIncident records the leak", "support-agent-promptleak-"):  # fmt: skip
        assert outcome in out, out
    assert "✗" not in out
