"""Leader election among operator replicas, on a coordination.k8s.io/v1 Lease, with the semantics
of client-go's leaderelection: the holder renews `renewTime` every `retry` seconds; a candidate
takes the Lease only once `renewTime + leaseDurationSeconds` has passed; a leader that cannot renew
for `renew_deadline` seconds stops acting; writes carry the resourceVersion, so two candidates can
never both win. Only the leader reconciles; the others keep kopf's watches warm and take over when
the Lease expires. Written here because kopf's peering pauses operators by priority but elects
no leader, and the official client's election is synchronous.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..ports.leases import LeaseConflict, Leases

JsonDict = dict[str, Any]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeaseTiming:
    duration: float = 15.0  # how long a Lease is valid after its last renewal
    renew_deadline: float = 10.0  # a leader that could not renew for this long stops acting
    retry: float = 2.0  # how often to try to take or renew it


def micro_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def claim(
    lease: JsonDict | None, namespace: str, name: str, identity: str, now: datetime, timing: LeaseTiming
) -> JsonDict | None:
    """The Lease to write so that `identity` leads (pure), or None while another holder's is valid."""
    if lease is None:
        return {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "holderIdentity": identity,
                "leaseDurationSeconds": int(timing.duration),
                "acquireTime": micro_time(now),
                "renewTime": micro_time(now),
                "leaseTransitions": 0,
            },
        }
    spec = lease.get("spec") or {}
    holder = spec.get("holderIdentity") or ""
    renewed = _parse(spec.get("renewTime")) or _parse(spec.get("acquireTime"))
    duration = float(spec.get("leaseDurationSeconds") or timing.duration)
    if holder and holder != identity and renewed is not None and now < renewed + timedelta(seconds=duration):
        return None
    updated = copy.deepcopy(lease)
    new_spec = updated.setdefault("spec", {})
    if holder != identity:
        new_spec["acquireTime"] = micro_time(now)
        new_spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
    new_spec.update(
        {"holderIdentity": identity, "leaseDurationSeconds": int(timing.duration), "renewTime": micro_time(now)}
    )
    return updated


class LeaderElector:
    def __init__(
        self,
        leases: Leases,
        namespace: str,
        name: str,
        identity: str,
        timing: LeaseTiming = LeaseTiming(),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.leases, self.namespace, self.name, self.identity = leases, namespace, name, identity
        self.timing, self.now = timing, now
        self.leading = False
        self._renewed_at: datetime | None = None

    async def run(self, on_lead: Callable[[], Awaitable[None]]) -> None:
        """Take or renew the Lease every `retry` seconds, forever; `on_lead` runs on each election won."""
        while True:
            if await self.step():
                await on_lead()
            await asyncio.sleep(self.timing.retry)

    async def step(self) -> bool:
        """One attempt to take or renew the Lease; True when this replica has just become the leader."""
        won = await self._try()
        if won and not self.leading:
            self.leading = True
            log.warning("leading: this replica (%s) holds Lease %s/%s", self.identity, self.namespace, self.name)
            return True
        if not won and self.leading and self._renew_overdue():
            self.leading = False
            log.warning(
                "no longer leading: Lease %s/%s not renewed for %.0f s",
                self.namespace,
                self.name,
                self.timing.renew_deadline,
            )
        return False

    def _renew_overdue(self) -> bool:
        return self._renewed_at is None or (self.now() - self._renewed_at).total_seconds() >= self.timing.renew_deadline

    async def _try(self) -> bool:
        now = self.now()
        try:
            current = await self.leases.get(self.namespace, self.name)
            wanted = claim(current, self.namespace, self.name, self.identity, now, self.timing)
            if wanted is None:
                self.leading = False  # someone else holds a valid Lease: stop at once
                return False
            await (self.leases.replace(wanted) if current is not None else self.leases.create(wanted))
        except LeaseConflict:
            return False
        except Exception as error:  # the API is unreachable: keep leading until the renew deadline
            log.warning("leader election: %s", error)
            return False
        self._renewed_at = now
        return True

    async def release(self) -> None:
        """On shutdown: give the Lease up so another replica takes over at once, not after it expires."""
        if not self.leading:
            return
        self.leading = False
        try:
            current = await self.leases.get(self.namespace, self.name)
            if current is not None and (current.get("spec") or {}).get("holderIdentity") == self.identity:
                released = copy.deepcopy(current)
                released["spec"].update({"holderIdentity": "", "leaseDurationSeconds": 1})
                await self.leases.replace(released)
        except Exception as error:  # best effort: the Lease expires anyway
            log.warning("could not release Lease %s/%s: %s", self.namespace, self.name, error)
