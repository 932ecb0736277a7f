"""The revision bundle the operator mounts (model, prompt, tools, guardrails), read and checked once
at `init()`.

A bundle the SDK cannot read is an error, not an empty bundle: an agent started without one would
run with prompt-leak detection, tool rate limits and guardrail stages silently off. Local
development without an operator opts out explicitly (`init(allow_missing_bundle=True)` or
AGENTOPS_ALLOW_MISSING_BUNDLE=1), and then only a *missing* file is tolerated; a damaged one is
still refused. Checked by hand: the SDK depends on the standard library and prometheus-client only.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from . import contract

ENV_ALLOW_MISSING: str = "AGENTOPS_ALLOW_MISSING_BUNDLE"


class BundleError(ValueError):
    """The bundle file is missing, unreadable or not what the operator writes."""


def load(path: Path, allow_missing: bool) -> dict[str, Any]:
    """The bundle at `path` (a directory holding bundle.json, or the file), checked."""
    file = path / contract.BUNDLE_FILE if path.is_dir() else path
    try:
        text = file.read_bytes().decode("utf-8")
    except FileNotFoundError:
        if allow_missing:
            return {}
        raise BundleError(
            f"no revision bundle at {file}: the operator mounts it in the agent's Pod; outside a cluster pass "
            f"bundle_path=, or init(allow_missing_bundle=True) / {ENV_ALLOW_MISSING}=1 to run without one"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise BundleError(f"cannot read the revision bundle {file}: {error}") from None
    try:
        document = json.loads(text)
    except ValueError as error:
        raise BundleError(f"the revision bundle {file} is not valid JSON: {error}") from None
    check(document, str(file))
    return document  # type: ignore[no-any-return]


def check(document: Any, where: str) -> None:
    """Raise BundleError naming the first field of the bundle the SDK would misread."""
    top = _object(document, where, "the bundle")
    model = _object(top.get("model", {}), where, "model")
    for key in ("provider", "name"):
        _string(model.get(key, ""), where, f"model.{key}")
    if "pricing" in model:
        pricing = _object(model["pricing"], where, "model.pricing")
        for key in ("inputPerMillionTokensUSD", "outputPerMillionTokensUSD"):
            _number(pricing.get(key), where, f"model.pricing.{key}")
    _string(_object(top.get("prompt", {}), where, "prompt").get("system", ""), where, "prompt.system")
    for field, optional in (("tools", ("sideEffects",)), ("guardrails", ("stage", "action"))):
        items = top.get(field, [])
        if not isinstance(items, list):
            raise BundleError(f"{where}: {field} must be a list, got {type(items).__name__}")
        for index, item in enumerate(items):
            entry = _object(item, where, f"{field}[{index}]")
            _string(entry.get("name"), where, f"{field}[{index}].name")
            for key in optional:
                _string(entry.get(key, ""), where, f"{field}[{index}].{key}")
            if field == "tools" and entry.get("rateLimitPerMinute") is not None:
                _number(entry["rateLimitPerMinute"], where, f"tools[{index}].rateLimitPerMinute")


def _object(value: Any, where: str, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BundleError(f"{where}: {field} must be an object, got {type(value).__name__}")
    return value


def _string(value: Any, where: str, field: str) -> None:
    if not isinstance(value, str):
        raise BundleError(f"{where}: {field} must be a string, got {type(value).__name__}")


def _number(value: Any, where: str, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise BundleError(f"{where}: {field} must be a number ≥ 0, got {value!r}")
