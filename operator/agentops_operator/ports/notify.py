"""Telling people about incidents: one Protocol; one file per receiver kind in adapters/notifiers.

A notifier gets the receiver's secret value (a URL or a routing key, read from a Secret by the
runtime) and the notice; it raises `NotifyError` with a message that never contains the secret.
"""

from __future__ import annotations

from typing import Protocol

from ..engine.decisions import Notice


class NotifyError(Exception):
    """Delivery failed; the message is safe to show (no URL, no key)."""


class Notifier(Protocol):
    async def send(self, secret: str, notice: Notice, agent: str, namespace: str) -> None: ...


class NopNotifier:
    async def send(self, secret: str, notice: Notice, agent: str, namespace: str) -> None:
        return None
