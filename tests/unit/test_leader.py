"""Unit: who may take the Lease (`runtime/leader.claim`), as client-go's leader election decides,
with a fake clock; and an elector that loses its Lease stops acting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agentops_operator.ports.leases import LeaseConflict
from agentops_operator.runtime.leader import LeaderElector, LeaseTiming, claim, micro_time

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TIMING = LeaseTiming(duration=15, renew_deadline=10, retry=2)


def lease(holder: str, renewed_seconds_ago: float, transitions: int = 3) -> dict[str, Any]:
    renewed = micro_time(T0 - timedelta(seconds=renewed_seconds_ago))
    return {
        "metadata": {"name": "l", "namespace": "ns", "resourceVersion": "7"},
        "spec": {
            "holderIdentity": holder,
            "leaseDurationSeconds": 15,
            "acquireTime": renewed,
            "renewTime": renewed,
            "leaseTransitions": transitions,
        },
    }


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        pytest.param(None, ("me", 0), id="no-lease-yet"),
        pytest.param(lease("me", 5), ("me", 3), id="renew-own"),
        pytest.param(lease("other", 5), None, id="others-valid-lease"),
        pytest.param(lease("other", 14.9), None, id="others-lease-just-valid"),
        pytest.param(lease("other", 15), ("me", 4), id="others-lease-expired"),
        pytest.param(lease("", 1), ("me", 4), id="released"),
    ],
)
def test_claim(current: dict[str, Any] | None, expected: tuple[str, int] | None) -> None:
    wanted = claim(current, "ns", "l", "me", T0, TIMING)
    if expected is None:
        assert wanted is None
        return
    assert wanted is not None
    assert (wanted["spec"]["holderIdentity"], wanted["spec"]["leaseTransitions"]) == expected
    assert wanted["spec"]["renewTime"] == micro_time(T0)
    if current is not None:
        assert wanted["metadata"]["resourceVersion"] == "7"  # the write is refused if someone wrote in between
        kept = current["spec"]["holderIdentity"] == "me"
        assert (wanted["spec"]["acquireTime"] == current["spec"]["acquireTime"]) == kept


class FlakyLeases:
    """Lets the first claim through, then answers every write with a conflict."""

    def __init__(self) -> None:
        self.stored: dict[str, Any] | None = None
        self.writes = 0

    async def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self.stored

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        self.writes += 1
        if self.writes > 1:
            raise LeaseConflict("409")
        self.stored = body
        return body

    async def replace(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.create(body)


def test_a_leader_that_cannot_renew_stops_acting_after_the_deadline() -> None:
    clock = [T0]
    elector = LeaderElector(FlakyLeases(), "ns", "l", "me", TIMING, now=lambda: clock[0])

    async def scenario() -> list[bool]:
        seen = []
        for second in (0, 4, 8, 11):
            clock[0] = T0 + timedelta(seconds=second)
            await elector.step()
            seen.append(elector.leading)
        return seen

    assert asyncio.run(scenario()) == [True, True, True, False]
