"""Structural-schema handling for custom resources: pruning, defaulting and validation.

The API server runs these three steps, in this order, on every create, update and patch of a
custom resource ("Extend the Kubernetes API with CustomResourceDefinitions": *Field pruning*,
*Defaulting*, *Validation*). A generic JSON-Schema library does not fit: OpenAPI v3 with the
`x-kubernetes-*` extensions differs from JSON Schema (nullable, int-or-string, list types,
preserve-unknown-fields), and users read the error text, which must name the field the way
the real server does (`spec.tools[1].name: Required value`). So the walk is written here.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .cel_rules import evaluate_rules
from .copying import json_copy
from .errors import FieldError

JsonDict = dict[str, Any]

_KEEP_AT_ROOT = ("apiVersion", "kind", "metadata")


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _preserves(schema: JsonDict) -> bool:
    return bool(schema.get("x-kubernetes-preserve-unknown-fields"))


def prune(obj: JsonDict, schema: JsonDict) -> list[str]:
    """Drop fields the schema does not declare; return their paths (for strict validation)."""
    dropped: list[str] = []
    for key in list(obj):
        if key in _KEEP_AT_ROOT:
            continue
        props = schema.get("properties", {})
        if key in props:
            _prune_value(obj[key], props[key], key, dropped)
        elif not _preserves(schema):
            dropped.append(key)
            del obj[key]
    return dropped


def _prune_value(value: Any, schema: JsonDict, path: str, dropped: list[str]) -> None:
    if isinstance(value, dict):
        keep = set(_KEEP_AT_ROOT) if schema.get("x-kubernetes-embedded-resource") else set()
        props = schema.get("properties")
        additional = schema.get("additionalProperties")
        for key in list(value):
            if props is not None and key in props:
                _prune_value(value[key], props[key], _child(path, key), dropped)
            elif isinstance(additional, dict):
                _prune_value(value[key], additional, f"{path}[{key}]", dropped)
            elif additional is True or _preserves(schema) or key in keep:
                continue
            elif props is not None or schema.get("type") == "object":
                dropped.append(_child(path, key))
                del value[key]
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _prune_value(item, schema["items"], f"{path}[{index}]", dropped)


def apply_defaults(value: Any, schema: JsonDict) -> None:
    """Fill in `default`s for absent properties, recursively, as the server does after pruning."""
    if isinstance(value, dict):
        for key, prop in (schema.get("properties") or {}).items():
            if key not in value and "default" in prop:
                value[key] = json_copy(prop["default"])
            if key in value:
                apply_defaults(value[key], prop)
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            for key, item in value.items():
                if key not in (schema.get("properties") or {}):
                    apply_defaults(item, additional)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            apply_defaults(item, schema["items"])


_TYPE_CHECKS = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}


def _json_type(value: Any) -> str:
    for name in ("boolean", "integer", "number", "string", "array", "object"):
        if _TYPE_CHECKS[name](value):
            return name
    return "null"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return '"object"'
    if isinstance(value, list):
        return '"array"'
    return str(value)


RULES_NOT_CHECKED = (
    "some validation rules were not checked because the object was invalid; correct the existing errors to "
    "complete validation"
)


def validate(obj: JsonDict, schema: JsonDict, old: JsonDict | None = None) -> list[FieldError]:
    """All schema and CEL violations of a custom resource, with Kubernetes field paths."""
    errors: list[FieldError] = []
    props = schema.get("properties") or {}
    for key in schema.get("required") or []:
        if key not in obj and key not in _KEEP_AT_ROOT:
            errors.append(FieldError(key, "FieldValueRequired", "Required value"))
    for key, value in obj.items():
        if key in _KEEP_AT_ROOT or key not in props:
            continue
        _validate_value(value, props[key], key, (old or {}).get(key), errors)
    if not errors:
        return evaluate_rules(schema, obj, old, "")
    if "x-kubernetes-validations" in json.dumps(schema):
        # kube-apiserver runs no CEL rule on an object that failed its schema, and says so.
        errors.append(FieldError("<nil>", "FieldValueInvalid", f"Invalid value: null: {RULES_NOT_CHECKED}"))
    return errors


def _validate_value(value: Any, schema: JsonDict, path: str, old: Any, errors: list[FieldError]) -> None:
    if value is None:
        if not schema.get("nullable"):
            expected = schema.get("type", "object")
            errors.append(
                FieldError(
                    path,
                    "FieldValueTypeInvalid",
                    f'Invalid value: "null": {path} in body must be of type {expected}: "null"',
                )
            )
        return
    if schema.get("x-kubernetes-int-or-string"):
        if not (_TYPE_CHECKS["integer"](value) or isinstance(value, str)):
            errors.append(
                FieldError(
                    path,
                    "FieldValueTypeInvalid",
                    f"Invalid value: {_show(value)}: {path} in body must be of type int-or-string: "
                    f'"{_json_type(value)}"',
                )
            )
            return
    elif "type" in schema and not _TYPE_CHECKS[schema["type"]](value):
        errors.append(
            FieldError(
                path,
                "FieldValueTypeInvalid",
                f"Invalid value: {_show(value)}: {path} in body must be of type {schema['type']}: "
                f'"{_json_type(value)}"',
            )
        )
        return
    count_before = len(errors)
    _check_bounds(value, schema, path, errors)
    if isinstance(value, dict):
        _validate_object(value, schema, path, old if isinstance(old, dict) else None, errors)
    elif isinstance(value, list):
        _validate_array(value, schema, path, old if isinstance(old, list) else None, errors)
    for combinator in ("allOf", "anyOf", "oneOf"):
        if combinator in schema:
            _validate_combinator(combinator, value, schema[combinator], path, errors)
    if "not" in schema:
        probe: list[FieldError] = []
        _validate_value(value, {**schema["not"], "nullable": True}, path, None, probe)
        if not probe:
            errors.append(
                FieldError(
                    path,
                    "FieldValueInvalid",
                    f"Invalid value: {_show(value)}: {path} in body must not match the 'not' schema",
                )
            )
    # CEL rules run only on values that passed their structural checks, like the real server.
    if len(errors) == count_before:
        errors.extend(evaluate_rules(schema, value, old, path))


def _validate_combinator(name: str, value: Any, options: list[JsonDict], path: str, errors: list[FieldError]) -> None:
    results = []
    for option in options:
        probe: list[FieldError] = []
        _validate_value(value, {**option, "nullable": True}, path, None, probe)
        results.append(probe)
    passing = sum(1 for r in results if not r)
    if name == "allOf":
        for result in results:
            errors.extend(result)
    elif name == "anyOf" and passing == 0:
        errors.append(
            FieldError(
                path,
                "FieldValueInvalid",
                f"Invalid value: {_show(value)}: {path} in body must validate at least one schema (anyOf)",
            )
        )
    elif name == "oneOf" and passing != 1:
        errors.append(
            FieldError(
                path,
                "FieldValueInvalid",
                f"Invalid value: {_show(value)}: {path} in body must validate one and only one schema (oneOf)",
            )
        )


def _check_bounds(value: Any, schema: JsonDict, path: str, errors: list[FieldError]) -> None:
    if "enum" in schema and value not in schema["enum"]:
        supported = ", ".join(_show(v) for v in schema["enum"])
        errors.append(
            FieldError(
                path, "FieldValueNotSupported", f"Unsupported value: {_show(value)}: supported values: {supported}"
            )
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(value, schema, path, errors)
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(
                FieldError(
                    path,
                    "FieldValueInvalid",
                    f"Invalid value: {_show(value)}: {path} in body should be at least "
                    f"{schema['minLength']} chars long",
                )
            )
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(
                FieldError(path, "FieldValueTooLong", f"Too long: may not be more than {schema['maxLength']} bytes")
            )
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(
                FieldError(
                    path,
                    "FieldValueInvalid",
                    f"Invalid value: {_show(value)}: {path} in body should match '{schema['pattern']}'",
                )
            )


def _check_number(value: float, schema: JsonDict, path: str, errors: list[FieldError]) -> None:
    shown = _show(value)
    if "minimum" in schema:
        if schema.get("exclusiveMinimum") and value <= schema["minimum"]:
            errors.append(
                FieldError(
                    path,
                    "FieldValueInvalid",
                    f"Invalid value: {shown}: {path} in body should be greater than {schema['minimum']}",
                )
            )
        elif value < schema["minimum"]:
            errors.append(
                FieldError(
                    path,
                    "FieldValueInvalid",
                    f"Invalid value: {shown}: {path} in body should be greater than or equal to {schema['minimum']}",
                )
            )
    if "maximum" in schema:
        if schema.get("exclusiveMaximum") and value >= schema["maximum"]:
            errors.append(
                FieldError(
                    path,
                    "FieldValueInvalid",
                    f"Invalid value: {shown}: {path} in body should be less than {schema['maximum']}",
                )
            )
        elif value > schema["maximum"]:
            errors.append(
                FieldError(
                    path,
                    "FieldValueInvalid",
                    f"Invalid value: {shown}: {path} in body should be less than or equal to {schema['maximum']}",
                )
            )
    if "multipleOf" in schema and value % schema["multipleOf"] != 0:
        errors.append(
            FieldError(
                path,
                "FieldValueInvalid",
                f"Invalid value: {shown}: {path} in body should be a multiple of {schema['multipleOf']}",
            )
        )


def _validate_object(
    value: JsonDict, schema: JsonDict, path: str, old: JsonDict | None, errors: list[FieldError]
) -> None:
    props = schema.get("properties") or {}
    for key in schema.get("required") or []:
        if key not in value:
            errors.append(FieldError(_child(path, key), "FieldValueRequired", "Required value"))
    if "minProperties" in schema and len(value) < schema["minProperties"]:
        errors.append(
            FieldError(
                path,
                "FieldValueInvalid",
                f"Invalid value: {len(value)}: {path} in body should have at least "
                f"{schema['minProperties']} properties",
            )
        )
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        errors.append(
            FieldError(
                path, "FieldValueTooMany", f"Too many: {len(value)}: must have at most {schema['maxProperties']} items"
            )
        )
    additional = schema.get("additionalProperties")
    for key, item in value.items():
        old_item = (old or {}).get(key)
        if key in props:
            _validate_value(item, props[key], _child(path, key), old_item, errors)
        elif isinstance(additional, dict):  # a map's value: the real server names it path.key, as a field
            _validate_value(item, additional, _child(path, key), old_item, errors)


def _validate_array(
    value: list[Any], schema: JsonDict, path: str, old: list[Any] | None, errors: list[FieldError]
) -> None:
    if "minItems" in schema and len(value) < schema["minItems"]:
        errors.append(
            FieldError(
                path,
                "FieldValueInvalid",
                f"Invalid value: {len(value)}: {path} in body should have at least {schema['minItems']} items",
            )
        )
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.append(
            FieldError(
                path, "FieldValueTooMany", f"Too many: {len(value)}: must have at most {schema['maxItems']} items"
            )
        )
    list_type = schema.get("x-kubernetes-list-type")
    items_schema = schema.get("items")
    map_keys = schema.get("x-kubernetes-list-map-keys") or []
    seen: list[Any] = []
    old_by_key = {}
    if list_type == "map" and old:
        old_by_key = {_map_key(item, map_keys): item for item in old if isinstance(item, dict)}
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        identity = _map_key(item, map_keys) if list_type == "map" and isinstance(item, dict) else item
        if list_type in ("set", "map") or schema.get("uniqueItems"):
            if identity in seen:
                errors.append(
                    FieldError(
                        item_path, "FieldValueDuplicate", f"Duplicate value: {_show_identity(identity, map_keys)}"
                    )
                )
            seen.append(identity)
        if isinstance(items_schema, dict):
            old_item = old_by_key.get(identity) if list_type == "map" else None
            _validate_value(item, items_schema, item_path, old_item, errors)


def _map_key(item: JsonDict, keys: list[str]) -> tuple[Any, ...]:
    return tuple(item.get(k) for k in keys)


def _show_identity(identity: Any, keys: list[str]) -> str:
    if isinstance(identity, tuple):
        inner = ",".join(f'"{k}":{_show(v)}' for k, v in zip(keys, identity, strict=False))
        return "{" + inner + "}"  # as kube-apiserver 1.37 prints a map key (older releases: map[string]interface {}{…})
    return _show(identity)
