"""The control plane's version is written in two places, the build script and the launcher that
finds its binaries; they must agree, or the tests would look for binaries that were never built."""

from __future__ import annotations

import re
from pathlib import Path

from agentops_sandbox.testing.cluster import KUBE_VERSION

ROOT = Path(__file__).resolve().parents[2]


def test_build_script_and_launcher_pin_the_same_kubernetes() -> None:
    script = (ROOT / "scripts" / "build-control-plane").read_text()
    pinned = re.search(r'KUBE_VERSION="\$\{AGENTOPS_KUBE_VERSION:-(v[0-9.]+)\}"', script)
    assert pinned and pinned.group(1) == KUBE_VERSION
