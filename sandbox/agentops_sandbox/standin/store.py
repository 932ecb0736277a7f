"""In-memory object storage with one global resourceVersion and a bounded event history.

Follows "API Concepts → Efficient detection of changes" and "Resource versions": every
write gets the next resourceVersion from one counter (etcd's revision), lists report the
current one, and a watch may resume from any version still in the history; older ones are
expired (410). Stored objects are never mutated after they are stored — each write stores a
new dict — so the history and queued watch events are safe snapshots.
Everything runs on one asyncio loop; no method awaits, so every write is atomic.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .selectors import FieldRequirement, Requirement, fields_match, labels_match

JsonDict = dict[str, Any]
StorageKey = tuple[str, str]
ObjectKey = tuple[str, str]  # (namespace or "", name)


@dataclass(frozen=True)
class Change:
    resource_version: int
    storage: StorageKey
    type: str  # ADDED, MODIFIED, DELETED
    object: JsonDict
    old: JsonDict | None


@dataclass(eq=False)
class Watcher:
    storage: StorageKey
    namespace: str | None
    labels: list[Requirement]
    fields: list[FieldRequirement]
    queue: asyncio.Queue[tuple[str, JsonDict]] = field(default_factory=asyncio.Queue)

    def matches(self, obj: JsonDict | None) -> bool:
        if obj is None:
            return False
        metadata = obj.get("metadata") or {}
        if self.namespace is not None and metadata.get("namespace") != self.namespace:
            return False
        return labels_match(self.labels, metadata.get("labels")) and fields_match(self.fields, obj)

    def offer(self, change: Change) -> None:
        """Translate a change into the event this watcher's selector sees, if any."""
        now, before = self.matches(change.object), self.matches(change.old)
        if change.type == "DELETED":
            if before or now:
                self.queue.put_nowait(("DELETED", change.object))
        elif now and before:
            self.queue.put_nowait(("MODIFIED", change.object))
        elif now:
            self.queue.put_nowait(("ADDED", change.object))
        elif before:
            # The object left the selection: to this watcher it is gone.
            self.queue.put_nowait(("DELETED", change.object))


class Store:
    def __init__(self, history: int = 10_000) -> None:
        self._objects: dict[StorageKey, dict[ObjectKey, JsonDict]] = {}
        self._revision = 1
        self._history: deque[Change] = deque(maxlen=history)
        self._expired_before = 0
        self._watchers: list[Watcher] = []
        self._listeners: list[Callable[[Change], None]] = []
        self.writes = 0

    @property
    def revision(self) -> int:
        return self._revision

    def next_revision(self) -> int:
        self._revision += 1
        return self._revision

    def get(self, storage: StorageKey, key: ObjectKey) -> JsonDict | None:
        return self._objects.get(storage, {}).get(key)

    def items(self, storage: StorageKey, namespace: str | None = None) -> Iterator[JsonDict]:
        for (ns, _), obj in sorted(self._objects.get(storage, {}).items()):
            if namespace is None or ns == namespace:
                yield obj

    def all_objects(self) -> Iterator[tuple[StorageKey, JsonDict]]:
        for storage, objects in list(self._objects.items()):
            for obj in list(objects.values()):
                yield storage, obj

    def drop_storage(self, storage: StorageKey) -> None:
        self._objects.pop(storage, None)

    def put(self, storage: StorageKey, obj: JsonDict, event: str, old: JsonDict | None) -> None:
        """Store `obj` (its metadata.resourceVersion already set) and publish the change."""
        metadata = obj["metadata"]
        key = (metadata.get("namespace", ""), metadata["name"])
        self._objects.setdefault(storage, {})[key] = obj
        self._publish(Change(int(metadata["resourceVersion"]), storage, event, obj, old))

    def remove(self, storage: StorageKey, obj: JsonDict) -> JsonDict:
        """Delete `obj`; the DELETED event carries a fresh resourceVersion, as etcd's does."""
        metadata = obj["metadata"]
        self._objects.get(storage, {}).pop((metadata.get("namespace", ""), metadata["name"]), None)
        final = {**obj, "metadata": {**metadata, "resourceVersion": str(self.next_revision())}}
        self._publish(Change(self._revision, storage, "DELETED", final, obj))
        return final

    def _publish(self, change: Change) -> None:
        self.writes += 1
        if len(self._history) == self._history.maxlen:
            self._expired_before = self._history[0].resource_version
        self._history.append(change)
        for watcher in self._watchers:
            if watcher.storage == change.storage:
                watcher.offer(change)
        for listener in self._listeners:
            listener(change)

    def listen(self, listener: Callable[[Change], None]) -> None:
        self._listeners.append(listener)

    def watch(self, watcher: Watcher, since: int | None) -> bool:
        """Register `watcher`; replay changes after `since`. False if `since` has expired.

        With `since` None the caller sends the current state as ADDED events itself.
        """
        if since is not None:
            if since < self._expired_before:
                return False
            for change in self._history:
                if change.resource_version > since and change.storage == watcher.storage:
                    watcher.offer(change)
        self._watchers.append(watcher)
        return True

    def unwatch(self, watcher: Watcher) -> None:
        if watcher in self._watchers:
            self._watchers.remove(watcher)
