"""Throughput and watch latency of the API stand-in, over real HTTP on 127.0.0.1.

Prints creates/s, gets/s, patches/s and watch events/s for N ConfigMaps (default 1,000), and the
latency from sending a write to receiving its watch event (p50/p99). Run:

    .venv/bin/python benchmarks/apiserver.py [--objects 1000]

Numbers depend on the machine; compare runs on the same machine, not against fixed goals.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time

import httpx

from agentops_sandbox.standin import ThreadedApiServer
from bench_stats import percentile

CM = "/api/v1/namespaces/default/configmaps"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=1000)
    count = parser.parse_args().objects
    with ThreadedApiServer() as server, httpx.Client(base_url=server.url, timeout=30) as api:
        received: dict[str, float] = {}
        ready = threading.Event()
        expected = 2 * count  # one ADDED and one MODIFIED per object

        def watch() -> None:
            version = api.get(CM).json()["metadata"]["resourceVersion"]
            with (
                httpx.Client(base_url=server.url, timeout=None) as watcher,
                watcher.stream("GET", CM, params={"watch": "true", "resourceVersion": version}) as stream,
            ):
                ready.set()
                seen = 0
                for line in stream.iter_lines():
                    if not line:
                        continue
                    event = json.loads(line)
                    received[f"{event['type']}/{event['object']['metadata']['name']}"] = time.perf_counter()
                    seen += 1
                    if seen >= expected:
                        return

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        ready.wait(10)
        time.sleep(0.2)
        sent: dict[str, float] = {}

        start = time.perf_counter()
        for index in range(count):
            name = f"cm-{index:05d}"
            sent[f"ADDED/{name}"] = time.perf_counter()
            api.post(
                CM, json={"metadata": {"name": name, "labels": {"bench": "yes"}}, "data": {"i": str(index)}}
            ).raise_for_status()
        create_time = time.perf_counter() - start

        start = time.perf_counter()
        for index in range(count):
            api.get(f"{CM}/cm-{index:05d}").raise_for_status()
        get_time = time.perf_counter() - start

        start = time.perf_counter()
        for index in range(count):
            name = f"cm-{index:05d}"
            sent[f"MODIFIED/{name}"] = time.perf_counter()
            api.patch(
                f"{CM}/{name}",
                json={"data": {"i": "patched"}},
                headers={"Content-Type": "application/merge-patch+json"},
            ).raise_for_status()
        patch_time = time.perf_counter() - start
        thread.join(60)

        start = time.perf_counter()
        listed = api.get(CM, params={"labelSelector": "bench=yes"}).json()
        list_time = time.perf_counter() - start

        latencies = [(received[key] - sent[key]) * 1000 for key in sent if key in received]
        first, last = min(received.values()), max(received.values())
        print(f"objects: {count}")
        print(f"create: {count / create_time:8.0f} /s")
        print(f"get:    {count / get_time:8.0f} /s")
        print(f"patch:  {count / patch_time:8.0f} /s")
        print(f"list of {len(listed['items'])} with a label selector: {list_time * 1000:.1f} ms")
        print(
            f"watch events received: {len(received)} of {expected}, "
            f"{len(received) / max(last - first, 1e-9):8.0f} /s while writes ran"
        )
        print(
            f"write -> watch event latency: p50 {statistics.median(latencies):.2f} ms, p99 "
            f"{percentile(latencies, 0.99):.2f} ms"
        )


if __name__ == "__main__":
    main()
