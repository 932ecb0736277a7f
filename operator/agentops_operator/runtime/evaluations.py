"""Judging a finished AgentEvaluation: parse it, let the engine decide its verdict from the runner's
counts, write the verdict into its status (once: a verdict already written is not written again)."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from ..api.evaluation import AgentEvaluationSpec, AgentEvaluationStatus
from ..engine.evaluation_verdict import verdict_patch
from ..ports.evaluations import Evaluations

log = logging.getLogger(__name__)


async def judge(evaluations: Evaluations, body: dict[str, Any]) -> None:
    meta = body.get("metadata") or {}
    namespace, name = meta.get("namespace", ""), meta.get("name", "")
    try:
        spec = AgentEvaluationSpec.model_validate(body.get("spec") or {})
        status = AgentEvaluationStatus.model_validate(body.get("status") or {})
    except ValidationError as error:  # the CRD's schema admits little else; say so and leave it
        log.warning("AgentEvaluation %s/%s cannot be judged: %s", namespace, name, error.errors()[0]["msg"])
        return
    patch = verdict_patch(spec, status)
    if patch is not None:
        await evaluations.write_status(namespace, name, patch)
        log.info("AgentEvaluation %s/%s: %s", namespace, name, patch["reason"])
