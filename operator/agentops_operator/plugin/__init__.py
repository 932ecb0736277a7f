"""`kubectl agents …`: the kubectl plugin for AgentDeployments (installed as `kubectl-agents`, which
kubectl finds on PATH). Status, history, incidents, a prompt-aware diff of two revisions, offline
lint, and the manual rollout actions (promote, abort, pause, resume, retry, skip analysis, resolve),
which it asks for the way the operator documents them: annotations the operator acts on once and
removes. It never edits `spec`.

It ships with the operator's distribution as the `[kubectl]` extra (`pip install
'agentops-operator[kubectl]'`, or `pipx install` it): the operator image does not need its table
library. Without the extra, `kubectl agents` says how to get it.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    try:
        from .main import main as run
    except ModuleNotFoundError as missing:
        if missing.name is None or missing.name.split(".")[0] != "rich":
            raise
        print("kubectl agents needs the [kubectl] extra: pip install 'agentops-operator[kubectl]'", file=sys.stderr)
        return 2
    return run(argv)


__all__ = ["main"]
