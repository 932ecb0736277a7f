"""CEL `x-kubernetes-validations` on custom resources, evaluated with the cel-python library.

Follows "Validation rules" in the CRD docs: each rule sees its node as `self` (and, on
update, the prior value as `oldSelf`; a rule that uses `oldSelf` is a transition rule and is
skipped on create). A failed rule reports `message` (or "failed rule: <rule>") at the node's
path or at `fieldPath`. Not here: Kubernetes' CEL extension libraries (strings, lists,
regex and quantity helpers beyond standard CEL), cost budgets, `messageExpression`
(its text is shown unevaluated). Compiled programs are cached by rule text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import celpy
from celpy.adapter import json_to_cel

from .errors import FieldError

JsonDict = dict[str, Any]

_ENVIRONMENT = celpy.Environment()


@lru_cache(maxsize=1024)
def _compile(rule: str) -> Any:
    return _ENVIRONMENT.program(_ENVIRONMENT.compile(rule))


def compile_error(rule: str) -> str | None:
    """Why a rule does not compile, or None; used to reject a CRD with a broken rule."""
    try:
        _compile(rule)
    except Exception as error:  # cel-python raises several unrelated types for bad syntax
        return str(error).splitlines()[0]
    return None


def _invalid_value(value: Any, detail: str) -> str:
    """The body of a failed rule's error as kube-apiserver v1.37 prints it: scalars are shown, an
    object's or array's value is left out ("Invalid value: <message>")."""
    if isinstance(value, (dict, list)):
        return f"Invalid value: {detail}"
    if isinstance(value, str):
        return f'Invalid value: "{value}": {detail}'
    return f"Invalid value: {str(value).lower() if isinstance(value, bool) else value}: {detail}"


# celpy converts a value eagerly and recursively; a rule over an object holding a free-form value
# nested thousands of levels deep (a real server stores up to 10,000) sees it cut at this depth.
CEL_DEPTH = 100


def _cut(value: Any, depth: int) -> Any:
    if depth >= CEL_DEPTH:
        return {} if isinstance(value, dict) else [] if isinstance(value, list) else value
    if isinstance(value, dict):
        return {key: _cut(child, depth + 1) for key, child in value.items()}
    if isinstance(value, list):
        return [_cut(child, depth + 1) for child in value]
    return value


def _to_cel(value: Any) -> Any:
    try:
        return json_to_cel(value)
    except RecursionError:
        return json_to_cel(_cut(value, 0))


def evaluate_rules(schema: JsonDict, value: Any, old: Any, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for rule in schema.get("x-kubernetes-validations") or []:
        text = rule["rule"]
        uses_old = "oldSelf" in text
        if uses_old and old is None:
            continue
        activation = {"self": _to_cel(value)}
        if uses_old:
            activation["oldSelf"] = _to_cel(old)
        try:
            passed = bool(_compile(text).evaluate(activation))
            detail = rule.get("message") or rule.get("messageExpression") or f"failed rule: {text}"
        except Exception as error:  # an evaluation error fails the rule, as on the real server
            passed = False
            detail = f"failed rule: {text}: {str(error).splitlines()[0]}"
        if not passed:
            field_path = path
            if rule.get("fieldPath"):
                field_path = path + rule["fieldPath"] if path else rule["fieldPath"].lstrip(".")
            reason = {
                "FieldValueForbidden": "FieldValueForbidden",
                "FieldValueRequired": "FieldValueRequired",
                "FieldValueDuplicate": "FieldValueDuplicate",
            }.get(rule.get("reason", ""), "FieldValueInvalid")
            errors.append(FieldError(field_path, reason, _invalid_value(value, detail)))
    return errors
