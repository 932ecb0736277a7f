"""The test agent (agent.py) served on 127.0.0.1 for the module's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.serving import serving

from .agent import Agent


@pytest.fixture(scope="module")
def agent_url() -> Iterator[str]:
    with serving(Agent) as url:
        yield url
