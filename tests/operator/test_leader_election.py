"""Two operator replicas with leader election on one API stand-in: one Lease holder reconciles,
the other only watches; when the leader dies without releasing the Lease, the other takes over
once it expires and reconciles what changed meanwhile."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from agentops_operator.runtime.leader import LeaseTiming
from agentops_sandbox.testing.operator_thread import RunningOperator
from tests.conftest import Kubectl
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
LEASE = "/apis/coordination.k8s.io/v1/namespaces/default/leases/agentops-operator"
AGENT = "/apis/agentops.dev/v1alpha1/namespaces/default/agentdeployments/support-agent"
TIMING = LeaseTiming(duration=3, renew_deadline=2, retry=0.3)


def moment(micro_time: str) -> datetime:
    return datetime.fromisoformat(micro_time.replace("Z", "+00:00"))


def holder(api: httpx.Client) -> Any:
    response = api.get(LEASE)
    return response.json()["spec"].get("holderIdentity") if response.status_code == 200 else None


def replica(kubeconfig: Path, name: str) -> RunningOperator:
    return RunningOperator(kubeconfig, leader_election=True, lease_timing=TIMING, identity=name, resync_seconds=60)


def test_one_leader_reconciles_and_a_follower_takes_over_when_it_dies(
    kubectl: Kubectl, kubeconfig: Path, api: httpx.Client
) -> None:
    first = replica(kubeconfig, "first").start()
    eventually(lambda: holder(api) == "first", message="no leader")
    second = replica(kubeconfig, "second").start()
    try:
        example = (ROOT / "examples" / "support-agent.yaml").read_text()
        kubectl("apply", "-f", "-", input=example)
        kubectl("wait", "--for=condition=Ready", "agd/support-agent", "--timeout=30s")
        assert first.app.elector is not None and first.app.elector.leading
        assert second.app.elector is not None and not second.app.elector.leading
        assert holder(api) == "first"

        async def crash() -> None:  # a dead process releases nothing
            return None

        first.app.elector.release = crash  # type: ignore[method-assign]
        election = first.app._election_task
        assert election is not None
        first.loop.call_soon_threadsafe(election.cancel)  # renewals stop: the process is as good as dead
        eventually(election.done, message="the election task did not stop")  # a renewal in flight has landed
        left = api.get(LEASE).json()["spec"]
        assert left["holderIdentity"] == "first"
        last_renewal = left["renewTime"]
        first.stop()
        kubectl("apply", "-f", "-", input=example.replace("never promise refunds", "never promise refunds (v2)"))
        eventually(lambda: holder(api) == "second", timeout=15, message="the follower never took over")
        lease = api.get(LEASE).json()["spec"]
        gap = (moment(lease["acquireTime"]) - moment(last_renewal)).total_seconds()
        assert TIMING.duration <= gap <= TIMING.duration + 2, gap  # once the Lease expired, and soon after
        eventually(
            lambda: api.get(AGENT).json()["status"]["stableRevision"]["number"] == 2, message="v2 not reconciled"
        )
        lease = api.get(LEASE).json()["spec"]
        assert (
            lease["holderIdentity"] == "second"
            and lease["leaseTransitions"] == 1
            and lease["leaseDurationSeconds"] == 3
        )
    finally:
        second.stop()
        first.stop()
