"""Watch streams: `?watch=true` answered with a stream of JSON watch events.

Follows "API Concepts → Efficient detection of changes" and "Watch bookmarks": a watch
without a resourceVersion (or with "0") starts with synthetic ADDED events for the current
state; with one, it replays what happened after it, or sends an ERROR event carrying a 410
Expired Status when that version has left the history (the apiserver's watch cache does the
same, then the client relists). `timeoutSeconds` ends the stream; `allowWatchBookmarks`
adds periodic BOOKMARK events; `sendInitialEvents=true` (streaming lists) ends the initial
state with a bookmark annotated `k8s.io/initial-events-end`. kubectl's `as=Table` watches
get one-row Tables as event objects.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import ClientConnectionResetError, web

from . import tables
from .errors import gone
from .kinds import ResourceType
from .resources import Resources
from .selectors import parse_field_selector, parse_label_selector
from .store import Watcher

JsonDict = dict[str, Any]

_STOP: tuple[str, JsonDict] = ("STOP", {})


class WatchStreams:
    def __init__(self, resources: Resources, bookmark_interval: float = 5.0) -> None:
        self.resources = resources
        self.bookmark_interval = bookmark_interval
        self._open: set[Watcher] = set()

    def close_all(self) -> None:
        for watcher in list(self._open):
            watcher.queue.put_nowait(_STOP)

    async def serve(self, request: web.Request, rt: ResourceType, namespace: str | None) -> web.StreamResponse:
        query = request.query
        watcher = Watcher(
            rt.storage_key,
            namespace if rt.namespaced else None,
            parse_label_selector(query.get("labelSelector")),
            parse_field_selector(query.get("fieldSelector"), rt.kind),
        )
        version = query.get("resourceVersion") or None
        initial = query.get("sendInitialEvents") == "true" or version in (None, "0")
        since = None if initial else int(version)  # type: ignore[arg-type]
        accepted = self.resources.store.watch(watcher, since)
        if accepted and initial:
            # Registered in the same loop step as this snapshot: nothing can fall between.
            for obj in self.resources.store.items(rt.storage_key, watcher.namespace):
                if watcher.matches(obj):
                    watcher.queue.put_nowait(("ADDED", obj))
            if query.get("sendInitialEvents") == "true":
                watcher.queue.put_nowait(("INITIAL_END", {}))
        table = tables.wants_table(request.headers.get("Accept", ""))
        response = web.StreamResponse(headers={"Content-Type": "application/json", "Cache-Control": "no-cache"})
        await response.prepare(request)
        if not accepted:
            status = gone(f"too old resource version: {version} ({self.resources.store.revision})").to_status()
            await response.write(_line({"type": "ERROR", "object": status}))
            return response
        self._open.add(watcher)
        timeout = float(query.get("timeoutSeconds", "0") or 0)
        deadline = time.monotonic() + timeout if timeout > 0 else None
        bookmarks = query.get("allowWatchBookmarks") == "true"
        try:
            await self._pump(response, watcher, rt, deadline, bookmarks, table, query.get("includeObject", "Metadata"))
        except (ConnectionResetError, ClientConnectionResetError, asyncio.CancelledError):
            pass  # the client went away; nothing to tell it
        finally:
            self._open.discard(watcher)
            self.resources.store.unwatch(watcher)
        return response

    async def _pump(
        self,
        response: web.StreamResponse,
        watcher: Watcher,
        rt: ResourceType,
        deadline: float | None,
        bookmarks: bool,
        table: bool,
        include_object: str,
    ) -> None:
        while True:
            wait = self.bookmark_interval if bookmarks else None
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                wait = min(wait, remaining) if wait is not None else remaining
            try:
                kind, obj = await asyncio.wait_for(watcher.queue.get(), wait)
            except TimeoutError:
                if bookmarks:
                    await response.write(_line(self._bookmark(rt, {})))
                continue
            if kind == "STOP":
                return
            if kind == "INITIAL_END":
                await response.write(_line(self._bookmark(rt, {"k8s.io/initial-events-end": "true"})))
                continue
            view = self.resources.view(rt, obj)
            if table:
                view = tables.table(rt, [view], view["metadata"].get("resourceVersion", ""), include_object)
            await response.write(_line({"type": kind, "object": view}))

    def _bookmark(self, rt: ResourceType, annotations: dict[str, str]) -> JsonDict:
        metadata: JsonDict = {"resourceVersion": str(self.resources.store.revision)}
        if annotations:
            metadata["annotations"] = annotations
        return {"type": "BOOKMARK", "object": {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": metadata}}


def _line(event: JsonDict) -> bytes:
    return (json.dumps(event, separators=(",", ":")) + "\n").encode()
