"""`kubectl agents …`: the kubectl plugin for AgentDeployments (installed as `kubectl-agents`, which
kubectl finds on PATH). Status, history, incidents, a prompt-aware diff of two revisions, offline
lint, and the manual rollout actions (promote, abort, pause, resume, retry, skip analysis, resolve),
which it asks for the way the operator documents them: annotations the operator acts on once and
removes. It never edits `spec`.
"""

from .main import main

__all__ = ["main"]
