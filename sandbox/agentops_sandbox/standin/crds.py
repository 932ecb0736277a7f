"""CustomResourceDefinitions: validation of the definition itself, and serving what it defines.

From "Extend the Kubernetes API with CustomResourceDefinitions": the CRD's name must be
`<plural>.<group>`, `apiextensions.k8s.io/v1` requires a schema per version and exactly one
storage version, and broken CEL rules are rejected when the CRD is written. Serving starts
within the CRD's own write (so `kubectl apply` of a CRD followed by a resource succeeds) and
stops when the CRD is gone; the Established/NamesAccepted conditions are set right after.
"""

from __future__ import annotations

from typing import Any

from .cel_rules import compile_error
from .errors import FieldError
from .kinds import Registry, crd_resource_types
from .store import Change, Store

JsonDict = dict[str, Any]

CRD_STORAGE = ("apiextensions.k8s.io", "customresourcedefinitions")
CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
API_APPROVAL = "api-approved.kubernetes.io"


def validate_crd(crd: JsonDict) -> list[FieldError]:
    errors: list[FieldError] = []
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = spec.get("group")
    for field, value in (
        ("spec.group", group),
        ("spec.names.plural", names.get("plural")),
        ("spec.names.kind", names.get("kind")),
    ):
        if not value:
            errors.append(FieldError(field, "FieldValueRequired", "Required value"))
    if errors:
        return errors
    expected = f"{names['plural']}.{group}"
    if crd["metadata"]["name"] != expected:
        errors.append(
            FieldError(
                "metadata.name",
                "FieldValueInvalid",
                f'Invalid value: "{crd["metadata"]["name"]}": must be spec.names.plural+"."+spec.group',
            )
        )
    errors += _api_approval(crd, str(group))
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        errors.append(
            FieldError(
                "spec.scope",
                "FieldValueNotSupported",
                f'Unsupported value: "{spec.get("scope")}": supported values: "Cluster", "Namespaced"',
            )
        )
    versions = spec.get("versions") or []
    if not versions:
        errors.append(
            FieldError(
                "spec.versions",
                "FieldValueInvalid",
                "Invalid value: null: must have exactly one version marked as storage version",
            )
        )
    elif sum(1 for v in versions if v.get("storage")) != 1:
        errors.append(
            FieldError(
                "spec.versions",
                "FieldValueInvalid",
                "Invalid value: must have exactly one version marked as storage version",
            )
        )
    for index, version in enumerate(versions):
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        if schema is None:
            errors.append(
                FieldError(
                    f"spec.versions[{index}].schema.openAPIV3Schema",
                    "FieldValueRequired",
                    "Required value: schemas are required",
                )
            )
            continue
        errors += _check_rules(schema, f"spec.versions[{index}].schema.openAPIV3Schema")
    return errors


def _api_approval(crd: JsonDict, group: str) -> list[FieldError]:
    """Groups under k8s.io and kubernetes.io belong to Kubernetes: a CRD there must carry the
    `api-approved.kubernetes.io` annotation (a URL, or a value starting "unapproved")."""
    protected = any(group == g or group.endswith("." + g) for g in ("k8s.io", "kubernetes.io"))
    annotations = crd["metadata"].get("annotations") or {}
    if not protected or annotations.get(API_APPROVAL):
        return []
    message = (
        f'Required value: protected groups must have approval annotation "{API_APPROVAL}", '
        "see https://github.com/kubernetes/enhancements/pull/1111"
    )
    return [FieldError(f"metadata.annotations[{API_APPROVAL}]", "FieldValueRequired", message)]


def _check_rules(schema: JsonDict, path: str) -> list[FieldError]:
    errors = []
    for flag in ("exclusiveMinimum", "exclusiveMaximum"):
        if flag in schema and not isinstance(schema[flag], bool):
            # JSONSchemaProps types these as booleans (OpenAPI v3.0); a number is a JSON Schema 2020 habit.
            errors.append(
                FieldError(
                    f"{path}.{flag}",
                    "FieldValueTypeInvalid",
                    f"Invalid value: {schema[flag]}: must be a boolean; put the bound in "
                    f"{'minimum' if flag == 'exclusiveMinimum' else 'maximum'}",
                )
            )
    for index, rule in enumerate(schema.get("x-kubernetes-validations") or []):
        problem = compile_error(rule.get("rule", ""))
        if problem:
            errors.append(
                FieldError(
                    f"{path}.x-kubernetes-validations[{index}].rule",
                    "FieldValueInvalid",
                    f"Invalid value: {rule.get('rule')!r}: compilation failed: {problem}",
                )
            )
    for key, child in (schema.get("properties") or {}).items():
        errors += _check_rules(child, f"{path}.properties[{key}]")
    if isinstance(schema.get("items"), dict):
        errors += _check_rules(schema["items"], f"{path}.items")
    if isinstance(schema.get("additionalProperties"), dict):
        errors += _check_rules(schema["additionalProperties"], f"{path}.additionalProperties")
    return errors


def serve_crds(store: Store, registry: Registry) -> None:
    """Keep the registry in step with stored CRDs, within the same write."""

    def on_change(change: Change) -> None:
        if change.storage != CRD_STORAGE:
            return
        name = change.object["metadata"]["name"]
        if change.type == "DELETED":
            old_types = [rt for rt in registry if rt.from_crd == name]
            registry.replace_crd(name, [])
            for rt in old_types:
                store.drop_storage(rt.storage_key)
        else:
            registry.replace_crd(name, crd_resource_types(change.object))

    store.listen(on_change)


def established_status(crd: JsonDict, now: str) -> JsonDict:
    names = crd["spec"]["names"]
    accepted = {
        k: v for k, v in names.items() if k in ("plural", "singular", "kind", "listKind", "shortNames", "categories")
    }
    accepted.setdefault("singular", names["kind"].lower())
    accepted.setdefault("listKind", names["kind"] + "List")
    terminating = bool(crd["metadata"].get("deletionTimestamp"))
    conditions = [
        {
            "type": "NamesAccepted",
            "status": "True",
            "reason": "NoConflicts",
            "message": "no conflicts found",
            "lastTransitionTime": now,
        },
        {
            "type": "Established",
            "status": "True",
            "reason": "InitialNamesAccepted",
            "message": "the initial names have been accepted",
            "lastTransitionTime": now,
        },
    ]
    if terminating:
        conditions.append(
            {
                "type": "Terminating",
                "status": "True",
                "reason": "InstanceDeletionInProgress",
                "message": "CustomResource deletion is in progress",
                "lastTransitionTime": now,
            }
        )
    return {
        "acceptedNames": accepted,
        "conditions": conditions,
        "storedVersions": [v["name"] for v in crd["spec"]["versions"] if v.get("storage")],
    }
