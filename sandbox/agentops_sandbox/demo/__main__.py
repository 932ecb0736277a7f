"""`python -m agentops_sandbox.demo`: the demo (see `story`). By default it needs no cluster: it starts
the API stand-in and a real Prometheus on 127.0.0.1, tells the story and stops everything.
`--kubeconfig PATH` tells the same story on the real cluster it names instead (the local control
plane of `python -m agentops_sandbox.testing up`, kind, a cloud cluster), in its own namespace, and
removes what it created afterwards. The exit status is 0 when every outcome was as expected.
`--keep-running` leaves everything up afterwards for kubectl."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path

from rich.console import Console

from ..testing.prometheus import LocalPrometheus, PrometheusMissing
from .stage import Stage, StageError, on_a_cluster, on_the_stand_in
from .story import story_objects, tell


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m agentops_sandbox.demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--kubeconfig", help="tell the story on the cluster this kubeconfig names (default: the stand-in)"
    )
    parser.add_argument("--context", help="with --kubeconfig: the context to use (default: its current context)")
    parser.add_argument(
        "--namespace",
        default="agentops-demo",
        help="with --kubeconfig: the namespace the agent lives in (default: %(default)s)",
    )
    parser.add_argument(
        "--keep-running", action="store_true", help="keep everything up after the story (Ctrl-C stops it)"
    )
    parser.add_argument(
        "--write-kubeconfig",
        default="sandbox.kubeconfig",
        help="with --keep-running on the stand-in: where to write its kubeconfig (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # the story speaks; the operator's own log stays quiet
    console = Console(highlight=False, soft_wrap=True)
    try:
        with LocalPrometheus() as prometheus, _stage(args) as stage:
            return _tell(args, console, prometheus, stage)
    except PrometheusMissing as missing:
        console.print(f"[red]{missing}[/red] — `./scripts/setup` installs it (Debian's prometheus package).")
        return 2
    except StageError as error:
        console.print(f"[red]{error}[/red]")
        return 2


def _stage(args: argparse.Namespace) -> AbstractContextManager[Stage]:
    if args.kubeconfig:
        return on_a_cluster(
            args.kubeconfig, args.context, args.namespace, args.keep_running, story_objects(args.namespace)
        )
    return on_the_stand_in(Path(args.write_kubeconfig) if args.keep_running else None)


def _tell(args: argparse.Namespace, console: Console, prometheus: LocalPrometheus, stage: Stage) -> int:
    console.print(f"{stage.where} · namespace {stage.namespace} · Prometheus {prometheus.url}")
    failures = tell(stage, prometheus.url, console, lambda targets: prometheus.scrape(targets, wait=False))
    if failures:
        console.print(f"[red bold]The story did not go as expected:[/red bold] {'; '.join(failures)}")
    else:
        console.print(
            "[green bold]Done:[/green bold] promoted a good revision, shadowed it while it hallucinated, "
            "caught and rolled back a leaking one, and kept one that failed its evaluation suite out of traffic."
        )
    if args.keep_running:
        console.print(f"Everything stays up: kubectl {' '.join(stage.kubectl_flags())} get agd,agi (Ctrl-C stops it)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
